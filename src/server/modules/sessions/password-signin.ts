import { sql } from 'kysely';
import type { z } from 'zod';
import type { UserSignedInSchema, UserSigninResult } from '../../../shared/api/sessions';
import { GatepassError } from '../../../shared/errors';
import { newToken, sha256Hex } from '../../security/tokens';
import { isoAfter, lockUser, type AccountCaller, type AccountRef, type ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';
import { attemptSucceeded, reserveAttempt } from '../../security/signin-throttle';
import { checkSecondFactor, insertUserSession, PASSWORD_SESSION_MS, signinGate, type SecondFactorInput } from '../totp/service';

/** Between the password and the code: long enough to open the app, short enough to be useless if it leaks. */
export const PENDING_SIGNIN_MS = 5 * 60 * 1000;
/** An enrolment-only session: time to install an app, scan and confirm. */
export const ENROLMENT_SESSION_MS = 30 * 60 * 1000;

type SignedIn = z.output<typeof UserSignedInSchema>;

const invalid = () => new GatepassError('INVALID_CREDENTIALS', 'Wrong login or password');

/**
 * Password sign-in of a user (the portal, the API, `gatepass user signin`). Failures are
 * counted per login in the database, as for administrators; unknown logins, users without a
 * password and disabled users get the same answer as a wrong password, after the same argon2
 * work. After a right password: a session; or, when the user has two-step verification, the
 * code in this request or a pending token for the second step; or, when two-step
 * verification is mandatory and the user has none, an enrolment-only session during the
 * grace period and TOTP_ENROLMENT_REQUIRED after it.
 */
export async function userSignin(
  ctx: ServiceContext,
  input: { login: string; password: string } & SecondFactorInput,
): Promise<UserSigninResult> {
  const now = ctx.now();
  const loginKey = input.login.trim().toLowerCase();
  // In one hash slot, or 503 SERVER_BUSY before any of it (hash-gate.ts): a busy server reads,
  // charges and audits nothing, so a refusal is never taken for a wrong password.
  const { reservation, user, ok } = await ctx.hasher.withSlot(async (check) => {
    const reservation = await reserveAttempt(ctx, { scope: 'user', login: input.login.trim() });
    const user = await ctx.db
      .selectFrom('users')
      .select(['id', 'login', 'display_name', 'password_hash', 'disabled_at'])
      .where('login_key', '=', loginKey)
      .executeTakeFirst();
    const ok = user?.password_hash ? await check.verify(user.password_hash, input.password) : (await check.verifyDummy(input.password), false);
    return { reservation, user, ok };
  });
  if (!user || !ok || user.disabled_at !== '') {
    const who = input.login.trim().slice(0, 128) || '(empty)';
    await recordAudit(ctx.db, now, {
      actor: who,
      action: 'user.signin_failed',
      target: user?.login ?? who,
      detail: !user ? 'Unknown login' : !user.password_hash ? 'The user has no password' : !ok ? 'Wrong password' : 'User disabled',
    });
    throw invalid();
  }
  await attemptSucceeded(ctx, reservation);
  const account: AccountRef = { kind: 'user', id: user.id, login: user.login };
  const who = { id: user.id, login: user.login, displayName: user.display_name };
  const gate = await signinGate(ctx, 'user', user.id);
  switch (gate.next) {
    case 'refused':
      await recordAudit(ctx.db, now, { actor: user.login, action: 'user.signin_failed', target: user.login, detail: 'Two-step verification is mandatory, the grace period is over and the user has none' });
      throw gate.error;
    case 'enrolment': {
      const token = newToken();
      const expiresAt = isoAfter(now, ENROLMENT_SESSION_MS);
      await ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('signin_pending').values({ token_hash: sha256Hex(token), kind: 'user', account_id: user.id, purpose: 'enrolment', created_at: now.toISOString(), expires_at: expiresAt }).execute();
        await recordAudit(trx, now, { actor: user.login, action: 'user.signin', target: user.login, detail: `Password; enrolment-only session (two-step verification mandatory, grace period until ${gate.graceEndsAt})` });
      });
      return { status: 'enrolment_required', token, expiresAt, graceEndsAt: gate.graceEndsAt, user: who };
    }
    case 'session':
      return startSession(ctx, account, who, null, input);
    case 'second_factor': {
      if (input.otp !== undefined || input.recoveryCode !== undefined) return startSession(ctx, account, who, null, input);
      const pendingToken = newToken();
      const expiresAt = isoAfter(now, PENDING_SIGNIN_MS);
      await ctx.db
        .insertInto('signin_pending')
        .values({ token_hash: sha256Hex(pendingToken), kind: 'user', account_id: user.id, purpose: 'second_factor', created_at: now.toISOString(), expires_at: expiresAt })
        .execute();
      return { status: 'second_factor_required', pendingToken, expiresAt, methods: ['totp', 'recoveryCode'] };
    }
  }
}

