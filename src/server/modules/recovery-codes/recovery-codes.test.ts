import { expect, it } from 'vitest';
import { RECOVERY_CODE_ALPHABET } from '../../../shared/recovery-codes';
import { eachBackend, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { enrolledUser, oathtool, testClock } from '../../test-support/two-step';

const STEP = 30_000;

eachBackend('Recovery codes', (backend) => {
  const clock = testClock();
  const { url, admin, db } = useServer(backend, { now: clock.now });
  let serial = 0;
  const login = (p: string) => `${p}.${backend.name.toLowerCase()}${++serial}`;
  const withRecovery = (l: string, password: string, recoveryCode: string) => call(url(), 'userSignin', { body: { login: l, password, recoveryCode } });
  const enrolled = async (p: string) => {
    clock.advance(STEP);
    return enrolledUser(url(), admin(), login(p), clock.now());
  };

  it('are 8 per enrolment, 16 characters of 5 random bits each (80 bits), in groups of 4, all different, stored only hashed', async () => {
    const e = await enrolled('shape');
    expect(e.recoveryCodes).toHaveLength(8);
    expect(new Set(e.recoveryCodes).size).toBe(8);
    for (const c of e.recoveryCodes) {
      expect(c).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      for (const ch of c.replace(/-/g, '')) expect(RECOVERY_CODE_ALPHABET).toContain(ch);
    }
    const rows = await db().selectFrom('recovery_codes').selectAll().where('account_id', '=', e.user.id).execute();
    expect(rows).toHaveLength(8);
    for (const r of rows) expect(r.code_hash).toMatch(/^[0-9a-f]{64}$/);
    const stored = JSON.stringify(rows);
    for (const c of e.recoveryCodes) expect(stored).not.toContain(c.replace(/-/g, ''));
  });

  it('each sign in once, in any order, saying how many remain; a used one is refused', async () => {
    const e = await enrolled('order');
    let left = 8;
    for (const i of [5, 0, 7, 2]) {
      const r = okBody(await withRecovery(e.user.login, e.password, e.recoveryCodes[i]!));
      left--;
      expect(r).toMatchObject({ status: 'signed_in', secondFactor: 'recoveryCode', recoveryCodesLeft: left });
    }
    const again = await withRecovery(e.user.login, e.password, e.recoveryCodes[0]!);
    expect(again.status).toBe(401);
    expect(again.error).toMatchObject({ code: 'RECOVERY_CODE_INVALID', message: 'That recovery code was used already: each works once' });
    // Typed as people type them: lower case, spaces instead of dashes, I and O for 1 and 0.
    const typed = e.recoveryCodes[3]!.toLowerCase().replace(/-/g, ' ').replace(/1/g, 'i').replace(/0/g, 'o');
    expect(okBody(await withRecovery(e.user.login, e.password, typed))).toMatchObject({ status: 'signed_in', recoveryCodesLeft: 3 });
    // The second step of a sign-in takes one too, and says what is left.
    const pending = okBody(await call(url(), 'userSignin', { body: { login: e.user.login, password: e.password } }));
    if (pending.status !== 'second_factor_required') throw new Error(pending.status);
    const done = okBody(await call(url(), 'userSecondFactor', { body: { pendingToken: pending.pendingToken, recoveryCode: e.recoveryCodes[6]! } }));
    expect(done).toMatchObject({ secondFactor: 'recoveryCode', recoveryCodesLeft: 2 });
    const audit = okBody(await call(url(), 'listAudit', { query: { target: e.user.login, action: 'recovery.' } }, admin()));
    expect(audit.items.filter((i) => i.action === 'recovery.use')).toHaveLength(6);
    expect(audit.items.filter((i) => i.action === 'recovery.use_failed')).toHaveLength(1);
    expect(audit.items[0]?.detail).toBe('Recovery code accepted; 2 left');
  });

  it('let one of 20 parallel uses of one code succeed', async () => {
    const e = await enrolled('parallel');
    const answers = await Promise.all(Array.from({ length: 20 }, () => withRecovery(e.user.login, e.password, e.recoveryCodes[1]!)));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    // The sign-in limits admit 5 tries in flight per source and login before any password is
    // checked (signin-throttle.ts), more once the winner gave its try back; the rest wait (429).
    const losers = answers.filter((x) => !x.ok).map((a) => a.error?.code);
    expect(losers.filter((c) => c === 'RECOVERY_CODE_INVALID').length).toBeGreaterThanOrEqual(4);
    for (const c of losers) expect(['RECOVERY_CODE_INVALID', 'RATE_LIMITED']).toContain(c);
    // The losers were second uses, not guesses: nothing counted against the account.
    expect(okBody(await call(url(), 'userTwoStep', { params: { id: e.user.id } }, admin()))).toMatchObject({ recoveryCodesLeft: 7, failedAttempts: 0 });
  });

  it('refuse a malformed code as bad input, and count a wrong one as a wrong code', async () => {
    const e = await enrolled('wrong');
    const bad = await withRecovery(e.user.login, e.password, 'not-a-code');
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe('VALIDATION_FAILED');
    const both = await call(url(), 'userSignin', { body: { login: e.user.login, password: e.password, otp: '123456', recoveryCode: e.recoveryCodes[0]! } });
    expect(both.error?.code).toBe('VALIDATION_FAILED');
    const wrong = await withRecovery(e.user.login, e.password, 'ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    expect(wrong.error).toMatchObject({ code: 'RECOVERY_CODE_INVALID', details: { failedAttempts: 1 } });
    expect(okBody(await call(url(), 'userTwoStep', { params: { id: e.user.id } }, admin())).failedAttempts).toBe(1);
  });

  it('regenerate for the user themselves: the new set works, every earlier code stops', async () => {
    const e = await enrolled('self');
    clock.advance(STEP);
    const session = okBody(await call(url(), 'userSignin', { body: { login: e.user.login, password: e.password, otp: oathtool(e.secret, clock.now()) } }));
    if (session.status !== 'signed_in') throw new Error(session.status);
    const fresh = okBody(await call(url(), 'regenerateOwnRecoveryCodes', {}, session.token));
    expect(fresh.recoveryCodes).toHaveLength(8);
    expect(fresh.recoveryCodes.some((c) => e.recoveryCodes.includes(c))).toBe(false);
    expect((await withRecovery(e.user.login, e.password, e.recoveryCodes[4]!)).error?.code).toBe('RECOVERY_CODE_INVALID');
    expect(okBody(await withRecovery(e.user.login, e.password, fresh.recoveryCodes[4]!))).toMatchObject({ status: 'signed_in', recoveryCodesLeft: 7 });
  });

  it('regenerate by an administrator for a user: audited, shown once; nobody can read existing codes', async () => {
    const e = await enrolled('byadmin');
    const fresh = okBody(await call(url(), 'regenerateUserRecoveryCodes', { params: { id: e.user.id } }, admin()));
    expect(fresh.recoveryCodes).toHaveLength(8);
    expect((await withRecovery(e.user.login, e.password, e.recoveryCodes[0]!)).error?.code).toBe('RECOVERY_CODE_INVALID');
    expect(okBody(await withRecovery(e.user.login, e.password, fresh.recoveryCodes[0]!)).status).toBe('signed_in');
    const audit = okBody(await call(url(), 'listAudit', { query: { target: e.user.login, action: 'recovery.generate' } }, admin()));
    expect(audit.items[0]).toMatchObject({ actor: 'admin', detail: '8 new recovery codes made by an administrator; every earlier code voided' });
    // What an administrator can read about them: a count, never a code.
    const state = okBody(await call(url(), 'userTwoStep', { params: { id: e.user.id } }, admin()));
    expect(state.recoveryCodesLeft).toBe(7);
    const everything = JSON.stringify([state, okBody(await call(url(), 'getUser', { params: { id: e.user.id } }, admin())), audit]);
    for (const c of [...fresh.recoveryCodes, ...e.recoveryCodes]) expect(everything).not.toContain(c);
  });

  it('are refused to regenerate for a user without two-step verification', async () => {
    const u = okBody(await call(url(), 'createUser', { body: { login: login('none') } }, admin()));
    const r = await call(url(), 'regenerateUserRecoveryCodes', { params: { id: u.id } }, admin());
    expect(r.status).toBe(409);
    expect(r.error?.code).toBe('TOTP_NOT_ENABLED');
    const bulk = okBody(await call(url(), 'userTwoStepActions', { body: { action: 'regenerateRecoveryCodes', userIds: [u.id, 'no-such-id'] } }, admin()));
    expect(bulk.results.map((x) => [x.ok, x.code])).toEqual([
      [false, 'TOTP_NOT_ENABLED'],
      [false, 'NOT_FOUND'],
    ]);
  });
});
