import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../../scripts/pg-cluster.mjs';
import { api, type RouteName } from '../shared/api/routes';
import { DEFAULT_PASSWORD_POLICY } from '../shared/model/password-policy';
import { openDatabase, type DbHandle } from './db/connect';
import { startServer, type RunningServer } from './index';
import { call, okBody } from './test-support/client';

// One private PostgreSQL cluster for this file; every suite gets its own fresh database.
let cluster: PgCluster | null = null;
let dbCount = 0;
const tempDirs: string[] = [];

beforeAll(async () => {
  // The first start must generate the admin password, whatever the developer's shell holds.
  delete process.env.GATEPASS_ADMIN_PASSWORD;
  cluster = await startPgCluster();
});

afterAll(async () => {
  await cluster?.stop();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

interface Backend {
  name: string;
  freshDb(): Promise<string>;
}

const sqlite: Backend = {
  name: 'SQLite',
  freshDb: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepass-test-'));
    tempDirs.push(dir);
    return join(dir, 'gatepass.db');
  },
};
const postgres: Backend = {
  name: 'PostgreSQL',
  freshDb: async () => {
    if (!cluster) throw new Error('PostgreSQL cluster did not start');
    return cluster.createDatabase(`gatepass_t${++dbCount}`);
  },
};

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

async function start(db: string, extra: { adminPassword?: string; seedDemo?: number } = {}): Promise<RunningServer> {
  // Cheap argon2id keeps the suite quick; production cost is covered in passwords.test.ts.
  return startServer({ db, port: 0, adminPassword: extra.adminPassword ?? ADMIN_PASSWORD, seedDemo: extra.seedDemo }, { hashCost: 'test' });
}

/** The whole server behaviour, run once per storage engine. */
function serverSuite(backend: Backend) {
  let server: RunningServer;
  let dbLocation: string;
  let dbh: DbHandle;
  let admin: string;
  let serial = 0;

  beforeAll(async () => {
    dbLocation = await backend.freshDb();
    server = await start(dbLocation);
    dbh = openDatabase(dbLocation);
    admin = okBody(await call(server.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
  });
  afterAll(async () => {
    await server?.close();
    await dbh?.close();
  });

  const url = () => server.url;
  /** A user with a login unique to this test. */
  async function newUser(prefix = 'u', extra: { displayName?: string; email?: string; password?: string } = {}) {
    serial++;
    const login = `${prefix}.${backend.name.toLowerCase()}${serial}`;
    return okBody(await call(url(), 'createUser', { body: { login, displayName: extra.displayName ?? `User ${serial}`, ...extra } }, admin));
  }
  async function issue(userId: string, password: string, validDays?: number) {
    const res = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId, password }], validDays } }, admin));
    const first = res.results[0];
    if (!first) throw new Error('no result');
    return first;
  }
  async function issueOk(userId: string, password = 'Lantern-Meadow-71') {
    const r = await issue(userId, password);
    if (!r.ok) throw new Error(`issue failed: ${r.code} ${r.message}`);
    return r.issued;
  }
  const qr = (login: string, credential: string) => call(url(), 'qrSignin', { body: { login, credential } });
  const me = (token: string) => call(url(), 'me', {}, token);
  const passwordHash = async (id: string) =>
    (await dbh.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;

  describe('start-up', () => {
    it('creates the admin with a generated password on a fresh database, once', async () => {
      const db = await backend.freshDb();
      const first = await startServer({ db, port: 0 }, { hashCost: 'test' });
      try {
        expect(first.generatedAdminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
        const session = okBody(await call(first.url, 'adminSignin', { body: { login: 'admin', password: first.generatedAdminPassword } }));
        expect(session.login).toBe('admin');
      } finally {
        await first.close();
      }
      const second = await startServer({ db, port: 0 }, { hashCost: 'test' });
      try {
        expect(second.generatedAdminPassword).toBeNull();
      } finally {
        await second.close();
      }
    });

    it('logs one line saying where it listens and answers /info without signing in', async () => {
      const lines: string[] = [];
      const s = await startServer({ db: await backend.freshDb(), port: 0, name: 'Plant 2', adminPassword: ADMIN_PASSWORD, logger: (l) => lines.push(l) }, { hashCost: 'test' });
      try {
        expect(lines).toEqual([`Gatepass server listening on ${s.url}`]);
        expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const info = okBody(await call(s.url, 'serverInfo'));
        expect(info).toMatchObject({ product: 'gatepass', name: 'Plant 2', apiVersion: 1, tlsPin: null });
        const token = await s.issueAdminToken();
        expect(okBody(await call(s.url, 'getPolicy', {}, token))).toEqual(DEFAULT_PASSWORD_POLICY);
      } finally {
        await s.close();
      }
    });
  });

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
      const s = await start(await backend.freshDb());
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

  describe('authentication and input checks', () => {
    it('requires an admin session on admin routes', async () => {
      for (const token of [undefined, 'garbage-token']) {
        const r = await call(url(), 'listUsers', {}, token);
        expect(r.status).toBe(401);
        expect(r.body).toMatchObject({ code: 'AUTH_REQUIRED' });
      }
    });

    it('does not accept a device session where an admin session is required, or the reverse', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const device = okBody(await qr(u.login, issued.credential));
      expect((await call(url(), 'listUsers', {}, device.token)).status).toBe(401);
      expect((await me(admin)).status).toBe(401);
    });

    it('answers bad input with 400 VALIDATION_FAILED', async () => {
      const bad = [
        await call(url(), 'listUsers', { query: { limit: 9999 } }, admin),
        await call(url(), 'listUsers', { query: { sort: 'password' } }, admin),
        await call(url(), 'createUser', { body: { displayName: 'No login' } }, admin),
        await call(url(), 'issueQrBatch', { body: { items: [] } }, admin),
        await call(url(), 'adminSignin', {}),
      ];
      for (const r of bad) {
        expect(r.status).toBe(400);
        expect(r.error?.code).toBe('VALIDATION_FAILED');
        expect(r.error?.message).toMatch(/\S/);
      }
    });

    it('answers an unknown path with 404 NOT_FOUND in the error shape', async () => {
      const res = await fetch(`${url()}/api/v1/nothing-here`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('users', () => {
    it('creates, reads, edits and deletes a user', async () => {
      const created = await newUser('crud', { displayName: 'Anna Berg', email: 'anna@example.com' });
      expect(created).toMatchObject({ displayName: 'Anna Berg', email: 'anna@example.com', totpEnabled: false, qrIssuedAt: null, activeSessions: 0 });
      expect(okBody(await call(url(), 'getUser', { params: { id: created.id } }, admin))).toEqual(created);
      const edited = okBody(await call(url(), 'updateUser', { params: { id: created.id }, body: { displayName: 'Anna Berg-Lund' } }, admin));
      expect(edited.displayName).toBe('Anna Berg-Lund');
      expect(edited.login).toBe(created.login);
      expect(okBody(await call(url(), 'deleteUser', { params: { id: created.id } }, admin))).toEqual({ ok: true });
      const gone = await call(url(), 'getUser', { params: { id: created.id } }, admin);
      expect(gone.status).toBe(404);
      expect(gone.error?.code).toBe('NOT_FOUND');
      expect((await call(url(), 'deleteUser', { params: { id: created.id } }, admin)).status).toBe(404);
    });

    it('refuses a login that is taken, also when it differs only in case', async () => {
      const u = await newUser('dup');
      for (const login of [u.login, u.login.toUpperCase()]) {
        const r = await call(url(), 'createUser', { body: { login } }, admin);
        expect(r.status).toBe(409);
        expect(r.error?.code).toBe('LOGIN_TAKEN');
      }
      const other = await newUser('dup');
      const rename = await call(url(), 'updateUser', { params: { id: other.id }, body: { login: u.login } }, admin);
      expect(rename.status).toBe(409);
      expect(rename.error?.code).toBe('LOGIN_TAKEN');
    });

    it('pages, searches case-insensitively and sorts, with the total', async () => {
      const tag = `zq${backend.name.toLowerCase()}`;
      const names = ['Olga Petrov', 'Bo Chen', 'Carla Diaz', 'Anna Berg', 'Emil Engel'];
      for (const [i, n] of names.entries()) {
        await call(url(), 'createUser', { body: { login: `${tag}.${i}`, displayName: n, email: `${n.split(' ')[0]?.toLowerCase()}@${tag}.example` } }, admin);
      }
      const all = okBody(await call(url(), 'listUsers', { query: { search: tag.toUpperCase(), sort: 'displayName' } }, admin));
      expect(all.total).toBe(5);
      expect(all.items.map((u) => u.displayName)).toEqual(['Anna Berg', 'Bo Chen', 'Carla Diaz', 'Emil Engel', 'Olga Petrov']);
      const page = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'displayName', order: 'desc', offset: 1, limit: 2 } }, admin));
      expect(page.total).toBe(5);
      expect(page.items.map((u) => u.displayName)).toEqual(['Emil Engel', 'Carla Diaz']);
      const byName = okBody(await call(url(), 'listUsers', { query: { search: 'bo chen' } }, admin));
      expect(byName.items.map((u) => u.login)).toContain(`${tag}.1`);
      const byEmail = okBody(await call(url(), 'listUsers', { query: { search: `carla@${tag}` } }, admin));
      expect(byEmail.items.map((u) => u.login)).toEqual([`${tag}.2`]);
      const byLogin = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'login', order: 'desc' } }, admin));
      expect(byLogin.items.map((u) => u.login)).toEqual([4, 3, 2, 1, 0].map((i) => `${tag}.${i}`));
      const byCreated = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'createdAt' } }, admin));
      expect(byCreated.items[0]?.login).toBe(`${tag}.0`);
    });

    it('finds non-Latin names whatever their case', async () => {
      const u = await newUser('intl', { displayName: 'Åsa Öberg-Łukasz' });
      const found = okBody(await call(url(), 'listUsers', { query: { search: 'ÖBERG-ŁUK' } }, admin));
      expect(found.items.map((x) => x.id)).toEqual([u.id]);
    });

    it('treats % and _ in a search as plain characters', async () => {
      const r = okBody(await call(url(), 'listUsers', { query: { search: '%' } }, admin));
      expect(r.total).toBe(0);
    });
  });

  describe('password policy', () => {
    it('rejects a weak initial password with 422 and the violated rules', async () => {
      const r = await call(url(), 'createUser', { body: { login: `weak.${backend.name}`, password: 'password1' } }, admin);
      expect(r.status).toBe(422);
      expect(r.error?.code).toBe('POLICY_VIOLATION');
      const rules = (r.error?.details as { rule: string }[]).map((v) => v.rule);
      expect(rules).toEqual(['requireUppercase', 'forbidCommon']);
    });

    it('lets an administrator change the policy, applies it to the next password, and audits it', async () => {
      const before = await call(url(), 'getPolicy', {}, admin);
      expect(before.ok).toBe(true);
      const stricter = { ...(before.body as object), minLength: 20, requireSymbol: true };
      const set = await call(url(), 'setPolicy', { body: stricter }, admin);
      try {
        expect(set.status).toBe(200);
        const u = await newUser();
        const r = await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'Harbour-Lights-42' } }, admin);
        expect(r.status).toBe(422);
        expect((r.error?.details as { rule: string }[]).map((v) => v.rule)).toEqual(['minLength']);
        const audit = await call(url(), 'listAudit', { query: { limit: 20 } }, admin);
        expect(audit.ok && audit.body.items.some((e) => e.action === 'policy.update')).toBe(true);
      } finally {
        await call(url(), 'setPolicy', { body: before.body }, admin);
      }
    });

    it('refuses a policy whose minimum length exceeds its maximum', async () => {
      const before = await call(url(), 'getPolicy', {}, admin);
      const r = await call(url(), 'setPolicy', { body: { ...(before.body as object), minLength: 50, maxLength: 10 } }, admin);
      expect(r.status).toBe(400);
      expect(r.error?.code).toBe('VALIDATION_FAILED');
    });

    it('blocks common passwords whatever their case', async () => {
      const u = await newUser();
      const r = await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'PASSword123' } }, admin);
      expect(r.status).toBe(422);
      expect((r.error?.details as { rule: string }[]).map((v) => v.rule)).toEqual(['forbidCommon']);
    });

    it('keeps the old password and the old credential when the batch password fails the policy', async () => {
      const u = await newUser();
      const first = await issueOk(u.id);
      const session = okBody(await qr(u.login, first.credential));
      const hashBefore = await passwordHash(u.id);
      const failed = await issue(u.id, 'short');
      expect(failed).toMatchObject({ ok: false, userId: u.id, login: u.login, code: 'POLICY_VIOLATION' });
      if (failed.ok) throw new Error('unreachable');
      expect(failed.message).toBe('Password does not meet the policy: at least 8 characters, an uppercase letter, a digit');
      expect((failed.details as { rule: string }[]).map((v) => v.rule)).toEqual(['minLength', 'requireUppercase', 'requireDigit']);
      expect(await passwordHash(u.id)).toBe(hashBefore);
      expect((await qr(u.login, first.credential)).status).toBe(200);
      expect((await me(session.token)).status).toBe(200);
    });
  });

  describe('QR credentials', () => {
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
      const listed = okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin));
      expect(listed.qrIssuedAt).toBe(issued.issuedAt);
      expect(listed.activeSessions).toBe(1);
    });

    it('stores only hashes of the secret and of session tokens', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const session = okBody(await qr(u.login, issued.credential));
      const [id, secret] = issued.credential.split('.');
      const row = await dbh.db.selectFrom('qr_credentials').selectAll().where('id', '=', id ?? '').executeTakeFirstOrThrow();
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(row)).not.toContain(secret);
      const tokens = await dbh.db.selectFrom('user_sessions').select('token_hash').execute();
      expect(tokens.map((t) => t.token_hash)).not.toContain(session.token);
    });

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
      okBody(await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'Brand-New-Pass-9' } }, admin));
      expect((await qr(u.login, issued.credential)).status).toBe(401);
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin)).qrIssuedAt).toBeNull();
    });

    it('a login change voids the credential, under the old and the new login', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const renamed = okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { login: `${u.login}.new` } }, admin));
      expect((await qr(u.login, issued.credential)).status).toBe(401);
      expect((await qr(renamed.login, issued.credential)).status).toBe(401);
    });

    it('a display name change keeps the credential valid', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { displayName: 'Renamed Person' } }, admin));
      expect((await qr(u.login, issued.credential)).status).toBe(200);
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

    it('honours validDays and refuses the credential once it has expired', async () => {
      const u = await newUser();
      const r = await issue(u.id, 'Lantern-Meadow-71', 7);
      if (!r.ok) throw new Error(r.message);
      const days = (Date.parse(r.issued.expiresAt ?? '') - Date.parse(r.issued.issuedAt)) / 86_400_000;
      expect(days).toBe(7);
      expect((await qr(u.login, r.issued.credential)).status).toBe(200);
      const id = r.issued.credential.split('.')[0] ?? '';
      await dbh.db.updateTable('qr_credentials').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', id).execute();
      expect((await qr(u.login, r.issued.credential)).body).toMatchObject({ code: 'QR_CREDENTIAL_INVALID' });
    });

    it('issues a batch of 120 users concurrently, each with a working credential of their own', async () => {
      const users = [];
      for (let i = 0; i < 120; i++) users.push(await newUser('batch'));
      const res = okBody(
        await call(url(), 'issueQrBatch', { body: { items: users.map((u, i) => ({ userId: u.id, password: `Granite-Falls-${1000 + i}` })) } }, admin),
      );
      expect(res.results.map((r) => r.userId)).toEqual(users.map((u) => u.id));
      const creds = res.results.map((r) => (r.ok ? r.issued.credential : `failed: ${r.code}`));
      expect(new Set(creds).size).toBe(120);
      for (const i of [0, 59, 119]) expect((await qr(users[i]?.login ?? '', creds[i] ?? '')).status).toBe(200);
    });

    it('refuses the same user twice in one batch, keeping the last', async () => {
      const u = await newUser();
      const res = okBody(
        await call(url(), 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Pine-Cone-Road-1' }, { userId: u.id, password: 'Pine-Cone-Road-2' }] } }, admin),
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
          admin,
        ),
      );
      expect(res.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'NOT_FOUND', 'POLICY_VIOLATION']);
      expect(res.results[1]).toMatchObject({ userId: 'no-such-user', login: null });
    });

    it('deleting a user ends their sessions and voids their credential', async () => {
      const u = await newUser();
      const issued = await issueOk(u.id);
      const s = okBody(await qr(u.login, issued.credential));
      okBody(await call(url(), 'deleteUser', { params: { id: u.id } }, admin));
      expect((await me(s.token)).status).toBe(401);
      expect((await qr(u.login, issued.credential)).status).toBe(401);
    });
  });

  describe('audit log', () => {
    it('records admin actions newest first, without secrets', async () => {
      const u = await newUser('audited');
      const password = 'Velvet-Thunder-64';
      const other = await newUser('audited');
      okBody(await call(url(), 'updateUser', { params: { id: other.id }, body: { email: 'other@example.com' } }, admin));
      okBody(await call(url(), 'setPassword', { params: { id: other.id }, body: { password: 'Maple-Orchard-17' } }, admin));
      okBody(await call(url(), 'deleteUser', { params: { id: other.id } }, admin));
      const issued = await issueOk(u.id, password);
      okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } }));
      await call(url(), 'adminSignin', { body: { login: 'admin', password: 'wrong-one' } });
      const page = okBody(await call(url(), 'listAudit', { query: { limit: 8 } }, admin));
      expect(page.total).toBeGreaterThanOrEqual(8);
      expect(page.items.map((e) => [e.action, e.target])).toEqual([
        ['admin.signin_failed', null],
        ['admin.signin', null],
        ['qr.issue', u.login],
        ['user.delete', other.login],
        ['user.set_password', other.login],
        ['user.update', other.login],
        ['user.create', other.login],
        ['user.create', u.login],
      ]);
      expect(page.items.every((e) => e.actor === 'admin')).toBe(true);
      const text = JSON.stringify(page.items);
      for (const secret of [password, 'wrong-one', issued.credential.split('.')[1] ?? '', admin, ADMIN_PASSWORD]) {
        expect(text).not.toContain(secret);
      }
      const times = page.items.map((e) => e.at);
      expect([...times].sort().reverse()).toEqual(times);
      const second = okBody(await call(url(), 'listAudit', { query: { offset: 1, limit: 1 } }, admin));
      expect(second.items[0]).toEqual(page.items[1]);
    });
  });

  describe('OpenAPI', () => {
    it('describes every route of the table with its schemas and bearer security', async () => {
      const res = await fetch(`${url()}/api/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { operationId: string; security: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
        components: { securitySchemes: Record<string, { scheme: string }> };
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.components.securitySchemes.bearer?.scheme).toBe('bearer');
      for (const [name, route] of Object.entries(api) as [RouteName, (typeof api)[RouteName]][]) {
        const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
        expect(op, name).toBeDefined();
        expect(op?.operationId).toBe(name);
        expect(op?.responses['200'], name).toBeDefined();
        expect(op?.security, name).toEqual(route.auth === 'none' ? [] : [{ bearer: [] }]);
      }
      expect(doc.paths['/api/v1/qr-credentials']?.post?.requestBody).toBeDefined();
    });

    it('is a valid OpenAPI 3.1 document by an independent validator', async () => {
      const doc: unknown = await (await fetch(`${url()}/api/openapi.json`)).json();
      const validator = new Validator();
      const result = await validator.validate(doc as Parameters<Validator["validate"]>[0]);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
    });
  });
}

describe.each([sqlite, postgres])('Gatepass server on $name', (backend) => {
  serverSuite(backend);
});

describe('two replicas on one PostgreSQL database', () => {
  let a: RunningServer;
  let b: RunningServer;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    const db = await postgres.freshDb();
    // Started together, as a deployment would: migrations and the first admin must not collide.
    [a, b] = await Promise.all([start(db), start(db)]);
    tokenA = await a.issueAdminToken();
    tokenB = await b.issueAdminToken();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('agree on credentials and sessions: issued on A, signed in on B, ended by a re-issue on B', async () => {
    const u = okBody(await call(a.url, 'createUser', { body: { login: 'r.replica', displayName: 'Rosa Replica' } }, tokenA));
    const batchA = okBody(await call(a.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-5' }] } }, tokenA));
    const firstA = batchA.results[0];
    if (!firstA?.ok) throw new Error('issue on A failed');
    const onB = okBody(await call(b.url, 'qrSignin', { body: { login: u.login, credential: firstA.issued.credential } }));
    expect(okBody(await call(a.url, 'me', {}, onB.token)).login).toBe('r.replica');

    const batchB = okBody(await call(b.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-6' }] } }, tokenB));
    expect(batchB.results[0]).toMatchObject({ ok: true, issued: { sessionsEnded: 1 } });
    expect((await call(a.url, 'me', {}, onB.token)).status).toBe(401);
    expect((await call(a.url, 'qrSignin', { body: { login: u.login, credential: firstA.issued.credential } })).status).toBe(401);
    expect(okBody(await call(a.url, 'getUser', { params: { id: u.id } }, tokenA)).activeSessions).toBe(0);
  });

  it('never leave a session from a credential that a racing re-issue voided', async () => {
    const u = okBody(await call(a.url, 'createUser', { body: { login: 'r.race', displayName: 'Race Case' } }, tokenA));
    const first = okBody(await call(a.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-7' }] } }, tokenA)).results[0];
    if (!first?.ok) throw new Error('issue failed');
    const signins = Array.from({ length: 24 }, (_, i) =>
      call(i % 2 ? a.url : b.url, 'qrSignin', { body: { login: u.login, credential: first.issued.credential } }),
    );
    const reissue = call(b.url, 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Amber-Lighthouse-8' }] } }, tokenB);
    const [answers, second] = await Promise.all([Promise.all(signins), reissue]);
    expect(okBody(second).results[0]?.ok).toBe(true);
    // Each sign-in either lost the race (401) or won it and had its session ended by the re-issue.
    for (const r of answers) {
      expect([200, 401]).toContain(r.status);
      if (r.ok) expect((await call(a.url, 'me', {}, r.body.token)).status).toBe(401);
    }
    expect(okBody(await call(b.url, 'getUser', { params: { id: u.id } }, tokenB)).activeSessions).toBe(0);
  });

  it('count sign-in failures together, so spreading guesses over replicas does not help', async () => {
    for (let i = 0; i < 10; i++) {
      const target = i % 2 === 0 ? a : b;
      expect((await call(target.url, 'adminSignin', { body: { login: 'mallory', password: `guess-${i}` } })).status).toBe(401);
    }
    for (const s of [a, b]) {
      const r = await call(s.url, 'adminSignin', { body: { login: 'mallory', password: 'guess-x' } });
      expect(r.status).toBe(429);
    }
  });

  it('see one admin and one audit log', async () => {
    const logA = okBody(await call(a.url, 'listAudit', {}, tokenA));
    const logB = okBody(await call(b.url, 'listAudit', {}, tokenB));
    expect(logA).toEqual(logB);
    expect(logA.items.some((e) => e.action === 'qr.issue' && e.target === 'r.replica')).toBe(true);
  });
});

describe('100,000 demo users on SQLite', () => {
  let s: RunningServer;
  let token: string;
  let seedMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    s = await start(await sqlite.freshDb(), { seedDemo: 100_000 });
    seedMs = Date.now() - t0;
    token = await s.issueAdminToken();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('seed in seconds with realistic, unique logins', async () => {
    expect(seedMs).toBeLessThan(15_000);
    const first = okBody(await call(s.url, 'listUsers', { query: { limit: 3, sort: 'createdAt' } }, token));
    expect(first.total).toBe(100_000);
    expect(first.items[0]).toMatchObject({ login: 'a.berg', displayName: 'Anna Berg', email: 'a.berg@example.com' });
  });

  it('page, search and sort in well under 100 ms a page', async () => {
    const queries: Record<string, string | number>[] = [
      { offset: 0, limit: 100 },
      { offset: 50_000, limit: 100, sort: 'displayName', order: 'desc' },
      { offset: 99_900, limit: 100, sort: 'email' },
      { offset: 0, limit: 100, search: 'berg', sort: 'createdAt' },
      { offset: 200, limit: 100, search: 'ANNA', sort: 'login', order: 'desc' },
      { offset: 0, limit: 100, search: 'a', sort: 'displayName', order: 'desc' },
    ];
    for (const q of queries) {
      await call(s.url, 'listUsers', { query: q }, token); // warm the page cache
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const page = okBody(await call(s.url, 'listUsers', { query: q }, token));
        times.push(performance.now() - t0);
        expect(page.items.length).toBe(100);
      }
      // The best of five: on 2 cores other test files (CLI processes) share the machine, and
      // the query's own cost is what this checks; bench/ measures the figures under control.
      times.sort((x, y) => x - y);
      expect(times[0], JSON.stringify(q)).toBeLessThan(100);
    }
  });
});