/**
 * Asks a signed-in user for their password again before a change that voids what they hold
 * (the portal's "new recovery codes"), so a session left open on a shared screen is not
 * enough to swap their codes. A wrong password counts towards the same limits as a wrong
 * sign-in (signin-throttle.ts) and is audited as a failed sign-in: this is no second,
 * unlimited way to try passwords. Throws INVALID_CREDENTIALS or RATE_LIMITED.
 */
export async function confirmUserPassword(ctx: ServiceContext, caller: AccountCaller, password: string): Promise<void> {
  if (caller.account.kind !== 'user') throw new GatepassError('FORBIDDEN', 'Only users confirm their password here');
  const now = ctx.now();
  const user = await ctx.db.selectFrom('users').select(['login_key', 'password_hash']).where('id', '=', caller.account.id).executeTakeFirst();
  if (!user) throw new GatepassError('AUTH_REQUIRED', 'This account no longer exists');
  // The same limits as a sign-in of this login: no second, unlimited way to try passwords.
  // Charged and checked in one hash slot, or 503 SERVER_BUSY before anything is charged.
  const { reservation, ok } = await ctx.hasher.withSlot(async (check) => {
    const reservation = await reserveAttempt(ctx, { scope: 'user', login: caller.account.login });
    const ok = user.password_hash ? await check.verify(user.password_hash, password) : (await check.verifyDummy(password), false);
    return { reservation, ok };
  });
  if (ok) {
    await attemptSucceeded(ctx, reservation);
    return;
  }
  await recordAudit(ctx.db, now, {
    actor: caller.account.login,
    action: 'user.signin_failed',
    target: caller.account.login,
    detail: user.password_hash ? 'Wrong password when confirming it (new recovery codes)' : 'The user has no password (confirming it for new recovery codes)',
  });
  throw new GatepassError('INVALID_CREDENTIALS', 'Wrong password');
}

/**
 * The second step: the pending token of a right password, plus a code or a recovery code.
 * The token is used up by the sign-in it completes (deleted in the same transaction); a wrong
 * code leaves it, so the user can try again until it expires, each try counted.
 */
export async function userSecondFactor(ctx: ServiceContext, pendingToken: string, factor: SecondFactorInput): Promise<SignedIn> {
  const tokenHash = sha256Hex(pendingToken);
  const row = await ctx.db
    .selectFrom('signin_pending as p')
    .innerJoin('users as u', 'u.id', 'p.account_id')
    .select(['u.id', 'u.login', 'u.display_name'])
    .where('p.token_hash', '=', tokenHash)
    .where('p.kind', '=', 'user')
    .where('p.purpose', '=', 'second_factor')
    .where('p.expires_at', '>', ctx.now().toISOString())
    .executeTakeFirst();
  if (!row) throw new GatepassError('AUTH_REQUIRED', 'This sign-in expired or was completed: sign in with your password again');
  return startSession(ctx, { kind: 'user', id: row.id, login: row.login }, { id: row.id, login: row.login, displayName: row.display_name }, tokenHash, factor);
}

/**
 * Starts a full password session in one transaction with the second-factor check (when the
 * account has one): the user's row is locked first, as every writer of a user does.
 */
