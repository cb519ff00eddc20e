import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';

eachBackend('Audit log', (backend) => {
  const { url, admin, newUser, issueOk } = useServer(backend);

  describe('audit log', () => {
    it('records admin actions newest first, without secrets', async () => {
      const u = await newUser('audited');
      const password = 'Velvet-Thunder-64';
      const other = await newUser('audited');
      okBody(await call(url(), 'updateUser', { params: { id: other.id }, body: { email: 'other@example.com' } }, admin()));
      okBody(await call(url(), 'setPassword', { params: { id: other.id }, body: { password: 'Maple-Orchard-17' } }, admin()));
      okBody(await call(url(), 'deleteUser', { params: { id: other.id } }, admin()));
      const issued = await issueOk(u.id, password);
      okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } }));
      await call(url(), 'adminSignin', { body: { login: 'admin', password: 'wrong-one' } });
      const page = okBody(await call(url(), 'listAudit', { query: { limit: 8 } }, admin()));
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
      for (const secret of [password, 'wrong-one', issued.credential.split('.')[1] ?? '', admin(), ADMIN_PASSWORD]) {
        expect(text).not.toContain(secret);
      }
      const times = page.items.map((e) => e.at);
      expect([...times].sort().reverse()).toEqual(times);
      const second = okBody(await call(url(), 'listAudit', { query: { offset: 1, limit: 1 } }, admin()));
      expect(second.items[0]).toEqual(page.items[1]);
    });
  });
});

eachBackend('Audit filters', (backend) => {
  const { url, admin, newUser, issueOk, issue, qr } = useServer(backend);
  const page = async (query: Record<string, string | number>) => okBody(await call(url(), 'listAudit', { query }, admin()));

  it('records device sign-ins, failed ones with the reason but never the secret, and refused issues', async () => {
    const u = await newUser('dev');
    const issued = await issueOk(u.id);
    okBody(await qr(u.login, issued.credential));
    const [id, secret] = issued.credential.split('.') as [string, string];
    await qr(u.login, `${id}.${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`);
    const failed = await issue(u.id, 'short');
    expect(failed.ok).toBe(false);

    const mine = await page({ target: u.login });
    expect(mine.items.map((e) => e.action)).toEqual(['qr.issue_failed', 'device.signin_failed', 'device.signin', 'qr.issue', 'user.create']);
    expect(mine.items[0]?.detail).toMatch(/^POLICY_VIOLATION: /);
    expect(mine.items[1]?.detail).toBe(`Wrong secret (credential ${id})`);
    expect(JSON.stringify(mine.items)).not.toContain(secret.slice(1));
  });

  it('filters by action family, administrator, user, time and text, with the total', async () => {
    const a = await newUser('flt');
    const b = await newUser('flt');
    okBody(await call(url(), 'updateUser', { params: { id: b.id }, body: { email: 'marker-xyzzy@example.org' } }, admin()));
    const since = (await page({ target: a.login })).items.at(-1)!.at;

    expect((await page({ action: 'user.', target: b.login })).items.map((e) => e.action)).toEqual(['user.update', 'user.create']);
    expect((await page({ action: 'user.update', target: b.login.toUpperCase() })).total).toBe(1);
    expect((await page({ actor: 'ADMIN', target: a.login })).total).toBe(1);
    expect((await page({ actor: 'nobody' })).total).toBe(0);
    expect((await page({ search: 'XYZZY' })).items.map((e) => e.target)).toEqual([]);
    expect((await page({ search: b.login })).items.every((e) => e.target === b.login)).toBe(true);
    expect((await page({ from: since, target: a.login })).total).toBe(1);
    expect((await page({ to: since, target: a.login })).total).toBe(0);
    expect((await page({ from: '2999-01-01' })).total).toBe(0);
    expect((await page({ search: '%' })).total).toBe(0);
    const bad = await call(url(), 'listAudit', { query: { from: 'last week' } }, admin());
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe('VALIDATION_FAILED');
  });
});
