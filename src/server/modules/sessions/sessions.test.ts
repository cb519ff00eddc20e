import { describe, expect, it } from 'vitest';
import { eachBackend, useServer } from '../../test-support/backends';
import { createPasswordHasher } from '../../security/passwords';
import { call, okBody } from '../../test-support/client';
import { sweepExpired } from './service';

eachBackend('Device sessions', (backend) => {
  const { url, admin, db, newUser, issueOk, qr, me } = useServer(backend);

  describe('device sign-in with a QR credential', () => {
    it('issues a credential that signs the device in as that user', async () => {
      const u = await newUser('qr', { displayName: 'Carla Diaz' });
      const issued = await issueOk(u.id);
      expect(issued.credential).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      expect(issued).toMatchObject({ userId: u.id, login: u.login, expiresAt: null, sessionsEnded: 0 });
      const session = okBody(await qr(u.login, issued.credential));
      expect(session.user).toEqual({ id: u.id, login: u.login, displayName: 'Carla Diaz' });
      const days = (Date.parse(session.expiresAt) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(okBody(await me(session.token))).toEqual({ id: u.id, login: u.login, displayName: 'Carla Diaz' });
      const listed = okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin()));
      expect(listed.qrIssuedAt).toBe(issued.issuedAt);
      expect(listed.activeSessions).toBe(1);
    });

    it('limits failed QR sign-ins like password ones: 5 wrong credentials from one address, then waits, each failure audited', async () => {
      const u = await newUser('qrlimit');
      const issued = await issueOk(u.id);
      const [id] = issued.credential.split('.');
      const audited = async () => okBody(await call(url(), 'listAudit', { query: { target: u.login, action: 'device.signin_failed' } }, admin())).total;
      for (let i = 0; i < 5; i++) {
        const wrong = await qr(u.login, `${id}.${'A'.repeat(42)}${i}`);
        expect(wrong.error?.code).toBe('QR_CREDENTIAL_INVALID');
      }
      expect(await audited()).toBe(5);
      // Even the right credential waits now: the try is refused before anything is checked.
      const held = await qr(u.login, issued.credential);
      expect(held.status).toBe(429);
      expect(held.error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
      expect(await audited()).toBe(5);
      await new Promise((r) => setTimeout(r, 1100));
      expect(okBody(await qr(u.login, issued.credential)).user.login).toBe(u.login);
    });

    it('stores only hashes of the secret and of session tokens', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const session = okBody(await qr(u.login, issued.credential));
      const [id, secret] = issued.credential.split('.');
      const row = await db().selectFrom('qr_credentials').selectAll().where('id', '=', id ?? '').executeTakeFirstOrThrow();
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(secret);
      const tokens = await db().selectFrom('user_sessions').select('token_hash').execute();
      expect(tokens.map((t) => t.token_hash)).not.toContain(session.token);
    });

    it('answers a wrong secret, an unknown id, a wrong login and garbage with the same 401', async () => {
      const u = await newUser();
      const other = await newUser();
      const issued = await issueOk(u.id);
      const [id, secret] = issued.credential.split('.') as [string, string];
      const flipped = `${id}.${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
      const unknownId = `${'A'.repeat(22)}.${secret}`;
      const answers = [
        await qr(u.login, flipped),
        await qr(u.login, unknownId),
        await qr(other.login, issued.credential),
        await qr(u.login, 'not-a-credential'),
      ];
      for (const a of answers) {
        expect(a.status).toBe(401);
        expect(a.body).toEqual(answers[0]?.body);
        expect(a.error?.code).toBe('QR_CREDENTIAL_INVALID');
      }
    });

  });
});

eachBackend('Expired sessions', (backend) => {
  const { url, admin, db, newUser, issueOk, qr } = useServer(backend);

  it('are swept, and the counts the list sorts and filters by follow', async () => {
    const u = await newUser('sweep');
    const issued = await issueOk(u.id);
    const session = okBody(await qr(u.login, issued.credential));
    okBody(await qr(u.login, issued.credential));
    const count = async () => (await db().selectFrom('users').select('sessions_active').where('id', '=', u.id).executeTakeFirstOrThrow()).sessions_active;
    expect(await count()).toBe(2);
    const past = new Date(Date.now() - 1000).toISOString();
    await db().updateTable('user_sessions').set({ expires_at: past }).where('user_id', '=', u.id).execute();
    await db().updateTable('qr_credentials').set({ expires_at: past }).where('user_id', '=', u.id).execute();

    const ctx = { db: db(), dialect: backend.name === 'PostgreSQL' ? ('postgres' as const) : ('sqlite' as const), hasher: createPasswordHasher('test'), hashConcurrency: 1, secrets: null, serverName: 'Test', serverId: 'test-server-id-000000', publicUrl: () => 'http://127.0.0.1', tlsPin: null, now: () => new Date() };
    await sweepExpired(ctx);
    await sweepExpired(ctx); // idempotent, as every replica runs it
    expect(await count()).toBe(0);
    expect(await db().selectFrom('user_sessions').select('token_hash').where('user_id', '=', u.id).execute()).toEqual([]);
    expect((await db().selectFrom('users').select('qr_issued_at').where('id', '=', u.id).executeTakeFirstOrThrow()).qr_issued_at).toBe('');
    expect((await call(url(), 'me', {}, session.token)).status).toBe(401);
    const listed = okBody(await call(url(), 'listUsers', { query: { search: u.login, signedIn: 'true' } }, admin()));
    expect(listed.total).toBe(0);
  });
});
