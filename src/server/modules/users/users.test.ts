import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../index';
import { eachBackend, sqlite, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';

eachBackend('Users', (backend) => {
  const { url, admin, newUser } = useServer(backend);

  describe('users', () => {
    it('creates, reads, edits and deletes a user', async () => {
      const created = await newUser('crud', { displayName: 'Anna Berg', email: 'anna@example.com' });
      expect(created).toMatchObject({ displayName: 'Anna Berg', email: 'anna@example.com', totpEnabled: false, qrIssuedAt: null, activeSessions: 0 });
      expect(okBody(await call(url(), 'getUser', { params: { id: created.id } }, admin()))).toEqual(created);
      const edited = okBody(await call(url(), 'updateUser', { params: { id: created.id }, body: { displayName: 'Anna Berg-Lund' } }, admin()));
      expect(edited.displayName).toBe('Anna Berg-Lund');
      expect(edited.login).toBe(created.login);
      expect(okBody(await call(url(), 'deleteUser', { params: { id: created.id } }, admin()))).toEqual({ ok: true });
      const gone = await call(url(), 'getUser', { params: { id: created.id } }, admin());
      expect(gone.status).toBe(404);
      expect(gone.error?.code).toBe('NOT_FOUND');
      expect((await call(url(), 'deleteUser', { params: { id: created.id } }, admin())).status).toBe(404);
    });

    it('refuses a login that is taken, also when it differs only in case', async () => {
      const u = await newUser('dup');
      for (const login of [u.login, u.login.toUpperCase()]) {
        const r = await call(url(), 'createUser', { body: { login } }, admin());
        expect(r.status).toBe(409);
        expect(r.error?.code).toBe('LOGIN_TAKEN');
      }
      const other = await newUser('dup');
      const rename = await call(url(), 'updateUser', { params: { id: other.id }, body: { login: u.login } }, admin());
      expect(rename.status).toBe(409);
      expect(rename.error?.code).toBe('LOGIN_TAKEN');
    });

    it('pages, searches case-insensitively and sorts, with the total', async () => {
      const tag = `zq${backend.name.toLowerCase()}`;
      const names = ['Olga Petrov', 'Bo Chen', 'Carla Diaz', 'Anna Berg', 'Emil Engel'];
      for (const [i, n] of names.entries()) {
        await call(url(), 'createUser', { body: { login: `${tag}.${i}`, displayName: n, email: `${n.split(' ')[0]?.toLowerCase()}@${tag}.example` } }, admin());
      }
      const all = okBody(await call(url(), 'listUsers', { query: { search: tag.toUpperCase(), sort: 'displayName' } }, admin()));
      expect(all.total).toBe(5);
      expect(all.items.map((u) => u.displayName)).toEqual(['Anna Berg', 'Bo Chen', 'Carla Diaz', 'Emil Engel', 'Olga Petrov']);
      const page = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'displayName', order: 'desc', offset: 1, limit: 2 } }, admin()));
      expect(page.total).toBe(5);
      expect(page.items.map((u) => u.displayName)).toEqual(['Emil Engel', 'Carla Diaz']);
      const byName = okBody(await call(url(), 'listUsers', { query: { search: 'bo chen' } }, admin()));
      expect(byName.items.map((u) => u.login)).toContain(`${tag}.1`);
      const byEmail = okBody(await call(url(), 'listUsers', { query: { search: `carla@${tag}` } }, admin()));
      expect(byEmail.items.map((u) => u.login)).toEqual([`${tag}.2`]);
      const byLogin = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'login', order: 'desc' } }, admin()));
      expect(byLogin.items.map((u) => u.login)).toEqual([4, 3, 2, 1, 0].map((i) => `${tag}.${i}`));
      const byCreated = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'createdAt' } }, admin()));
      expect(byCreated.items[0]?.login).toBe(`${tag}.0`);
    });

    it('finds non-Latin names whatever their case', async () => {
      const u = await newUser('intl', { displayName: 'Åsa Öberg-Łukasz' });
      const found = okBody(await call(url(), 'listUsers', { query: { search: 'ÖBERG-ŁUK' } }, admin()));
      expect(found.items.map((x) => x.id)).toEqual([u.id]);
    });

    it('treats % and _ in a search as plain characters', async () => {
      const r = okBody(await call(url(), 'listUsers', { query: { search: '%' } }, admin()));
      expect(r.total).toBe(0);
    });
  });
});

// How fast seeding and paging are at this size is measured by `npm run bench:users`
// (bench/users.bench.ts); here, that they are right.
describe('100,000 demo users on SQLite', () => {
  let s: RunningServer;
  let token: string;

  beforeAll(async () => {
    s = await startTestServer(await sqlite.freshDb(), { seedDemo: 100_000 });
    token = await s.issueAdminToken();
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('seed realistic, unique logins', async () => {
    const first = okBody(await call(s.url, 'listUsers', { query: { limit: 3, sort: 'createdAt' } }, token));
    expect(first.total).toBe(100_000);
    expect(first.items[0]).toMatchObject({ login: 'a.berg', displayName: 'Anna Berg', email: 'a.berg@example.com' });
  });

  it('page, search and sort at any depth, in order', async () => {
    const queries: { q: Record<string, string | number>; key: 'login' | 'displayName' | 'email' | 'createdAt'; desc?: boolean }[] = [
      { q: { offset: 0, limit: 100 }, key: 'login' },
      { q: { offset: 50_000, limit: 100, sort: 'displayName', order: 'desc' }, key: 'displayName', desc: true },
      { q: { offset: 99_900, limit: 100, sort: 'email' }, key: 'email' },
      { q: { offset: 0, limit: 100, search: 'berg', sort: 'createdAt' }, key: 'createdAt' },
      { q: { offset: 200, limit: 100, search: 'ANNA', sort: 'login', order: 'desc' }, key: 'login', desc: true },
      { q: { offset: 0, limit: 100, search: 'a', sort: 'displayName', order: 'desc' }, key: 'displayName', desc: true },
    ];
    for (const { q, key, desc } of queries) {
      const page = okBody(await call(s.url, 'listUsers', { query: q }, token));
      expect(page.items.length, JSON.stringify(q)).toBe(100);
      const values = page.items.map((u) => u[key].toLowerCase());
      const sorted = [...values].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      expect(values, JSON.stringify(q)).toEqual(desc ? sorted.reverse() : sorted);
      if (typeof q.search === 'string') {
        const needle = q.search.toLowerCase();
        for (const u of page.items) expect(`${u.login}\n${u.displayName}\n${u.email}`.toLowerCase()).toContain(needle);
      }
    }
  });
});