async function startSession(
  ctx: ServiceContext,
  account: AccountRef,
  who: { id: string; login: string; displayName: string },
  pendingHash: string | null,
  factor: SecondFactorInput,
): Promise<SignedIn> {
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    if (!(await lockUser(trx, ctx.dialect, account.id))) return { error: invalid() };
    const disabled = await trx.selectFrom('users').select('disabled_at').where('id', '=', account.id).executeTakeFirstOrThrow();
    if (disabled.disabled_at !== '') return { error: invalid() };
    let secondFactor: 'totp' | 'recoveryCode' | null = null;
    let recoveryCodesLeft: number | null = null;
    const wantsFactor = pendingHash !== null || factor.otp !== undefined || factor.recoveryCode !== undefined;
    if (wantsFactor) {
      if (pendingHash !== null) {
        const pending = await trx.selectFrom('signin_pending').select('token_hash').where('token_hash', '=', pendingHash).executeTakeFirst();
        if (!pending) return { error: new GatepassError('AUTH_REQUIRED', 'This sign-in expired or was completed: sign in with your password again') };
      }
      const check = await checkSecondFactor(trx, ctx, account, factor);
      if (!check.ok) {
        // A password right but no second factor on the account: the code is simply not needed.
        if (check.error.code !== 'TOTP_NOT_ENABLED' || pendingHash !== null) return { error: check.error };
      } else {
        secondFactor = check.method;
        recoveryCodesLeft = check.recoveryCodesLeft;
        if (pendingHash !== null) {
          const used = await trx.deleteFrom('signin_pending').where('token_hash', '=', pendingHash).executeTakeFirst();
          if (Number(used.numDeletedRows) !== 1) throw new GatepassError('AUTH_REQUIRED', 'This sign-in was completed already');
        }
      }
    }
    const token = newToken();
    const expiresAt = await insertUserSession(trx, account.id, sha256Hex(token), 'password', now, PASSWORD_SESSION_MS);
    await recordAudit(trx, now, {
      actor: account.login,
      action: 'user.signin',
      target: account.login,
      detail: secondFactor === 'totp' ? 'Password and authenticator code' : secondFactor === 'recoveryCode' ? `Password and recovery code (${recoveryCodesLeft} left)` : 'Password',
    });
    return { session: { status: 'signed_in' as const, token, expiresAt, user: who, secondFactor, recoveryCodesLeft } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.session;
}

/**
 * Ends the caller's session, whichever kind: a user's password session (and its count on the
 * user's row), an administrator session, or an enrolment-only session.
 */
export async function accountSignout(ctx: ServiceContext, caller: AccountCaller): Promise<void> {
  const now = ctx.now();
  if (caller.scope === 'enrolment') {
    await ctx.db.deleteFrom('signin_pending').where('token_hash', '=', caller.tokenHash).execute();
    if (caller.account.kind === 'admin') {
      await recordAudit(ctx.db, now, { actor: caller.account.login, action: 'admin.signout', detail: 'Enrolment-only session' });
      return;
    }
  } else if (caller.account.kind === 'admin') {
    await ctx.db.deleteFrom('admin_sessions').where('token_hash', '=', caller.tokenHash).execute();
    await recordAudit(ctx.db, now, { actor: caller.account.login, action: 'admin.signout' });
    return;
  } else {
    const userId = caller.account.id;
    await ctx.db.transaction().execute(async (trx) => {
      await lockUser(trx, ctx.dialect, userId);
      const gone = await trx.deleteFrom('user_sessions').where('token_hash', '=', caller.tokenHash).executeTakeFirst();
      if (Number(gone.numDeletedRows) > 0) {
        await trx
          .updateTable('users')
          .set({ sessions_active: sql<number>`case when sessions_active > 0 then sessions_active - 1 else 0 end` })
          .where('id', '=', userId)
          .execute();
      }
    });
  }
  await recordAudit(ctx.db, now, { actor: caller.account.login, action: 'user.signout', target: caller.account.login });
}
