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
