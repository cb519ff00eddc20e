import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../index';
import { eachBackend, sqlite, startTestServer, useServer } from '../../test-support/backends';
import { naturalCompare } from '../../../shared/natural-sort';
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

    it('keeps each user\'s source, internal unless said: on create, edit (audited) and import; anything else is refused', async () => {
      const plain = await newUser('src');
      expect(plain.source).toBe('internal');
      const dir = await newUser('src', { source: 'directory' });
      expect(okBody(await call(url(), 'getUser', { params: { id: dir.id } }, admin())).source).toBe('directory');
      const moved = okBody(await call(url(), 'updateUser', { params: { id: plain.id }, body: { source: 'directory' } }, admin()));
      expect(moved.source).toBe('directory');
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'user.update', target: plain.login } }, admin()));
      expect(audit.items[0]?.detail).toBe('Changed source internal -> directory');
      expect((await call(url(), 'updateUser', { params: { id: plain.id }, body: { source: 'external' } }, admin())).error?.code).toBe('VALIDATION_FAILED');
      const imported = okBody(
        await call(url(), 'importUsers', { body: { users: [{ login: `imp.dir.${backend.name}`, source: 'directory' }, { login: `imp.int.${backend.name}` }, { login: `imp.bad.${backend.name}`, source: 'x' }] } }, admin()),
      );
      expect(imported).toMatchObject({ created: 2, failed: 1 });
      const [first, second] = imported.results;
      if (!first?.ok || !second?.ok) throw new Error('import failed');
      expect(okBody(await call(url(), 'getUser', { params: { id: first.userId } }, admin())).source).toBe('directory');
      expect(okBody(await call(url(), 'getUser', { params: { id: second.userId } }, admin())).source).toBe('internal');
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

    it('refuses logins with invisible, control or text-direction characters, on create, rename and import', async () => {
      const tag = `hid${backend.name.toLowerCase()}`;
      const hidden = [`${tag}\u200b`, `${tag}\u202eb`, `${tag}\u0085x`, `${tag}\u2028x`, `${tag}\u00ad`, `${tag}\ufeffx`, `${tag}\u2066x`, `${tag}\ue000`];
      for (const login of hidden) {
        const r = await call(url(), 'createUser', { body: { login } }, admin());
        expect(r.status, JSON.stringify(login)).toBe(400);
        expect(r.error?.code).toBe('VALIDATION_FAILED');
        expect(r.error?.message).toContain('invisible, control or text-direction characters');
      }
      const u = await newUser('hid');
      const rename = await call(url(), 'updateUser', { params: { id: u.id }, body: { login: `${u.login}\u200d` } }, admin());
      expect(rename.error?.code).toBe('VALIDATION_FAILED');
      const imported = okBody(await call(url(), 'importUsers', { body: { users: [{ login: `${tag}.ok` }, { login: `${tag}\u202e.bad` }] } }, admin()));
      expect(imported.results.map((r) => (r.ok ? r.login : r.code))).toEqual([`${tag}.ok`, 'VALIDATION_FAILED']);
    });

    it('keeps one spelling of a login (NFC): a decomposed é is the precomposed one, taken once', async () => {
      const tag = `nfc${backend.name.toLowerCase()}`;
      const decomposed = `${tag}.zoe\u0301`;
      const created = okBody(await call(url(), 'createUser', { body: { login: decomposed } }, admin()));
      expect(created.login).toBe(`${tag}.zo\u00e9`);
      const again = await call(url(), 'createUser', { body: { login: `${tag}.zo\u00e9` } }, admin());
      expect(again.error?.code).toBe('LOGIN_TAKEN');
      // A device signing in with the decomposed spelling finds the same account.
      const issued = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId: created.id, password: 'Lantern-Meadow-71' }] } }, admin())).results[0];
      if (!issued?.ok) throw new Error('issue failed');
      expect((await call(url(), 'qrSignin', { body: { login: decomposed, credential: issued.issued.credential } })).status).toBe(200);
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

    it('sorts logins naturally and case-insensitively: a.almeida2 before a.almeida10', async () => {
      const tag = `nat${backend.name.toLowerCase()}`;
      for (const login of [`${tag}.almeida10`, `${tag}.Almeida2`, `${tag}.almeida1`, `${tag}.ALMEIDA`, `${tag}.almeida002b`]) {
        okBody(await call(url(), 'createUser', { body: { login, displayName: login.replace(`${tag}.`, 'Almeida ') } }, admin()));
      }
      const asc = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'login' } }, admin()));
      expect(asc.items.map((u) => u.login.slice(tag.length + 1))).toEqual(['ALMEIDA', 'almeida1', 'Almeida2', 'almeida002b', 'almeida10']);
      const desc = okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'displayName', order: 'desc' } }, admin()));
      expect(desc.items.map((u) => u.displayName)).toEqual(['Almeida almeida10', 'Almeida almeida002b', 'Almeida Almeida2', 'Almeida almeida1', 'Almeida ALMEIDA']);
    });

    it('sorts by QR issued and by sessions, and filters by QR, creation and signed-in state', async () => {
      const tag = `flt${backend.name.toLowerCase()}`;
      const mk = async (n: string) => okBody(await call(url(), 'createUser', { body: { login: `${tag}.${n}`, displayName: n } }, admin()));
      await mk('never');
      const [early, late, voided] = [await mk('early'), await mk('late'), await mk('voided')];
      const issue = async (id: string, password: string) => {
        const r = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId: id, password }] } }, admin())).results[0];
        if (!r?.ok) throw new Error('issue failed');
        return r.issued;
      };
      const first = await issue(early.id, 'Lantern-Meadow-71');
      await new Promise((r) => setTimeout(r, 15));
      const second = await issue(late.id, 'Lantern-Meadow-72');
      await issue(voided.id, 'Lantern-Meadow-73');
      okBody(await call(url(), 'setPassword', { params: { id: voided.id }, body: { password: 'Brand-New-Pass-9' } }, admin()));
      // late signs in on two devices, early on one.
      for (const [login, credential] of [[late.login, second.credential], [late.login, second.credential], [early.login, first.credential]]) {
        okBody(await call(url(), 'qrSignin', { body: { login: login!, credential: credential! } }));
      }
      const names = async (query: Record<string, string | number>) =>
        okBody(await call(url(), 'listUsers', { query: { search: tag, ...query } }, admin())).items.map((u) => u.displayName);

      expect(await names({ sort: 'qrIssuedAt' })).toEqual(['never', 'voided', 'early', 'late']);
      expect(await names({ sort: 'qrIssuedAt', order: 'desc' })).toEqual(['late', 'early', 'voided', 'never']);
      expect(await names({ sort: 'sessions', order: 'desc' })).toEqual(['late', 'early', 'voided', 'never']);
      expect(await names({ sort: 'totp' })).toEqual(['early', 'late', 'never', 'voided']);
      expect(await names({ qr: 'never' })).toEqual(['never', 'voided']);
      expect(await names({ qr: 'issued' })).toEqual(['early', 'late']);
      expect(await names({ qrIssuedBefore: second.issuedAt })).toEqual(['early']);
      expect(await names({ signedIn: 'true' })).toEqual(['early', 'late']);
      expect(await names({ signedIn: 'false' })).toEqual(['never', 'voided']);
      expect(await names({ createdSince: late.createdAt })).toEqual(['late', 'voided']);
      expect(await names({ createdSince: '2999-01-01' })).toEqual([]);
      const bad = await call(url(), 'listUsers', { query: { qrIssuedBefore: 'yesterday' } }, admin());
      expect(bad.status).toBe(400);
      expect(bad.error?.code).toBe('VALIDATION_FAILED');

      // A re-issue ends late's sessions: the Sessions sort sees it at once (ties in the same direction).
      await issue(late.id, 'Lantern-Meadow-74');
      expect(await names({ sort: 'sessions', order: 'desc' })).toEqual(['early', 'voided', 'never', 'late']);
      expect(await names({ signedIn: 'true' })).toEqual(['early']);
    });

    it('sorts Sessions as numbers with a search on, so 10 sessions come after 9', async () => {
      const tag = `num${backend.name.toLowerCase()}`;
      const counts: Record<string, number> = { nine: 9, ten: 10, two: 2 };
      for (const [name, n] of Object.entries(counts)) {
        const u = okBody(await call(url(), 'createUser', { body: { login: `${tag}.${name}`, displayName: name } }, admin()));
        const r = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId: u.id, password: 'Lantern-Meadow-71' }] } }, admin())).results[0];
        if (!r?.ok) throw new Error('issue failed');
        for (let i = 0; i < n; i++) okBody(await call(url(), 'qrSignin', { body: { login: u.login, credential: r.issued.credential } }));
      }
      const names = async (order: string) =>
        okBody(await call(url(), 'listUsers', { query: { search: tag, sort: 'sessions', order } }, admin())).items.map((u) => `${u.displayName}:${u.activeSessions}`);
      expect(await names('asc')).toEqual(['two:2', 'nine:9', 'ten:10']);
      expect(await names('desc')).toEqual(['ten:10', 'nine:9', 'two:2']);
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
      const values = page.items.map((u) => u[key]);
      const sorted = [...values].sort(key === 'createdAt' ? undefined : naturalCompare);
      expect(values, JSON.stringify(q)).toEqual(desc ? sorted.reverse() : sorted);
      if (typeof q.search === 'string') {
        const needle = q.search.toLowerCase();
        for (const u of page.items) expect(`${u.login}\n${u.displayName}\n${u.email}`.toLowerCase()).toContain(needle);
      }
    }
  });
});

