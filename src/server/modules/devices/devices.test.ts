import { describe, expect, it } from 'vitest';
import { decodeProvisioningPayload } from '../../../shared/provisioning-payload';
import { eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { issueCode } from '../../test-support/provisioning';
import { enrolledUser, oathtool, testClock, userWithPassword } from '../../test-support/two-step';

const STEP = 30_000;
const PASSWORD = 'Granite-Orchard-58';

eachBackend('Provisioned devices', (backend) => {
  const clock = testClock();
  const { url, admin, db } = useServer(backend, { now: clock.now });
  let serial = 0;
  const login = (what: string) => `${what}.${backend.name.toLowerCase()}${++serial}`;

  /** Issues a code to the user and redeems it as the device would: the device's answer. */
  async function provision(userId: string, deviceName = 'Test phone') {
    const issued = await issueCode(url(), admin(), userId);
    const p = decodeProvisioningPayload(issued.payload);
    return okBody(await call(url(), 'redeemProvisioningCode', { body: { serverId: p.serverId, login: p.login, code: p.code, deviceName } }));
  }
  const deviceSignin = (l: string, credential: string) => call(url(), 'deviceSignin', { body: { login: l, credential } });
  const signin = (l: string, extra: { otp?: string } = {}) => call(url(), 'userSignin', { body: { login: l, password: PASSWORD, ...extra } });
  const code = (secret: string) => oathtool(secret, clock.now());

  describe('sign-in', () => {
    it('signs a device in like a QR card, marks it used, and stops the moment it is revoked (its session ends too)', async () => {
      const l = login('signin');
      const u = await userWithPassword(url(), admin(), l);
      const d = await provision(u.id);
      const session = okBody(await deviceSignin(l, d.credential));
      expect(okBody(await call(url(), 'me', {}, session.token)).login).toBe(l);
      const listed = okBody(await call(url(), 'listUserDevices', { params: { id: u.id } }, admin())).items[0];
      expect(listed?.lastUsedAt).toBe(clock.now().toISOString());
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).activeSessions).toBe(1);

      const revoked = okBody(await call(url(), 'revokeDevice', { params: { id: u.id, deviceId: d.device.id } }, admin()));
      expect(revoked).toEqual({ revoked: true, sessionsEnded: 1 });
      expect((await call(url(), 'me', {}, session.token)).status).toBe(401);
      const again = await deviceSignin(l, d.credential);
      expect([again.status, again.error?.code]).toEqual([401, 'QR_CREDENTIAL_INVALID']);
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).activeSessions).toBe(0);
      expect(okBody(await call(url(), 'listUserDevices', { params: { id: u.id } }, admin())).items[0]?.revokedAt).toBe(clock.now().toISOString());
      // Revoking twice changes nothing; another user's device is not found under this user.
      expect(okBody(await call(url(), 'revokeDevice', { params: { id: u.id, deviceId: d.device.id } }, admin()))).toEqual({ revoked: false, sessionsEnded: 0 });
      const other = await userWithPassword(url(), admin(), login('signin'));
      expect((await call(url(), 'revokeDevice', { params: { id: other.id, deviceId: d.device.id } }, admin())).error?.code).toBe('NOT_FOUND');
      const audit = okBody(await call(url(), 'listAudit', { query: { target: l, action: 'device.' } }, admin()));
      expect(audit.items.map((e) => e.action)).toEqual(['device.signin_failed', 'device.revoke', 'device.signin']);
      expect(audit.items[0]?.detail).toContain('Device revoked');
    });

    it('refuses a wrong secret, another login, a disabled user, and a login renamed since, with one answer', async () => {
      const l = login('refuse');
      const u = await userWithPassword(url(), admin(), l);
      const d = await provision(u.id);
      const [id] = d.credential.split('.');
      expect((await deviceSignin(l, `${id}.${'A'.repeat(43)}`)).error?.code).toBe('QR_CREDENTIAL_INVALID');
      expect((await deviceSignin('someone.else', d.credential)).error?.code).toBe('QR_CREDENTIAL_INVALID');
      expect((await deviceSignin(l, 'garbage')).error?.code).toBe('QR_CREDENTIAL_INVALID');
      okBody(await call(url(), 'userActions', { body: { action: 'disable', userIds: [u.id] } }, admin()));
      expect((await deviceSignin(l, d.credential)).error?.code).toBe('QR_CREDENTIAL_INVALID');
      okBody(await call(url(), 'userActions', { body: { action: 'enable', userIds: [u.id] } }, admin()));
      expect((await deviceSignin(l, d.credential)).ok).toBe(true);
      okBody(await call(url(), 'updateUser', { params: { id: u.id }, body: { login: `${l}.renamed` } }, admin()));
      expect((await deviceSignin(l, d.credential)).error?.code).toBe('QR_CREDENTIAL_INVALID');
      expect((await deviceSignin(`${l}.renamed`, d.credential)).ok).toBe(true);
    });

    it('a new password signs the device out (as everywhere) but does not revoke it: it signs in again', async () => {
      const l = login('password');
      const u = await userWithPassword(url(), admin(), l);
      const d = await provision(u.id);
      const session = okBody(await deviceSignin(l, d.credential));
      okBody(await call(url(), 'setPassword', { params: { id: u.id }, body: { password: 'Another-Horse-43' } }, admin()));
      expect((await call(url(), 'me', {}, session.token)).status).toBe(401);
      expect((await deviceSignin(l, d.credential)).ok).toBe(true);
    });

    it('deleting the user deletes their devices and the devices\' TOTP factors', async () => {
      const u = await userWithPassword(url(), admin(), login('delete'));
      const d = await provision(u.id);
      okBody(await call(url(), 'deleteUser', { params: { id: u.id } }, admin()));
      expect(await db().selectFrom('devices').select('id').where('id', '=', d.device.id).execute()).toEqual([]);
      expect(await db().selectFrom('totp_factors').select('account_id').where('account_id', '=', d.device.id).execute()).toEqual([]);
    });
  });

  describe('as an authenticator for two-step verification', () => {
    it("turns two-step verification on for a user without an app: the password alone no longer signs in, the device's code does, once", async () => {
      const l = login('only');
      const u = await userWithPassword(url(), admin(), l);
      expect(okBody(await signin(l)).status).toBe('signed_in');
      const d = await provision(u.id);
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).totpEnabled).toBe(true);
      expect(okBody(await call(url(), 'userTwoStep', { params: { id: u.id } }, admin()))).toMatchObject({ enabled: true, enrolledAt: null, devices: 1, recoveryCodesLeft: 0 });
      const first = okBody(await signin(l));
      if (first.status !== 'second_factor_required') throw new Error(first.status);
      clock.advance(STEP);
      const done = okBody(await call(url(), 'userSecondFactor', { body: { pendingToken: first.pendingToken, otp: code(d.totp.secret) } }));
      expect(done).toMatchObject({ status: 'signed_in', secondFactor: 'totp' });
      // The same code again is a replay.
      expect((await signin(l, { otp: code(d.totp.secret) })).error?.code).toBe('TOTP_CODE_REPLAYED');
      const audit = okBody(await call(url(), 'listAudit', { query: { target: l, action: 'totp.verify' } }, admin()));
      expect(audit.items[0]?.detail).toContain(`from provisioned device "Test phone" (${d.device.id})`);
      expect(okBody(await call(url(), 'listUserDevices', { params: { id: u.id } }, admin())).items[0]?.lastUsedAt).toBe(clock.now().toISOString());
      // Recovery codes can be made for a phone-only user, for the day the phone is lost.
      const made = okBody(await call(url(), 'userTwoStepActions', { body: { action: 'regenerateRecoveryCodes', userIds: [u.id] } }, admin())).results[0];
      expect(made?.recoveryCodes).toHaveLength(8);
      expect(okBody(await call(url(), 'userSignin', { body: { login: l, password: PASSWORD, recoveryCode: made!.recoveryCodes![0]! } }))).toMatchObject({ secondFactor: 'recoveryCode', recoveryCodesLeft: 7 });

      // Revoked: the device's codes stop working, and with no factor left the password signs in alone.
      okBody(await call(url(), 'revokeDevice', { params: { id: u.id, deviceId: d.device.id } }, admin()));
      clock.advance(STEP);
      expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).totpEnabled).toBe(false);
      expect(await db().selectFrom('recovery_codes').select('code_hash').where('account_id', '=', u.id).execute()).toEqual([]);
      expect((await signin(l, { otp: code(d.totp.secret) })).ok).toBe(true);
      expect(okBody(await signin(l)).status).toBe('signed_in');
    });

    it('works beside an authenticator app: either code signs in, a wrong one counts for the account, a revoked device\'s code is wrong', async () => {
      const l = login('both');
      const e = await enrolledUser(url(), admin(), l, clock.now());
      const d = await provision(e.user.id, 'Second phone');
      clock.advance(STEP);
      expect(okBody(await signin(l, { otp: code(d.totp.secret) }))).toMatchObject({ status: 'signed_in', secondFactor: 'totp' });
      // The app's code of the same step is the app's own first use of that step.
      expect(okBody(await signin(l, { otp: code(e.secret) }))).toMatchObject({ status: 'signed_in' });
      clock.advance(STEP);
      const right = new Set([code(e.secret), code(d.totp.secret)]);
      const wrong = ['000000', '111111', '222222'].find((c) => !right.has(c))!;
      expect((await signin(l, { otp: wrong })).error?.code).toBe('TOTP_CODE_INVALID');
      expect(okBody(await call(url(), 'userTwoStep', { params: { id: e.user.id } }, admin()))).toMatchObject({ failedAttempts: 1, devices: 1 });
      // A device provisioned now starts from the account's count: one more wrong code makes two.
      const d2 = await provision(e.user.id, 'Third phone');
      expect((await signin(l, { otp: wrong })).error?.details).toMatchObject({ failedAttempts: 2 });
      expect(okBody(await signin(l, { otp: code(d.totp.secret) })).status).toBe('signed_in');
      expect(okBody(await call(url(), 'userTwoStep', { params: { id: e.user.id } }, admin()))).toMatchObject({ failedAttempts: 0, devices: 2 });
      okBody(await call(url(), 'revokeDevice', { params: { id: e.user.id, deviceId: d2.device.id } }, admin()));

      okBody(await call(url(), 'revokeDevice', { params: { id: e.user.id, deviceId: d.device.id } }, admin()));
      clock.advance(STEP);
      expect((await signin(l, { otp: code(d.totp.secret) })).error?.code).toBe('TOTP_CODE_INVALID');
      expect(okBody(await signin(l, { otp: code(e.secret) })).status).toBe('signed_in');
      expect(okBody(await call(url(), 'getUser', { params: { id: e.user.id } }, admin())).totpEnabled).toBe(true);
    });

    it('satisfies mandatory two-step verification: enrolment-only before, a second factor after provisioning', async () => {
      // Mandatory needs an administrator with two-step verification.
      await enrolAdmin();
      clock.advance(STEP);
      const l = login('mandatory');
      const u = await userWithPassword(url(), admin(), l);
      const without = okBody(await call(url(), 'twoStepImpact', {}, admin())).activeUsersWithout2fa;
      okBody(
        await call(url(), 'setTwoStepSettings', { body: { mandatory: true, graceDays: 7, acknowledgedUsersWithout2fa: without } }, admin()),
      );
      try {
        expect(okBody(await signin(l)).status).toBe('enrolment_required');
        const d = await provision(u.id);
        expect(okBody(await signin(l)).status).toBe('second_factor_required');
        clock.advance(STEP);
        expect(okBody(await signin(l, { otp: code(d.totp.secret) })).status).toBe('signed_in');
        // An administrator helping resync hears two consecutive codes from the device.
        const at = clock.now().getTime();
        const resync = await call(
          url(),
          'resyncUserTotp',
          { params: { id: u.id }, body: { code1: oathtool(d.totp.secret, new Date(at + 3 * STEP)), code2: oathtool(d.totp.secret, new Date(at + 4 * STEP)) } },
          admin(),
        );
        expect(okBody(resync)).toEqual({ driftSteps: 4, driftSeconds: 120 });
      } finally {
        okBody(await call(url(), 'setTwoStepSettings', { body: { mandatory: false } }, admin()));
      }
    });

    it('is refused as a device sign-in while two-step verification is mandatory and device credentials are refused', async () => {
      await enrolAdmin();
      clock.advance(STEP);
      const l = login('refused');
      const u = await userWithPassword(url(), admin(), l);
      const d = await provision(u.id);
      const without = okBody(await call(url(), 'twoStepImpact', {}, admin())).activeUsersWithout2fa;
      okBody(
        await call(url(), 'setTwoStepSettings', { body: { mandatory: true, graceDays: 7, refuseDeviceCredentials: true, acknowledgedUsersWithout2fa: without } }, admin()),
      );
      try {
        const r = await deviceSignin(l, d.credential);
        expect([r.status, r.error?.code]).toEqual([403, 'DEVICE_SIGNIN_REFUSED']);
      } finally {
        okBody(await call(url(), 'setTwoStepSettings', { body: { mandatory: false } }, admin()));
      }
      expect((await deviceSignin(l, d.credential)).ok).toBe(true);
    });
  });

  /** The test admin's own two-step verification (once per suite), so mandatory can be turned on. */
  let adminEnrolled: { secret: string } | null = null;
  async function enrolAdmin(): Promise<{ secret: string }> {
    if (adminEnrolled) return adminEnrolled;
    const start = okBody(await call(url(), 'startEnrolment', {}, admin()));
    okBody(await call(url(), 'confirmEnrolment', { body: { code: oathtool(start.secret, clock.now()) } }, admin()));
    adminEnrolled = { secret: start.secret };
    return adminEnrolled;
  }
});
