import { describe, expect, it } from 'vitest';
import { eachBackend, useServer } from '../../test-support/backends';
import { checkAgainstServer } from '../../../shared/model/password-policy';
import { call, okBody } from '../../test-support/client';

eachBackend('Password policy', (backend) => {
  const { url, admin, newUser, issue, issueOk, qr, me, passwordHash } = useServer(backend);

  describe('password policy', () => {
    it('rejects a weak initial password with 422 and the violated rules', async () => {
      const r = await call(url(), 'createUser', { body: { login: `weak.${backend.name}`, password: 'password1' } }, admin());
      expect(r.status).toBe(422);
      expect(r.error?.code).toBe('POLICY_VIOLATION');
      const rules = (r.error?.details as { rule: string }[]).map((v) => v.rule);
      expect(rules).toEqual(['requireUppercase', 'forbidCommon']);
    });

    it('lets an administrator change the policy, applies it to the next password, and audits it', async () => {
      const before = await call(url(), 'getPolicy', {}, admin());
      expect(before.ok).toBe(true);
      const stricter = { ...(before.body as object), minLength: 20, requireSymbol: true };
      const set = await call(url(), 'setPolicy', { body: stricter }, admin());
      try {
        expect(set.status).toBe(200);
        const u = await newUser();
        const r = await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'Harbour-Lights-42' } }, admin());
        expect(r.status).toBe(422);
        expect((r.error?.details as { rule: string }[]).map((v) => v.rule)).toEqual(['minLength']);
        const audit = await call(url(), 'listAudit', { query: { limit: 20 } }, admin());
        expect(audit.ok && audit.body.items.some((e) => e.action === 'policy.update')).toBe(true);
      } finally {
        await call(url(), 'setPolicy', { body: before.body }, admin());
      }
    });

    it('refuses a policy whose minimum length exceeds its maximum', async () => {
      const before = await call(url(), 'getPolicy', {}, admin());
      const r = await call(url(), 'setPolicy', { body: { ...(before.body as object), minLength: 50, maxLength: 10 } }, admin());
      expect(r.status).toBe(400);
      expect(r.error?.code).toBe('VALIDATION_FAILED');
      expect(r.error?.message).toBe('Minimum length must not exceed maximum length');
    });

    it('refuses a minimum length under 8 (NIST SP 800-63B) in a sentence and keeps the policy as it was', async () => {
      const before = okBody(await call(url(), 'getPolicy', {}, admin()));
      for (const minLength of [7, 1, 0]) {
        const r = await call(url(), 'setPolicy', { body: { ...before, minLength: minLength, requireSymbol: !before.requireSymbol } }, admin());
        expect(r.status).toBe(400);
        expect(r.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Minimum length must be at least 8' });
      }
      // Not a number at all: still a sentence that names the field, not zod's wording.
      const typed = await call(url(), 'setPolicy', { body: { ...before, minLength: 'eight' } }, admin());
      expect(typed.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Minimum length must be a number' });
      expect(okBody(await call(url(), 'getPolicy', {}, admin()))).toEqual(before);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'policy.update', limit: 50 } }, admin()));
      expect(audit.items.some((e) => e.detail?.includes('"minLength":7'))).toBe(false);

      // 8 itself is allowed.
      const eight = await call(url(), 'setPolicy', { body: { ...before, minLength: 8 } }, admin());
      expect(eight.status).toBe(200);
      expect(okBody(await call(url(), 'getPolicy', {}, admin())).minLength).toBe(8);
    });

    it('publishes its list of common passwords, and the shared check with it refuses exactly what the server refuses', async () => {
      const r = await call(url(), 'getPolicy', {}, admin());
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const list = r.body.commonPasswords ?? [];
      expect(list.length).toBeGreaterThan(300);
      expect(list).toContain('password1');
      const u = await newUser();
      // Capitalised, with a digit: passes every class rule, so only the list can refuse it.
      for (const pw of ['Password1', 'Qwerty123', 'Harbour-Lights-42']) {
        const fromConsole = checkAgainstServer(pw, r.body, u.login).map((v) => v.rule);
        const server = await call(url(), 'setPassword', { params: { id: u.id }, body: { password: pw } }, admin());
        expect(server.ok ? [] : (server.error?.details as { rule: string }[]).map((v) => v.rule), pw).toEqual(fromConsole);
      }
    });

    it('blocks common passwords whatever their case', async () => {
      const u = await newUser();
      const r = await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'PASSword123' } }, admin());
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
});
