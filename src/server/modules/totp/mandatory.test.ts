import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../security/passwords';
import { ADMIN_PASSWORD, eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { enrol, enrolledUser, oathtool, testClock, userWithPassword } from '../../test-support/two-step';

const STEP = 30_000;
const DAY = 86_400_000;

eachBackend('Mandatory two-step verification', (backend) => {
  const clock = testClock();
  const { url, admin, db, newUser } = useServer(backend, { now: clock.now });
  const tag = `m${backend.name.toLowerCase()}`;
  let adminSecret = '';
  let adminRecovery: string[] = [];
  let token = '';
  /** A fresh admin session with a code of the clock's next step. */
  const signInAdmin = async () => {
    clock.advance(STEP);
    token = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD, otp: oathtool(adminSecret, clock.now()) } })).token;
    return token;
  };
  const settings = (body: Record<string, unknown>) => call(url(), 'setTwoStepSettings', { body }, token || admin());
  const signin = (login: string, password: string, otp?: string) => call(url(), 'userSignin', { body: { login, password, ...(otp ? { otp } : {}) } });
  const secondAdmin = { login: `second-${backend.name.toLowerCase()}`, password: 'Second-Admin-Pass-77', id: randomUUID() };
  let withTwoStep: Awaited<ReturnType<typeof enrolledUser>>;
  let withoutLogin = '';

  describe('administrators have two-step verification too', () => {
    it('an administrator without it cannot make it mandatory', async () => {
      const r = await settings({ mandatory: true, graceDays: 7 });
      expect(r.status).toBe(403);
      expect(r.error?.code).toBe('ADMIN_TOTP_REQUIRED');
      expect(okBody(await call(url(), 'getTwoStepSettings', {}, admin()))).toMatchObject({ mandatory: false, graceEndsAt: null });
    });

    it('once enrolled, the administrator sign-in asks for the code or a recovery code with the password', async () => {
      ({ secret: adminSecret, recoveryCodes: adminRecovery } = await enrol(url(), admin(), clock.now()));
      const account = okBody(await call(url(), 'accountTwoStep', {}, admin()));
      expect(account).toMatchObject({ kind: 'admin', login: 'admin', enabled: true });
      const bare = await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } });
      expect(bare.status).toBe(401);
      expect(bare.error).toMatchObject({ code: 'SECOND_FACTOR_REQUIRED', details: { methods: ['totp', 'recoveryCode'] } });
      const wrongPassword = await call(url(), 'adminSignin', { body: { login: 'admin', password: 'not-it', otp: '123456' } });
      expect(wrongPassword.error?.code).toBe('INVALID_CREDENTIALS');
      await signInAdmin();
      expect((await call(url(), 'listUsers', {}, token)).status).toBe(200);
      const viaRecovery = okBody(await call(url(), 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD, recoveryCode: adminRecovery[0]! } }));
      expect(viaRecovery).toMatchObject({ scope: 'full', secondFactor: 'recoveryCode', recoveryCodesLeft: 7 });
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'admin.signin' } }, token));
      expect(audit.items[0]?.detail).toBe('Password and recovery code (7 left)');
    });
  });

  describe('turning it on', () => {
    it('answers first how many active users have no 2FA and who they are, the same users as the list filter', async () => {
      withoutLogin = `${tag}.without`;
      await userWithPassword(url(), token, withoutLogin);
      const disabled = await newUser(`${tag}-disabled`);
      okBody(await call(url(), 'userActions', { body: { action: 'disable', userIds: [disabled.id] } }, token));
      clock.advance(STEP);
      withTwoStep = await enrolledUser(url(), token, `${tag}.with`, clock.now());
      const impact = okBody(await call(url(), 'twoStepImpact', { query: { limit: 500 } }, token));
      const listed = okBody(await call(url(), 'listUsers', { query: { totp: 'disabled', disabled: 'false', limit: 500 } }, token));
      expect(impact.activeUsersWithout2fa).toBe(listed.total);
      expect(impact.users.map((u) => u.login)).toEqual(listed.items.map((u) => u.login));
      expect(impact.users.map((u) => u.login)).toContain(withoutLogin);
      expect(impact.users.map((u) => u.login)).not.toContain(disabled.login);
      expect(impact.users.map((u) => u.login)).not.toContain(withTwoStep.user.login);
      expect(impact.adminsWithout2fa).toEqual([]);
      const count = await db().selectFrom('users').select('id').where('totp_enabled', '=', 0).where('disabled_at', '=', '').execute();
      expect(impact.activeUsersWithout2fa).toBe(count.length);
    });

    it('is refused until the administrator acknowledges that count, then takes effect with its grace period', async () => {
      const { activeUsersWithout2fa: n } = okBody(await call(url(), 'twoStepImpact', {}, token));
      expect(n).toBeGreaterThan(0);
      const unconfirmed = await settings({ mandatory: true, graceDays: 7 });
      expect(unconfirmed.status).toBe(409);
      expect(unconfirmed.error?.code).toBe('CONFIRMATION_REQUIRED');
      expect(unconfirmed.error?.message).toContain(`${n} active user(s) have no two-step verification`);
      expect(unconfirmed.error?.details).toMatchObject({ activeUsersWithout2fa: n, users: expect.arrayContaining([withoutLogin]) });
      expect((await settings({ mandatory: true, graceDays: 7, acknowledgedUsersWithout2fa: n - 1 })).error?.code).toBe('CONFIRMATION_REQUIRED');
      expect(okBody(await call(url(), 'getTwoStepSettings', {}, token)).mandatory).toBe(false);
      const on = okBody(await settings({ mandatory: true, graceDays: 7, acknowledgedUsersWithout2fa: n }));
      expect(on).toMatchObject({ mandatory: true, graceDays: 7, refuseDeviceCredentials: false, updatedBy: 'admin' });
      expect(Date.parse(on.graceEndsAt ?? '') - clock.now().getTime()).toBe(7 * DAY);
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'two_step.settings' } }, token));
      expect(audit.items[0]?.detail).toContain(`${n} active user(s) without two-step verification acknowledged`);
    });
  });

  describe('during the grace period', () => {
    it('takes a user without 2FA who signs in with a password to enrolment only, then to a full session', async () => {
      const first = okBody(await signin(withoutLogin, 'Granite-Orchard-58'));
      expect(first.status).toBe('enrolment_required');
      if (first.status !== 'enrolment_required') return;
      expect(Date.parse(first.graceEndsAt) - clock.now().getTime()).toBeGreaterThan(6 * DAY);
      // The enrolment-only session opens nothing but enrolment.
      const me = await call(url(), 'me', {}, first.token);
      expect(me.status).toBe(403);
      expect(me.error?.code).toBe('TOTP_ENROLMENT_REQUIRED');
      expect((await call(url(), 'regenerateOwnRecoveryCodes', {}, first.token)).error?.code).toBe('TOTP_ENROLMENT_REQUIRED');
      expect(okBody(await call(url(), 'accountTwoStep', {}, first.token))).toMatchObject({ scope: 'enrolment', mandatory: true, enabled: false });
      const start = okBody(await call(url(), 'startEnrolment', {}, first.token));
      const done = okBody(await call(url(), 'confirmEnrolment', { body: { code: oathtool(start.secret, clock.now()) } }, first.token));
      expect(done).toMatchObject({ enabled: true, scope: 'full' });
      expect(okBody(await call(url(), 'me', {}, first.token)).login).toBe(withoutLogin);
      clock.advance(STEP);
      expect(okBody(await signin(withoutLogin, 'Granite-Orchard-58')).status).toBe('second_factor_required');
      expect(okBody(await signin(withoutLogin, 'Granite-Orchard-58', oathtool(start.secret, clock.now()))).status).toBe('signed_in');
    });

    it('holds administrators to it as well: an enrolment-only session, admin routes refused until enrolled', async () => {
      const hash = await createPasswordHasher('test').hash(secondAdmin.password);
      await db().insertInto('admins').values({ id: secondAdmin.id, login: secondAdmin.login, password_hash: hash, created_at: clock.now().toISOString() }).execute();
      const s = okBody(await call(url(), 'adminSignin', { body: { login: secondAdmin.login, password: secondAdmin.password } }));
      expect(s.scope).toBe('enrolment');
      const list = await call(url(), 'listUsers', {}, s.token);
      expect(list.status).toBe(403);
      expect(list.error?.code).toBe('TOTP_ENROLMENT_REQUIRED');
      expect(okBody(await call(url(), 'twoStepImpact', {}, token)).adminsWithout2fa).toEqual([secondAdmin.login]);
      await call(url(), 'accountSignout', {}, s.token);
      expect((await call(url(), 'accountTwoStep', {}, s.token)).status).toBe(401);
    });

    it('turns an administrator\'s enrolment-only session into a full one once the code is confirmed', async () => {
      const third = { id: randomUUID(), login: `third-${backend.name.toLowerCase()}`, password: 'Third-Admin-Pass-78' };
      const hash = await createPasswordHasher('test').hash(third.password);
      await db().insertInto('admins').values({ id: third.id, login: third.login, password_hash: hash, created_at: clock.now().toISOString() }).execute();
      const s = okBody(await call(url(), 'adminSignin', { body: { login: third.login, password: third.password } }));
      expect(s).toMatchObject({ scope: 'enrolment', graceEndsAt: expect.any(String) });
      const start = okBody(await call(url(), 'startEnrolment', {}, s.token));
      expect(start.accountName).toBe(third.login);
      okBody(await call(url(), 'confirmEnrolment', { body: { code: oathtool(start.secret, clock.now()) } }, s.token));
      expect((await call(url(), 'listUsers', {}, s.token)).status).toBe(200);
      expect(okBody(await call(url(), 'accountTwoStep', {}, s.token))).toMatchObject({ kind: 'admin', enabled: true, scope: 'full' });
      clock.advance(STEP);
      const bare = await call(url(), 'adminSignin', { body: { login: third.login, password: third.password } });
      expect(bare.error?.code).toBe('SECOND_FACTOR_REQUIRED');
    });
  });

  describe('after the grace period', () => {
    it('refuses a password sign-in without 2FA with TOTP_ENROLMENT_REQUIRED, for users and administrators', async () => {
      clock.advance(8 * DAY);
      await signInAdmin();
      const late = await userWithPassword(url(), token, `${tag}.late`);
      const r = await signin(late.login, 'Granite-Orchard-58');
      expect(r.status).toBe(403);
      expect(r.error?.code).toBe('TOTP_ENROLMENT_REQUIRED');
      const a = await call(url(), 'adminSignin', { body: { login: secondAdmin.login, password: secondAdmin.password } });
      expect(a.error?.code).toBe('TOTP_ENROLMENT_REQUIRED');
      // A wrong password still says only that.
      expect((await signin(late.login, 'wrong-password')).error?.code).toBe('INVALID_CREDENTIALS');
      // Users with 2FA sign in as before.
      clock.advance(STEP);
      expect(okBody(await signin(withTwoStep.user.login, withTwoStep.password, oathtool(withTwoStep.secret, clock.now()))).status).toBe('signed_in');
      const audit = okBody(await call(url(), 'listAudit', { query: { target: late.login, action: 'user.signin_failed' } }, token));
      expect(audit.items.map((i) => i.detail)).toEqual(['Wrong password', 'Two-step verification is mandatory, the grace period is over and the user has none']);
      // A new grace period (changing the days) lets them enrol again.
      okBody(await settings({ mandatory: true, graceDays: 3 }));
      expect(okBody(await signin(late.login, 'Granite-Orchard-58')).status).toBe('enrolment_required');
    });
  });

  describe('device credentials (QR cards and .usr files)', () => {
    it('still sign in while mandatory unless the administrator refuses them; refused even for users with 2FA', async () => {
      const u = withTwoStep.user;
      const issue = async () => {
        const r = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId: u.id, password: withTwoStep.password }] } }, token)).results[0];
        if (!r?.ok) throw new Error('issue failed');
        return r.issued.credential;
      };
      const credential = await issue();
      expect(okBody(await call(url(), 'qrSignin', { body: { login: u.login, credential } })).user.login).toBe(u.login);
      okBody(await settings({ mandatory: true, graceDays: 3, refuseDeviceCredentials: true }));
      const refused = await call(url(), 'qrSignin', { body: { login: u.login, credential } });
      expect(refused.status).toBe(403);
      expect(refused.error?.code).toBe('DEVICE_SIGNIN_REFUSED');
      const audit = okBody(await call(url(), 'listAudit', { query: { action: 'device.signin_refused' } }, token));
      expect(audit.items[0]).toMatchObject({ target: u.login });
      expect(JSON.stringify(audit.items)).not.toContain(credential);
      // Turning mandatory off lets them in again: the refusal holds only while 2FA is mandatory.
      okBody(await settings({ mandatory: false, refuseDeviceCredentials: true }));
      expect(okBody(await call(url(), 'qrSignin', { body: { login: u.login, credential } })).user.login).toBe(u.login);
    });

    it('turned off, lets a password alone sign in again', async () => {
      const off = okBody(await call(url(), 'getTwoStepSettings', {}, token));
      expect(off).toMatchObject({ mandatory: false, graceEndsAt: null });
      const plain = await userWithPassword(url(), token, `${tag}.plain`);
      expect(okBody(await signin(plain.login, 'Granite-Orchard-58')).status).toBe('signed_in');
      expect(okBody(await call(url(), 'adminSignin', { body: { login: secondAdmin.login, password: secondAdmin.password } })).scope).toBe('full');
    });
  });
});
