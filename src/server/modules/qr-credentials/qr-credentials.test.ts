import { describe, expect, it } from 'vitest';
import { eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';

eachBackend('QR credentials', (backend) => {
  const { url, admin, db, newUser, issue, issueOk, qr, me } = useServer(backend);

  describe('QR credentials', () => {
    it('re-issuing ends the user’s sessions at once and voids the first credential', async () => {
      const u = await newUser();
      const first = await issueOk(u.id);
      const s1 = okBody(await qr(u.login, first.credential));
      const s2 = okBody(await qr(u.login, first.credential));
      const second = await issueOk(u.id, 'Copper-Kettle-58');
      expect(second.sessionsEnded).toBe(2);
      for (const t of [s1.token, s2.token]) {
        const r = await me(t);
        expect(r.status).toBe(401);
        expect(r.error?.code).toBe('AUTH_REQUIRED');
      }
      expect((await qr(u.login, first.credential)).body).toMatchObject({ code: 'QR_CREDENTIAL_INVALID' });
      expect((await qr(u.login, second.credential)).status).toBe(200);
    });

    it('a password change voids the credential', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      okBody(await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'Brand-New-Pass-9' } }, admin()));
      expect((await qr(u.login, issued.credential)).status).toBe(401);
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).qrIssuedAt).toBeNull();
    });

    it('a login change voids the credential, under the old and the new login', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const renamed = okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { login: `${u.login}.new` } }, admin()));
      expect((await qr(u.login, issued.credential)).status).toBe(401);
      expect((await qr(renamed.login, issued.credential)).status).toBe(401);
    });

    it('voiding a credential ends the device sessions it started, in the same change: on a password set and on a rename', async () => {
      for (const change of ['password', 'rename'] as const) {
        const u = await newUser();
        const issued = await issueOk(u.id);
        const devices = [okBody(await qr(u.login, issued.credential)).token, okBody(await qr(u.login, issued.credential)).token];
        expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).activeSessions).toBe(2);
        if (change === 'password') okBody(await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'Brand-New-Pass-9' } }, admin()));
        else okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { login: `${u.login}.moved` } }, admin()));
        for (const token of devices) expect((await me(token)).status, change).toBe(401);
        expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).activeSessions, change).toBe(0);
        const audit = okBody(await call(url(), 'listAudit', { query: { action: change === 'password' ? 'user.set_password' : 'user.update', target: change === 'password' ? u.login : `${u.login}.moved` } }, admin()));
        expect(audit.items[0]?.detail, change).toMatch(/ended 2 (device )?session\(s\)/);
      }
    });

    it('a display name change keeps the credential valid', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { displayName: 'Renamed Person' } }, admin()));
      expect((await qr(u.login, issued.credential)).status).toBe(200);
    });

    it('honours validDays and refuses the credential once it has expired', async () => {
      const u = await newUser();
      const r = await issue(u.id, 'Lantern-Meadow-71', 7);
      if (!r.ok) throw new Error(r.message);
      const days = (Date.parse(r.issued.expiresAt ?? '') - Date.parse(r.issued.issuedAt)) / 86_400_000;
      expect(days).toBe(7);
      expect((await qr(u.login, r.issued.credential)).status).toBe(200);
      const id = r.issued.credential.split('.')[0] ?? '';
      await db().updateTable('qr_credentials').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
      expect((await qr(u.login, r.issued.credential)).body).toMatchObject({ code: 'QR_CREDENTIAL_INVALID' });
    });

    it('issues a batch of 120 users concurrently, each with a working credential of their own', async () => {
      const users = [];
      for (let i = 0; i < 120; i++) users.push(await newUser('batch'));
      const res = okBody(
        await call(url(), 'issueQrBatch', { body: { items: users.map((u, i) => ({ userId: u.id, password: `Granite-Falls-${1000 + i}` })) } }, admin()),
      );
      expect(res.results.map((r) => r.userId)).toEqual(users.map((u) => u.id));
      const creds = res.results.map((r) => (r.ok ? r.issued.credential : `failed: ${r.code}`));
      expect(new Set(creds).size).toBe(120);
      for (const i of [0, 59, 119]) expect((await qr(users[i]?.login ?? '', creds[i] ?? '')).status).toBe(200);
    });

    it('refuses the same user twice in one batch, keeping the last', async () => {
      const u = await newUser();
      const res = okBody(
        await call(url(), 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Pine-Cone-Road-1' }, { userId: u.id, password: 'Pine-Cone-Road-2' }] } }, admin()),
      );
      expect(res.results.map((r) => r.ok)).toEqual([false, true]);
      expect(res.results[0]).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('reports each item of a mixed batch on its own, in order', async () => {
      const a = await newUser();
      const b = await newUser();
      const res = okBody(
        await call(
          url(),
          'issueQrBatch',
          {
            body: {
              items: [
                { userId: a.id, password: 'Silver-Birch-33' },
                { userId: 'no-such-user', password: 'Silver-Birch-33' },
                { userId: b.id, password: 'weak' },
              ],
            },
          },
          admin(),
        ),
      );
      expect(res.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'NOT_FOUND', 'POLICY_VIOLATION']);
      expect(res.results[1]).toMatchObject({ userId: 'no-such-user', login: null });
    });

    it('deleting a user ends their sessions and voids their credential', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const s = okBody(await qr(u.login, issued.credential));
      okBody(await call(url(), 'deleteUser', { params: { id: u.id } }, admin()));
      expect((await me(s.token)).status).toBe(401);
      expect((await qr(u.login, issued.credential)).status).toBe(401);
    });
  });
});