eachBackend('User actions', (backend) => {
  const { url, admin, newUser, issueOk, qr, me } = useServer(backend);
  const act = (action: string, userIds: string[]) => call(url(), 'userActions', { body: { action, userIds } }, admin());

  it('disables a user: their sessions end, no path signs them in, and enabling brings their code back', async () => {
    const u = await newUser('dis');
    const issued = await issueOk(u.id);
    const session = okBody(await qr(u.login, issued.credential));
    const res = okBody(await act('disable', [u.id]));
    expect(res.results).toEqual([{ userId: u.id, login: u.login, ok: true, sessionsEnded: 1, credentialsVoided: 0 }]);
    expect((await me(session.token)).status).toBe(401);
    const refused = await qr(u.login, issued.credential);
    expect(refused.status).toBe(401);
    expect(refused.error?.code).toBe('QR_CREDENTIAL_INVALID');
    const listed = okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin()));
    expect(listed.disabledAt).not.toBeNull();
    expect(listed.activeSessions).toBe(0);
    // Twice is harmless, and says so.
    expect(okBody(await act('disable', [u.id])).results[0]).toMatchObject({ ok: true, sessionsEnded: 0 });

    okBody(await act('enable', [u.id]));
    expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).disabledAt).toBeNull();
    expect((await qr(u.login, issued.credential)).status).toBe(200);
  });

  it('revokes a QR code without issuing a new one, ending what it signed in; ends sessions on their own', async () => {
    const a = await newUser('rev');
    const b = await newUser('rev');
    const ca = await issueOk(a.id);
    const cb = await issueOk(b.id);
    const sa = okBody(await qr(a.login, ca.credential));
    const sb = okBody(await qr(b.login, cb.credential));
    const revoked = okBody(await act('revokeQr', [a.id, 'no-such-user']));
    expect(revoked.results).toEqual([
      { userId: a.id, login: a.login, ok: true, sessionsEnded: 1, credentialsVoided: 1 },
      { userId: 'no-such-user', login: null, ok: false, sessionsEnded: 0, credentialsVoided: 0, code: 'NOT_FOUND', message: 'No such user' },
    ]);
    expect((await qr(a.login, ca.credential)).status).toBe(401);
    expect((await me(sa.token)).status).toBe(401);
    expect(okBody(await call(url(), 'getUser', { params: { id: a.id } }, admin())).qrIssuedAt).toBeNull();

    expect(okBody(await act('endSessions', [b.id])).results[0]).toMatchObject({ ok: true, sessionsEnded: 1, credentialsVoided: 0 });
    expect((await me(sb.token)).status).toBe(401);
    // Ending sessions leaves the code: the device can sign in again.
    expect((await qr(b.login, cb.credential)).status).toBe(200);
  });

  it('audits each action per user and refuses an unknown action', async () => {
    const u = await newUser('aud');
    okBody(await act('endSessions', [u.id]));
    const log = okBody(await call(url(), 'listAudit', { query: { target: u.login } }, admin()));
    expect(log.items.map((e) => e.action)).toEqual(['user.end_sessions', 'user.create']);
    const bad = await act('explode', [u.id]);
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe('VALIDATION_FAILED');
  });

  it('imports rows each on their own: a bad or taken row is its own error, one audit entry with the counts', async () => {
    const tag = `imp${backend.name.toLowerCase()}`;
    const taken = await newUser('imp');
    const res = okBody(
      await call(
        url(),
        'importUsers',
        {
          body: {
            users: [
              { login: `${tag}.one`, displayName: 'One', email: 'one@example.org' },
              { login: taken.login.toUpperCase(), displayName: 'Taken' },
              { login: `${tag}.bad\u0007`, displayName: 'Control character' },
              { login: `${tag}.two`, email: 'not-an-email' },
              { login: 42 },
              { login: `${tag}.three` },
            ],
          },
        },
        admin(),
      ),
    );
    expect(res.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'LOGIN_TAKEN', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED', 'ok']);
    expect(res).toMatchObject({ created: 2, failed: 4 });
    const created = okBody(await call(url(), 'listUsers', { query: { search: tag } }, admin()));
    expect(created.items.map((u) => u.login)).toEqual([`${tag}.one`, `${tag}.three`]);
    const log = okBody(await call(url(), 'listAudit', { query: { action: 'user.import', limit: 1 } }, admin()));
    expect(log.items[0]).toMatchObject({ actor: 'admin', action: 'user.import', detail: '2 user(s) created, 4 row(s) refused, of 6' });
    const perRow = okBody(await call(url(), 'listAudit', { query: { target: `${tag}.one` } }, admin()));
    expect(perRow.total).toBe(0);
  });
});

