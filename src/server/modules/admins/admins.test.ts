import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, eachBackend, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';

eachBackend('Administrators', (backend) => {
  const { url } = useServer(backend);

  describe('administrator sign-in', () => {
    it('accepts the right password and the session works', async () => {
      const session = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } }));
      const hours = (Date.parse(session.expiresAt) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(11.9);
      expect(hours).toBeLessThanOrEqual(12);
      expect((await call(url(), 'getPolicy', {}, session.token)).status).toBe(200);
    });

    it('refuses a wrong password and an unknown login with the same answer', async () => {
      const wrong = await call(url(), 'adminSignin', { body: { login: 'admin', password: 'not-it' } });
      const unknown = await call(url(), 'adminSignin', { body: { login: 'nobody', password: 'not-it' } });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    });

    it('locks a login out after 10 failures in 15 minutes, even for the right password', async () => {
      const s = await startTestServer(await backend.freshDb());
      try {
        for (let i = 0; i < 10; i++) {
          const r = await call(s.url, 'adminSignin', { body: { login: 'admin', password: `guess-${i}` } });
          expect(r.status).toBe(401);
        }
        const locked = await call(s.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } });
        expect(locked.status).toBe(429);
        expect(locked.body).toMatchObject({ code: 'RATE_LIMITED' });
      } finally {
        await s.close();
      }
    });

    it('ends the session on sign-out', async () => {
      const { token } = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } }));
      expect(okBody(await call(url(), 'adminSignout', {}, token))).toEqual({ ok: true });
      const after = await call(url(), 'listUsers', {}, token);
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ code: 'AUTH_REQUIRED' });
    });
  });
});
