import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, eachBackend, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { testClock } from '../../test-support/two-step';
import { operatorUnlockAdmin } from './manage';
import { openDatabase } from '../../db/connect';

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

    it('holds a guesser back after 5 wrong passwords from one address, longer each time, while the owner from a known address signs in', async () => {
      const clock = testClock();
      const s = await startTestServer(await backend.freshDb(), { now: clock.now, trustedProxies: ['127.0.0.1'] });
      const from = (source: string, password: string, login = 'admin') => call(s.url, 'adminSignin', { body: { login, password }, headers: { 'x-forwarded-for': source } });
      try {
        // The administrator works from 192.0.2.10: an address the login is known from.
        expect((await from('192.0.2.10', ADMIN_PASSWORD)).status).toBe(200);
        // Case and space variants of the login count as the same login.
        const variants = ['admin', 'Admin', ' admin', 'ADMIN ', 'admin'];
        for (const login of variants) expect((await from('198.51.100.7', 'guess', login)).status).toBe(401);
        const held = await from('198.51.100.7', ADMIN_PASSWORD);
        expect(held.status).toBe(429);
        expect(held.error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
        // Not a lock-out: the owner, from their address, is not held back by the guesser.
        expect((await from('192.0.2.10', ADMIN_PASSWORD)).status).toBe(200);
        clock.advance(1000);
        expect((await from('198.51.100.7', 'guess-6')).status).toBe(401);
        expect((await from('198.51.100.7', 'guess-7')).error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 2 } });
        clock.advance(2000);
        expect((await from('198.51.100.7', 'guess-8')).status).toBe(401);
        expect((await from('198.51.100.7', 'guess-9')).error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 4 } });
        // The waits grow to at most 15 minutes, and a day without tries starts the count again.
        clock.advance(86_400_000 + 1000);
        expect((await from('198.51.100.7', ADMIN_PASSWORD)).status).toBe(200);
      } finally {
        await s.close();
      }
    });

    it('checks exactly 5 of 40 parallel wrong sign-ins (counted in the database before any password is checked)', async () => {
      const s = await startTestServer(await backend.freshDb());
      try {
        const token = await s.issueAdminToken();
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(s.url, 'adminSignin', { body: { login: 'admin', password: `parallel-${i}` } })));
        expect(answers.filter((a) => a.status === 401)).toHaveLength(5);
        expect(answers.filter((a) => a.status === 429)).toHaveLength(35);
        const audit = okBody(await call(s.url, 'listAudit', { query: { action: 'admin.signin_failed' } }, token));
        expect(audit.total).toBe(5);
        expect(audit.items.every((e) => e.source === '127.0.0.1')).toBe(true);
      } finally {
        await s.close();
      }
    });

    it('lets the operator clear the limits at once (gatepass admin unlock), audited', async () => {
      const location = await backend.freshDb();
      const s = await startTestServer(location);
      const h = openDatabase(location);
      try {
        for (let i = 0; i < 5; i++) expect((await call(s.url, 'adminSignin', { body: { login: 'admin', password: `guess-${i}` } })).status).toBe(401);
        expect((await call(s.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).status).toBe(429);
        expect(await operatorUnlockAdmin(h.db, 'admin', new Date())).toEqual({ login: 'admin', cleared: 2 });
        const session = okBody(await call(s.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } }));
        const audit = okBody(await call(s.url, 'listAudit', { query: { action: 'admin.unlock' } }, session.token));
        expect(audit.items).toMatchObject([{ actor: '(operator)', target: 'admin', detail: '2 sign-in limits cleared', source: null }]);
        await expect(operatorUnlockAdmin(h.db, 'nobody', new Date())).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } finally {
        await h.close();
        await s.close();
      }
    });

    it("checks the first administrator's password against the policy", async () => {
      await expect(startTestServer(await backend.freshDb(), { adminPassword: 'Short-1' })).rejects.toMatchObject({ code: 'POLICY_VIOLATION' });
      await expect(startTestServer(await backend.freshDb(), { adminPassword: 'Admin-Harbour-2048' })).rejects.toMatchObject({ code: 'POLICY_VIOLATION' });
      await expect(startTestServer(await backend.freshDb(), { adminPassword: 'password1234' })).rejects.toMatchObject({ code: 'POLICY_VIOLATION' });
    });

    it('ends the session on sign-out', async () => {
      const { token } = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } }));
      expect(okBody(await call(url(), 'adminSignout', {}, token))).toEqual({ ok: true });
      const after = await call(url(), 'listUsers', {}, token);
      expect(after.status).toBe(401);
      expect(after.body).toMatchObject({ code: 'AUTH_REQUIRED' });
    });
  });

  describe('several administrators', () => {
    const signin = (login: string, password: string) => call(url(), 'adminSignin', { body: { login, password } });

    it('adds one whose password passes the policy, with a login unique in any case, and both sign in', async () => {
      const me = okBody(await signin('admin', ADMIN_PASSWORD)).token;
      const weak = await call(url(), 'createAdmin', { body: { login: 'r.rivera', password: 'short' } }, me);
      expect(weak.error).toMatchObject({ code: 'POLICY_VIOLATION' });
      const withLogin = await call(url(), 'createAdmin', { body: { login: 'r.rivera', password: 'R.Rivera-Harbour-77' } }, me);
      expect(withLogin.error).toMatchObject({ code: 'POLICY_VIOLATION' });
      const hidden = await call(url(), 'createAdmin', { body: { login: 'r.rivera\u200b', password: 'Quiet-Meadow-2049' } }, me);
      expect(hidden.error).toMatchObject({ code: 'VALIDATION_FAILED' });
      const made = okBody(await call(url(), 'createAdmin', { body: { login: 'r.rivera', password: 'Quiet-Meadow-2049' } }, me));
      expect(made).toMatchObject({ login: 'r.rivera', disabledAt: null, twoStep: false, you: false });
      expect((await call(url(), 'createAdmin', { body: { login: 'R.Rivera', password: 'Quiet-Meadow-2050' } }, me)).error).toMatchObject({ code: 'LOGIN_TAKEN' });
      const theirs = okBody(await signin('r.rivera', 'Quiet-Meadow-2049')).token;
      const list = okBody(await call(url(), 'listAdmins', {}, theirs)).items;
      expect(list.map((a) => [a.login, a.you])).toEqual([
        ['admin', false],
        ['r.rivera', true],
      ]);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'admin.create' } }, me)).items;
      expect(audit[0]).toMatchObject({ actor: 'admin', target: 'r.rivera' });
    });

    it('disables another (their sessions end, their sign-in is refused), never yourself, and enables again', async () => {
      const me = okBody(await signin('admin', ADMIN_PASSWORD)).token;
      const other = okBody(await call(url(), 'createAdmin', { body: { login: 's.sato', password: 'Quiet-Meadow-3051' } }, me));
      const theirs = okBody(await signin('s.sato', 'Quiet-Meadow-3051')).token;
      const self = okBody(await call(url(), 'listAdmins', {}, me)).items.find((a) => a.you)!;
      expect((await call(url(), 'disableAdmin', { params: { id: self.id } }, me)).error).toMatchObject({ code: 'FORBIDDEN' });
      expect(okBody(await call(url(), 'disableAdmin', { params: { id: other.id } }, me)).disabledAt).not.toBeNull();
      expect((await call(url(), 'listUsers', {}, theirs)).status).toBe(401);
      // The same answer as a wrong password: a disabled administrator's password tells nobody anything.
      expect((await signin('s.sato', 'Quiet-Meadow-3051')).error).toMatchObject({ code: 'INVALID_CREDENTIALS' });
      expect(okBody(await call(url(), 'enableAdmin', { params: { id: other.id } }, me)).disabledAt).toBeNull();
      expect((await signin('s.sato', 'Quiet-Meadow-3051')).status).toBe(200);
      expect((await call(url(), 'disableAdmin', { params: { id: 'no-such-id' } }, me)).error).toMatchObject({ code: 'NOT_FOUND' });
    });

    it('of two administrators disabling each other at once, exactly one succeeds: the server keeps an enabled one', async () => {
      const me = okBody(await signin('admin', ADMIN_PASSWORD)).token;
      // Every other administrator disabled first, so these two are the only enabled ones.
      for (const a of okBody(await call(url(), 'listAdmins', {}, me)).items) {
        if (!a.you && !a.disabledAt) okBody(await call(url(), 'disableAdmin', { params: { id: a.id } }, me));
      }
      const other = okBody(await call(url(), 'createAdmin', { body: { login: 't.tanaka', password: 'Quiet-Meadow-4052' } }, me));
      const theirs = okBody(await signin('t.tanaka', 'Quiet-Meadow-4052')).token;
      const self = okBody(await call(url(), 'listAdmins', {}, me)).items.find((a) => a.you)!;
      const [mine, them] = await Promise.all([
        call(url(), 'disableAdmin', { params: { id: other.id } }, me),
        call(url(), 'disableAdmin', { params: { id: self.id } }, theirs),
      ]);
      expect([mine.ok, them.ok].filter(Boolean)).toHaveLength(1);
      const loser = mine.ok ? them : mine;
      expect(['LAST_ADMIN', 'AUTH_REQUIRED']).toContain(loser.error?.code);
      const left = okBody(await call(url(), 'listAdmins', {}, mine.ok ? me : theirs)).items.filter((a) => !a.disabledAt);
      expect(left).toHaveLength(1);
      // Put things back for the next tests: admin enabled.
      const survivor = mine.ok ? me : theirs;
      for (const a of okBody(await call(url(), 'listAdmins', {}, survivor)).items) {
        if (a.login === 'admin' && a.disabledAt) okBody(await call(url(), 'enableAdmin', { params: { id: a.id } }, survivor));
      }
    });

    it("changes a password: your own only with the current one; the administrator's other sessions end", async () => {
      const me = okBody(await signin('admin', ADMIN_PASSWORD)).token;
      const other = okBody(await call(url(), 'createAdmin', { body: { login: 'u.ueda', password: 'Quiet-Meadow-5053' } }, me));
      const theirs = okBody(await signin('u.ueda', 'Quiet-Meadow-5053')).token;
      expect((await call(url(), 'setAdminPassword', { params: { id: other.id }, body: { password: 'u.ueda-2026-Meadow' } }, me)).error).toMatchObject({ code: 'POLICY_VIOLATION' });
      okBody(await call(url(), 'setAdminPassword', { params: { id: other.id }, body: { password: 'Quiet-Meadow-5054' } }, me));
      expect((await call(url(), 'listUsers', {}, theirs)).status).toBe(401);
      const again = okBody(await signin('u.ueda', 'Quiet-Meadow-5054')).token;
      const second = okBody(await signin('u.ueda', 'Quiet-Meadow-5054')).token;
      expect((await call(url(), 'setAdminPassword', { params: { id: other.id }, body: { password: 'Quiet-Meadow-5055' } }, again)).error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await call(url(), 'setAdminPassword', { params: { id: other.id }, body: { password: 'Quiet-Meadow-5055', currentPassword: 'wrong' } }, again)).error).toMatchObject({
        code: 'INVALID_CREDENTIALS',
      });
      okBody(await call(url(), 'setAdminPassword', { params: { id: other.id }, body: { password: 'Quiet-Meadow-5055', currentPassword: 'Quiet-Meadow-5054' } }, again));
      expect((await call(url(), 'listUsers', {}, again)).status).toBe(200);
      expect((await call(url(), 'listUsers', {}, second)).status).toBe(401);
      expect((await signin('u.ueda', 'Quiet-Meadow-5055')).status).toBe(200);
    });
  });
});