eachBackend('Locating users in the list', (backend) => {
  const { url, admin, newUser, issueOk, qr } = useServer(backend);
  const locate = (body: Record<string, unknown>) => call(url(), 'locateUsers', { body }, admin());
  const list = (query: Record<string, string | number>) => call(url(), 'listUsers', { query: { limit: 500, ...query } }, admin());

  it('gives the row index at which the list shows the first of some users, for every sort, order and search', async () => {
    const tag = `loc${backend.name.toLowerCase()}`;
    const made = [];
    for (const login of ['m10', 'M2', 'a', 'z9', 'm1', 'b3']) {
      made.push(okBody(await call(url(), 'createUser', { body: { login: `${tag}.${login}`, displayName: `Name ${login}` } }, admin())));
    }
    // Two sessions for one user, so Sessions sorts by something other than the login.
    const z9 = made[3]!;
    const issued = await issueOk(z9.id);
    for (let i = 0; i < 2; i++) okBody(await qr(z9.login, issued.credential));
    const wanted = [made[0]!.id, made[1]!.id, made[3]!.id];
    const cases: Record<string, string | number>[] = [
      { sort: 'login' },
      { sort: 'login', order: 'desc' },
      { sort: 'login', search: tag },
      { sort: 'displayName', order: 'desc', search: tag.toUpperCase() },
      { sort: 'sessions', order: 'desc' },
      { sort: 'sessions', search: tag },
      { sort: 'createdAt', order: 'desc' },
      { sort: 'qrIssuedAt', order: 'desc', search: tag },
    ];
    for (const q of cases) {
      const all = okBody(await list(q)).items.map((u) => u.id);
      const expectedIndex = Math.min(...wanted.map((id) => all.indexOf(id)));
      const found = okBody(await locate({ ...q, userIds: wanted }));
      expect(found, JSON.stringify(q)).toEqual({ userId: all[expectedIndex], index: expectedIndex });
      // The index is the offset the list shows that user at.
      const atOffset = okBody(await list({ ...q, offset: found.index!, limit: 1 })).items[0];
      expect(atOffset?.id, JSON.stringify(q)).toBe(found.userId);
    }
  });

  it('finds the type-ahead row: the first login starting with what was typed at or after the focused row, ignoring case, wrapping', async () => {
    const tag = `ta${backend.name.toLowerCase()}`;
    const ids: Record<string, string> = {};
    for (const login of ['carl', 'Cara', 'bea', 'cy', 'c%x', 'c_y', 'dan']) {
      ids[login] = okBody(await call(url(), 'createUser', { body: { login: `${tag}${login}`, displayName: `TA ${login}` } }, admin())).id;
    }
    const q = { search: tag, sort: 'login' as const };
    const order = okBody(await list(q)).items.map((u) => u.id);
    const at = (login: string) => ({ userId: ids[login], index: order.indexOf(ids[login]!) });
    // The list by login: bea, c%x, c_y, cara, carl, cy, dan (natural order, case ignored).
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}C` }))).toEqual(at('c%x'));
    expect(okBody(await locate({ ...q, loginPrefix: `${tag.toUpperCase()}CAR` }))).toEqual(at('Cara'));
    // At or after the focused row; with skipFrom after it, so the same letter again moves on.
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}car`, fromUserId: ids.Cara }))).toEqual(at('Cara'));
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}c`, fromUserId: ids.Cara, skipFrom: true }))).toEqual(at('carl'));
    // Past the last match it wraps to the top.
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}c`, fromUserId: ids.cy, skipFrom: true }))).toEqual(at('c%x'));
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}c`, fromUserId: ids.dan }))).toEqual(at('c%x'));
    // % and _ are letters here, not wildcards.
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}c_` }))).toEqual(at('c_y'));
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}c%` }))).toEqual(at('c%x'));
    // The list's order and filters hold: descending, the first match from the top is the last by login.
    const desc = okBody(await list({ ...q, order: 'desc' })).items.map((u) => u.id);
    expect(okBody(await locate({ ...q, order: 'desc', loginPrefix: `${tag}c` }))).toEqual({ userId: ids.cy, index: desc.indexOf(ids.cy!) });
    expect(okBody(await locate({ ...q, loginPrefix: `${tag}x` }))).toEqual({ userId: null, index: null });
    expect(okBody(await locate({ search: `${tag}dan`, loginPrefix: `${tag}c` }))).toEqual({ userId: null, index: null });
    // Neither users nor a prefix, or a control character: refused.
    expect((await locate({ search: tag })).error?.code).toBe('VALIDATION_FAILED');
    expect((await locate({ loginPrefix: 'a\u0000' })).error?.code).toBe('VALIDATION_FAILED');
  });

  it('answers nulls when the search or a filter hides every one of them, and refuses an empty list', async () => {
    const u = await newUser('hidden');
    expect(okBody(await locate({ userIds: [u.id], search: 'no-such-person-anywhere' }))).toEqual({ userId: null, index: null });
    expect(okBody(await locate({ userIds: [u.id], signedIn: true }))).toEqual({ userId: null, index: null });
    expect(okBody(await locate({ userIds: ['no-such-user'] }))).toEqual({ userId: null, index: null });
    const shown = okBody(await locate({ userIds: [u.id, 'no-such-user'], signedIn: false, search: u.login }));
    expect(shown).toEqual({ userId: u.id, index: 0 });
    const empty = await locate({ userIds: [] });
    expect(empty.status).toBe(400);
    expect(empty.error?.code).toBe('VALIDATION_FAILED');
  });
});
