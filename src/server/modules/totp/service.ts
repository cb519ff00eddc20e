import { sql, type Kysely, type Selectable } from 'kysely';
import type { z } from 'zod';
import type {
  AccountTwoStepSchema,
  EnrolmentConfirmResultSchema,
  EnrolmentStartSchema,
  ResyncResultSchema,
  TwoStepState,
  UserTwoStepActionsResultSchema,
} from '../../../shared/api/totp';
import type { UserTwoStepActionSchema } from '../../../shared/api/totp';
import { GatepassError } from '../../../shared/errors';
import { qrSvgDocument } from '../../../shared/qr/matrix';
import type { AccountKind, Database, FactorKind, TotpFactorTable } from '../../db/schema';
import type { SecretBox } from '../../security/secret-box';
import { isoAfter, lockAccount, type AccountCaller, type AccountRef, type AdminCaller, type ServiceContext } from '../../context';
import { recordAudit, type AuditRecord } from '../audit/service';
import { consumeRecoveryCode, recoveryCodesLeft, recoveryCodeUsed, regenerateLocked, replaceRecoveryCodes } from '../recovery-codes/service';
import { factorsOf } from './factors';
import { TOTP_PERIOD_S, keyUri, matchStep, newTotpSecret, codeAt, stepOf, windowSteps } from './codes';
import { getTwoStepSettings, inGracePeriod } from './mandatory';

/** An enrolment not confirmed within 15 minutes expires (start again). */
export const ENROLMENT_MS = 15 * 60 * 1000;
/** Wrong codes in a row that are free; from then on each try waits longer. */
export const FREE_FAILURES = 10;
/** Wrong codes in a row after which only an administrator can let the account try again (NIST SP 800-63B §5.2.2). */
export const LOCK_AFTER_FAILURES = 100;
/** The longest wait between tries, so a user who fumbles is never made to wait for days. */
export const MAX_BACKOFF_S = 3600;
/** How far either side of the server's clock a resync looks for the app's two codes: 10 minutes. */
export const RESYNC_WINDOW_STEPS = 20;
/** Sessions started by a password sign-in (the portal, the API, the CLI) last a working day. */
export const PASSWORD_SESSION_MS = 12 * 60 * 60 * 1000;

/**
 * The wait after the n-th wrong code in a row: none for the first 9, then 1 s after the
 * 10th, doubling with every further one (2 s, 4 s, ...) up to an hour.
 */
export function backoffSeconds(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(2 ** (failures - FREE_FAILURES), MAX_BACKOFF_S);
}

/** The associated data a secret is sealed under: it opens only on its own account's (or device's) row. */
export function secretContext(kind: FactorKind, id: string): string {
  return `totp:${kind}:${id}`;
}

/** The secret box, or TWO_STEP_UNAVAILABLE when the server has no key (PostgreSQL without GATEPASS_SECRET_KEY). */
export function requireBox(ctx: ServiceContext): SecretBox {
  if (!ctx.secrets) {
    throw new GatepassError('TWO_STEP_UNAVAILABLE', 'Two-step verification needs a secret key on this server: set GATEPASS_SECRET_KEY (docs/two-step.md)');
  }
  return ctx.secrets;
}

function openSecret(ctx: ServiceContext, kind: FactorKind, id: string, sealed: string): string {
  return requireBox(ctx).open(sealed, secretContext(kind, id)).toString('utf8');
}

type FactorRow = Selectable<TotpFactorTable>;

/**
 * The account's factor rows, locked for the rest of the transaction on PostgreSQL (SQLite has
 * one writer), its own app's first, then its devices' by id: one order for every transaction.
 */
async function lockFactors(trx: Kysely<Database>, ctx: ServiceContext, kind: AccountKind, id: string): Promise<FactorRow[]> {
  const rows = await trx
    .selectFrom('totp_factors')
    .selectAll()
    .where(factorsOf(kind, id))
    .orderBy('kind')
    .orderBy('account_id')
    .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate())
    .execute();
  return [...rows.filter((r) => r.kind === kind), ...rows.filter((r) => r.kind !== kind)];
}

/** The account's count of wrong codes in a row and its wait: one count per account, kept on each of its factor rows alike (the highest wins). */
function attemptsOf(rows: readonly FactorRow[]): { failed: number; nextTryAt: string } {
  let failed = 0;
  let nextTryAt = '';
  for (const r of rows) {
    if (r.failed_count > failed) failed = r.failed_count;
    if (r.next_try_at > nextTryAt) nextTryAt = r.next_try_at;
  }
  return { failed, nextTryAt };
}

/** Sets the account's count and wait on every one of its factor rows (the caller holds their locks). */
async function setAttempts(trx: Kysely<Database>, rows: readonly FactorRow[], failed: number, nextTryAt: string): Promise<void> {
  for (const r of rows) {
    await trx.updateTable('totp_factors').set({ failed_count: failed, next_try_at: nextTryAt }).where('kind', '=', r.kind).where('account_id', '=', r.account_id).execute();
  }
}

/** True when the account has two-step verification on: its own authenticator app, or (a user) a provisioned device that is not revoked. */
export async function hasTwoStep(db: Kysely<Database>, kind: AccountKind, id: string): Promise<boolean> {
  const row = await db.selectFrom('totp_factors').select('kind').where(factorsOf(kind, id)).executeTakeFirst();
  return row !== undefined;
}

/**
 * Brings users.totp_enabled (what the list filters and sorts on, and what mandatory two-step
 * verification counts) back to the truth inside the caller's transaction: 1 while the user has
 * their own authenticator app or a provisioned device that is not revoked.
 */
export async function refreshTotpEnabled(trx: Kysely<Database>, userId: string, nowIso: string): Promise<void> {
  await trx
    .updateTable('users')
    .set({
      totp_enabled: sql<number>`case when exists (select 1 from totp_factors f where f.kind = 'user' and f.account_id = users.id)
        or exists (select 1 from totp_factors f inner join devices d on d.id = f.account_id
          where f.kind = 'device' and d.user_id = users.id and d.revoked_at is null) then 1 else 0 end`,
      updated_at: nowIso,
    })
    .where('id', '=', userId)
    .execute();
}

/** Who an audit entry is about: a user's login, or an administrator's marked as such. */
function targetOf(account: AccountRef): string {
  return account.kind === 'user' ? account.login : `admin ${account.login}`;
}

/** A second factor as given in a sign-in. */
export interface SecondFactorInput {
  otp?: string | undefined;
  recoveryCode?: string | undefined;
}

/** What a check decided; on refusal the state it changed (counts, audit) is still to be committed. */
export type FactorCheck =
  | { ok: true; method: 'totp' | 'recoveryCode'; recoveryCodesLeft: number }
  | { ok: false; error: GatepassError };

/**
 * Refusal before any code is looked at: locked after 100 wrong codes, or inside the wait of
 * the back-off. Null when a code may be checked now.
 */
function refusalBeforeCheck(rows: readonly FactorRow[], now: Date): GatepassError | null {
  const { failed, nextTryAt } = attemptsOf(rows);
  if (failed >= LOCK_AFTER_FAILURES) {
    return new GatepassError(
      'TOTP_LOCKED',
      `${LOCK_AFTER_FAILURES} wrong codes in a row: this account cannot try codes until an administrator lets it try again`,
      { failedAttempts: failed },
    );
  }
  if (nextTryAt !== '' && nextTryAt > now.toISOString()) {
    const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(nextTryAt) - now.getTime()) / 1000));
    return new GatepassError('RATE_LIMITED', `Too many wrong codes: wait ${retryAfterSeconds} s before the next try`, {
      retryAfterSeconds,
      failedAttempts: failed,
    });
  }
  return null;
}

/** Counts one more wrong code for the account (on each of its factor rows) and sets the wait it earns; returns the refusal to answer with. */
async function recordFailure(trx: Kysely<Database>, rows: readonly FactorRow[], now: Date, code: 'TOTP_CODE_INVALID' | 'RECOVERY_CODE_INVALID', what: string): Promise<GatepassError> {
  const failures = attemptsOf(rows).failed + 1;
  const wait = backoffSeconds(failures);
  await setAttempts(trx, rows, failures, wait > 0 ? isoAfter(now, wait * 1000) : '');
  const then =
    failures >= LOCK_AFTER_FAILURES
      ? ` That was the ${LOCK_AFTER_FAILURES}th wrong code in a row: an administrator must now let this account try again.`
      : wait > 0
        ? ` Wait ${wait} s before the next try.`
        : '';
  return new GatepassError(code, `${what}.${then}`, {
    failedAttempts: failures,
    ...(wait > 0 && failures < LOCK_AFTER_FAILURES ? { retryAfterSeconds: wait } : {}),
    ...(failures >= LOCK_AFTER_FAILURES ? { locked: true } : {}),
  });
}

/**
 * Checks a second factor inside the caller's transaction, after the caller locked the
 * account's row (lockAccount) and only after the password was found right, so nobody
 * without the password can run up the account's count of wrong codes.
 *
 * Exactly once is decided by the database: the factor row is locked (PostgreSQL FOR UPDATE;
 * SQLite has one writer) and a step is accepted by a conditional update
 * (`last_used_step < step`), a recovery code by one (`used_at is null`), so of parallel
 * copies of one code, on any replica, one succeeds. A code of a step already used is a
 * replay: refused, audited, and not counted as a wrong code (it was right once). Every
 * check is audited; the code never is.
 */
export async function checkSecondFactor(trx: Kysely<Database>, ctx: ServiceContext, account: AccountRef, factor: SecondFactorInput): Promise<FactorCheck> {
  const now = ctx.now();
  const target = targetOf(account);
  const audit = (rec: Omit<AuditRecord, 'actor' | 'target'>) => recordAudit(trx, now, { actor: account.login, target, ...rec });
  const rows = await lockFactors(trx, ctx, account.kind, account.id);
  if (rows.length === 0) return { ok: false, error: new GatepassError('TOTP_NOT_ENABLED', 'This account has no two-step verification') };
  const { failed } = attemptsOf(rows);
  const refused = refusalBeforeCheck(rows, now);
  const what = factor.recoveryCode !== undefined ? 'recovery code' : 'code';
  if (refused) {
    await audit({ action: 'totp.verify_refused', detail: `${what} not checked: ${refused.code === 'TOTP_LOCKED' ? 'locked after 100 wrong codes' : 'inside the back-off wait'}` });
    return { ok: false, error: refused };
  }

  if (factor.recoveryCode !== undefined) {
    if (await consumeRecoveryCode(trx, account.kind, account.id, factor.recoveryCode, now)) {
      await setAttempts(trx, rows, 0, '');
      const left = await recoveryCodesLeft(trx, account.kind, account.id);
      await audit({ action: 'recovery.use', detail: `Recovery code accepted; ${left} left` });
      return { ok: true, method: 'recoveryCode', recoveryCodesLeft: left };
    }
    if (await recoveryCodeUsed(trx, account.kind, account.id, factor.recoveryCode)) {
      // Like a replayed TOTP code: right once, so not a guess, and not counted as one.
      await audit({ action: 'recovery.use_failed', detail: 'Recovery code used already' });
      return { ok: false, error: new GatepassError('RECOVERY_CODE_INVALID', 'That recovery code was used already: each works once') };
    }
    const error = await recordFailure(trx, rows, now, 'RECOVERY_CODE_INVALID', 'That recovery code is wrong');
    await audit({ action: 'recovery.use_failed', detail: `Wrong recovery code (${failed + 1} wrong in a row)` });
    return { ok: false, error };
  }

  // Each factor (the app, each provisioned device) has its own secret, drift and last step:
  // a code is the app's or one device's, and each step of each is accepted once.
  const otp = factor.otp ?? '';
  let replayed = false;
  for (const row of rows) {
    const secret = openSecret(ctx, row.kind, row.account_id, row.secret_enc);
    const step = await matchStep(secret, otp, windowSteps(now, row.drift_steps));
    if (step === null) continue;
    if (step > row.last_used_step) {
      const res = await trx
        .updateTable('totp_factors')
        .set({ last_used_step: step, last_used_at: now.toISOString() })
        .where('kind', '=', row.kind)
        .where('account_id', '=', row.account_id)
        .where('last_used_step', '<', step)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        await setAttempts(trx, rows, 0, '');
        const left = await recoveryCodesLeft(trx, account.kind, account.id);
        const offset = step - stepOf(now) - row.drift_steps;
        const from = row.kind === 'device' ? await usedDevice(trx, row.account_id, now) : '';
        await audit({ action: 'totp.verify', detail: `Code accepted${from} (step ${offset >= 0 ? '+' : ''}${offset} from the expected one)` });
        return { ok: true, method: 'totp', recoveryCodesLeft: left };
      }
    }
    replayed = true;
  }
  if (replayed) {
    await audit({ action: 'totp.verify_failed', detail: 'Replayed code: its time step was already used' });
    return { ok: false, error: new GatepassError('TOTP_CODE_REPLAYED', 'That code was used already: wait for the next code in your app') };
  }
  const error = await recordFailure(trx, rows, now, 'TOTP_CODE_INVALID', 'Wrong code');
  await audit({ action: 'totp.verify_failed', detail: `Wrong code (${failed + 1} wrong in a row)` });
  return { ok: false, error };
}

/** Marks a provisioned device used (its code was accepted) and names it for the audit entry. */
async function usedDevice(trx: Kysely<Database>, deviceId: string, now: Date): Promise<string> {
  await trx.updateTable('devices').set({ last_used_at: now.toISOString() }).where('id', '=', deviceId).execute();
  const d = await trx.selectFrom('devices').select('name').where('id', '=', deviceId).executeTakeFirst();
  return ` from provisioned device ${JSON.stringify(d?.name ?? '')} (${deviceId})`;
}

/** What a password sign-in needs next, once the password was right. */
export type SigninGate =
  | { next: 'session' }
  | { next: 'second_factor' }
  | { next: 'enrolment'; graceEndsAt: string }
  | { next: 'refused'; error: GatepassError };

/**
 * After a right password: a second factor when the account has one; otherwise, when two-step
 * verification is mandatory, enrolment during the grace period and a refusal after it.
 */
export async function signinGate(ctx: ServiceContext, kind: AccountKind, id: string): Promise<SigninGate> {
  if (await hasTwoStep(ctx.db, kind, id)) return { next: 'second_factor' };
  const settings = await getTwoStepSettings(ctx.db);
  if (!settings.mandatory) return { next: 'session' };
  if (inGracePeriod(settings, ctx.now()) && settings.graceEndsAt) return { next: 'enrolment', graceEndsAt: settings.graceEndsAt };
  return {
    next: 'refused',
    error: new GatepassError(
      'TOTP_ENROLMENT_REQUIRED',
      'This server requires two-step verification and this account has none: ask an administrator to let you enrol (a grace period), then set it up',
    ),
  };
}

/** An account's state for the console and the portal: never a secret or a code. */
export async function twoStepState(ctx: ServiceContext, kind: AccountKind, id: string, db: Kysely<Database> = ctx.db): Promise<TwoStepState> {
  const nowIso = ctx.now().toISOString();
  const [rows, enrolment, left] = await Promise.all([
    db.selectFrom('totp_factors').selectAll().where(factorsOf(kind, id)).execute(),
    db.selectFrom('totp_enrolments').select('expires_at').where('kind', '=', kind).where('account_id', '=', id).where('expires_at', '>', nowIso).executeTakeFirst(),
    recoveryCodesLeft(db, kind, id),
  ]);
  const own = rows.find((r) => r.kind === kind);
  const { failed, nextTryAt } = attemptsOf(rows);
  const lastUsedAt = rows.reduce<string | null>((m, r) => (r.last_used_at !== null && (m === null || r.last_used_at > m) ? r.last_used_at : m), null);
  return {
    enabled: rows.length > 0,
    enrolledAt: own?.confirmed_at ?? null,
    lastUsedAt,
    driftSteps: own?.drift_steps ?? 0,
    failedAttempts: failed,
    nextTryAt: nextTryAt > nowIso ? nextTryAt : null,
    locked: failed >= LOCK_AFTER_FAILURES,
    recoveryCodesLeft: rows.length > 0 ? left : 0,
    enrolmentPendingUntil: enrolment?.expires_at ?? null,
    devices: rows.filter((r) => r.kind === 'device').length,
  };
}

/** GET /api/v1/account/2fa. */
export async function accountTwoStep(ctx: ServiceContext, caller: AccountCaller): Promise<z.output<typeof AccountTwoStepSchema>> {
  const [state, settings] = await Promise.all([twoStepState(ctx, caller.account.kind, caller.account.id), getTwoStepSettings(ctx.db)]);
  return { ...state, kind: caller.account.kind, login: caller.account.login, scope: caller.scope, mandatory: settings.mandatory, graceEndsAt: settings.graceEndsAt };
}

/**
 * Starts (or restarts) an enrolment: a new 160-bit secret, sealed and kept as pending for
 * 15 minutes, and what an authenticator app needs: the key URI, its QR code (rendered by the
 * server with the shared encoder) and the secret as text. An account that already has
 * two-step verification may enrol a new app; the old one keeps working until the new one
 * is confirmed.
 */
export async function startEnrolment(ctx: ServiceContext, caller: AccountCaller): Promise<z.output<typeof EnrolmentStartSchema>> {
  const box = requireBox(ctx);
  const { kind, id, login } = caller.account;
  const secret = newTotpSecret();
  const now = ctx.now();
  const expiresAt = isoAfter(now, ENROLMENT_MS);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await lockAccount(trx, ctx.dialect, kind, id))) throw new GatepassError('NOT_FOUND', 'This account no longer exists');
    await trx.deleteFrom('totp_enrolments').where('kind', '=', kind).where('account_id', '=', id).execute();
    await trx
      .insertInto('totp_enrolments')
      .values({ kind, account_id: id, secret_enc: box.seal(Buffer.from(secret, 'utf8'), secretContext(kind, id)), started_at: now.toISOString(), expires_at: expiresAt })
      .execute();
    await recordAudit(trx, now, { actor: login, action: 'totp.enrol_start', target: targetOf(caller.account), detail: `Enrolment started, expires ${expiresAt}` });
  });
  return enrolmentAnswer(ctx, login, secret, expiresAt);
}

/** What an authenticator app needs for a secret: the key URI, its QR code and the secret as text. */
function enrolmentAnswer(ctx: ServiceContext, login: string, secret: string, expiresAt: string): z.output<typeof EnrolmentStartSchema> {
  const issuer = ctx.serverName;
  const otpauthUri = keyUri(issuer, login, secret);
  return {
    otpauthUri,
    secret,
    qrSvg: qrSvgDocument(otpauthUri, { label: 'QR code for your authenticator app' }),
    issuer,
    accountName: login,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    expiresAt,
  };
}

/**
 * The caller's enrolment that was started and not confirmed, as {@link startEnrolment}
 * answered it, or null when there is none or it expired. The portal shows it again after a
 * wrong code or a reload (POST-redirect-GET), so the app the user already scanned stays right.
 */
export async function pendingEnrolment(ctx: ServiceContext, caller: AccountCaller): Promise<z.output<typeof EnrolmentStartSchema> | null> {
  const { kind, id, login } = caller.account;
  const row = await ctx.db
    .selectFrom('totp_enrolments')
    .select(['secret_enc', 'expires_at'])
    .where('kind', '=', kind)
    .where('account_id', '=', id)
    .where('expires_at', '>', ctx.now().toISOString())
    .executeTakeFirst();
  if (!row) return null;
  return enrolmentAnswer(ctx, login, openSecret(ctx, kind, id, row.secret_enc), row.expires_at);
}

/** DELETE /api/v1/account/2fa/enrolment. */
export async function cancelEnrolment(ctx: ServiceContext, caller: AccountCaller): Promise<void> {
  const { kind, id, login } = caller.account;
  const res = await ctx.db.deleteFrom('totp_enrolments').where('kind', '=', kind).where('account_id', '=', id).executeTakeFirst();
  if (Number(res.numDeletedRows) > 0) await recordAudit(ctx.db, ctx.now(), { actor: login, action: 'totp.enrol_cancel', target: targetOf(caller.account) });
}

/**
 * Confirms an enrolment with one code of the new secret: the factor replaces any earlier
 * one, the code's step counts as used (it cannot sign in a second time), 8 recovery codes
 * replace any earlier ones, users.totp_enabled is set in the same transaction, and an
 * enrolment-only session becomes a full session.
 */
export async function confirmEnrolment(ctx: ServiceContext, caller: AccountCaller, code: string): Promise<z.output<typeof EnrolmentConfirmResultSchema>> {
  const { kind, id, login } = caller.account;
  const target = targetOf(caller.account);
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const nowIso = now.toISOString();
    if (!(await lockAccount(trx, ctx.dialect, kind, id))) throw new GatepassError('NOT_FOUND', 'This account no longer exists');
    const enrolment = await trx.selectFrom('totp_enrolments').selectAll().where('kind', '=', kind).where('account_id', '=', id).executeTakeFirst();
    if (!enrolment || enrolment.expires_at <= nowIso) {
      if (enrolment) await trx.deleteFrom('totp_enrolments').where('kind', '=', kind).where('account_id', '=', id).execute();
      return {
        error: new GatepassError(
          'TOTP_ENROLMENT_EXPIRED',
          enrolment ? 'The enrolment expired before it was confirmed: start again and scan the new code' : 'No enrolment was started: start one first',
        ),
      };
    }
    const secret = openSecret(ctx, kind, id, enrolment.secret_enc);
    const step = await matchStep(secret, code, windowSteps(now, 0));
    if (step === null) {
      await recordAudit(trx, now, { actor: login, action: 'totp.enrol_failed', target, detail: 'Wrong code for the new secret' });
      return { error: new GatepassError('TOTP_CODE_INVALID', "That code does not match the new secret: check the app's clock and try the code it shows now") };
    }
    const replaced = await trx.deleteFrom('totp_factors').where('kind', '=', kind).where('account_id', '=', id).executeTakeFirst();
    await trx
      .insertInto('totp_factors')
      .values({ kind, account_id: id, secret_enc: enrolment.secret_enc, confirmed_at: nowIso, last_used_step: step, last_used_at: nowIso })
      .execute();
    await trx.deleteFrom('totp_enrolments').where('kind', '=', kind).where('account_id', '=', id).execute();
    if (kind === 'user') await trx.updateTable('users').set({ totp_enabled: 1, updated_at: nowIso }).where('id', '=', id).execute();
    const recoveryCodes = await replaceRecoveryCodes(trx, kind, id, now);
    if (caller.scope === 'enrolment') await upgradeEnrolmentSession(trx, caller, now);
    await recordAudit(trx, now, {
      actor: login,
      action: 'totp.enrol_confirm',
      target,
      detail: Number(replaced.numDeletedRows) > 0 ? 'Two-step verification on (a new app replaced the earlier one)' : 'Two-step verification on',
    });
    await recordAudit(trx, now, { actor: login, action: 'recovery.generate', target, detail: `${recoveryCodes.length} recovery codes made at enrolment` });
    return { recoveryCodes, generatedAt: nowIso };
  });
  if ('error' in outcome) throw outcome.error;
  return { enabled: true, recoveryCodes: outcome.recoveryCodes, generatedAt: outcome.generatedAt, scope: 'full' };
}

/** The enrolment-only token becomes a full session of its account, with the same token. */
async function upgradeEnrolmentSession(trx: Kysely<Database>, caller: AccountCaller, now: Date): Promise<void> {
  const gone = await trx.deleteFrom('signin_pending').where('token_hash', '=', caller.tokenHash).where('purpose', '=', 'enrolment').executeTakeFirst();
  if (Number(gone.numDeletedRows) !== 1) return;
  const nowIso = now.toISOString();
  const expiresAt = isoAfter(now, PASSWORD_SESSION_MS);
  if (caller.account.kind === 'admin') {
    await trx.insertInto('admin_sessions').values({ token_hash: caller.tokenHash, admin_id: caller.account.id, created_at: nowIso, expires_at: expiresAt }).execute();
  } else {
    await insertUserSession(trx, caller.account.id, caller.tokenHash, 'password', now, PASSWORD_SESSION_MS);
  }
}

/** Inserts a user session (the token's hash) and counts it on the user's row (the list's Sessions column). */
export async function insertUserSession(
  trx: Kysely<Database>,
  userId: string,
  tokenHash: string,
  method: 'qr' | 'password' | 'device',
  now: Date,
  ms: number,
  deviceId: string | null = null,
): Promise<string> {
  const expiresAt = isoAfter(now, ms);
  await trx.insertInto('user_sessions').values({ token_hash: tokenHash, user_id: userId, created_at: now.toISOString(), expires_at: expiresAt, method, device_id: deviceId }).execute();
  await trx
    .updateTable('users')
    .set((eb) => ({ sessions_active: eb('sessions_active', '+', 1) }))
    .where('id', '=', userId)
    .execute();
  return expiresAt;
}

/** The step s within 10 minutes of `centre` whose code is code1 and whose next is code2 (the pair nearest the centre), or null. */
async function consecutivePair(secret: string, centre: number, code1: string, code2: string): Promise<number | null> {
  const codes = new Map<number, string>();
  for (let s = centre - RESYNC_WINDOW_STEPS; s <= centre + RESYNC_WINDOW_STEPS; s++) codes.set(s, await codeAt(secret, s));
  let found: number | null = null;
  for (let s = centre - RESYNC_WINDOW_STEPS; s < centre + RESYNC_WINDOW_STEPS; s++) {
    if (codes.get(s) === code1 && codes.get(s + 1) === code2 && (found === null || Math.abs(s + 1 - centre) < Math.abs(found + 1 - centre))) found = s;
  }
  return found;
}

/**
 * Finds the app's clock drift from two consecutive codes: the pair of steps (s, s+1) within
 * 10 minutes either side of the server's clock whose codes they are. The drift is stored and
 * applied to every check from then on. A pair at or before the last step used is a replay;
 * codes that are not of consecutive steps are refused.
 */
async function resync(
  ctx: ServiceContext,
  actor: string,
  account: AccountRef,
  code1: string,
  code2: string,
  selfService: boolean,
): Promise<z.output<typeof ResyncResultSchema>> {
  const target = targetOf(account);
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<{ error: GatepassError } | { drift: number }> => {
    const now = ctx.now();
    if (!(await lockAccount(trx, ctx.dialect, account.kind, account.id))) return { error: new GatepassError('NOT_FOUND', 'No such account') };
    const rows = await lockFactors(trx, ctx, account.kind, account.id);
    if (rows.length === 0) return { error: new GatepassError('TOTP_NOT_ENABLED', `${account.login} has no two-step verification to resync`) };
    if (selfService) {
      const refused = refusalBeforeCheck(rows, now);
      if (refused) return { error: refused };
    }
    // The two codes are the app's or one provisioned device's: the first factor they fit is resynced.
    const centre = stepOf(now);
    let found: number | null = null;
    let row: FactorRow | undefined;
    for (const candidate of rows) {
      found = await consecutivePair(openSecret(ctx, candidate.kind, candidate.account_id, candidate.secret_enc), centre, code1, code2);
      if (found !== null) {
        row = candidate;
        break;
      }
    }
    if (found === null || !row) {
      const error = selfService
        ? await recordFailure(trx, rows, now, 'TOTP_CODE_INVALID', 'These are not two consecutive codes of this app within 10 minutes of the server\'s clock')
        : new GatepassError('TOTP_CODE_INVALID', "These are not two consecutive codes of this user's app within 10 minutes of the server's clock");
      await recordAudit(trx, now, { actor, action: 'totp.resync_failed', target, detail: 'Not two consecutive codes within 10 minutes' });
      return { error };
    }
    const drift = found + 1 - centre;
    const res = await trx
      .updateTable('totp_factors')
      .set({ drift_steps: drift, last_used_step: found + 1, last_used_at: now.toISOString() })
      .where('kind', '=', row.kind)
      .where('account_id', '=', row.account_id)
      .where('last_used_step', '<', found)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) {
      await recordAudit(trx, now, { actor, action: 'totp.resync_failed', target, detail: 'Replayed codes: their time steps were already used' });
      return { error: new GatepassError('TOTP_CODE_REPLAYED', 'These codes were used already: wait for two new codes in the app') };
    }
    await setAttempts(trx, rows, 0, '');
    const which = row.kind === 'device' ? ` of provisioned device ${row.account_id}` : '';
    await recordAudit(trx, now, { actor, action: 'totp.resync', target, detail: `Drift${which} ${drift >= 0 ? '+' : ''}${drift} step(s) (${drift * TOTP_PERIOD_S} s), was ${row.drift_steps}` });
    return { drift };
  });
  if ('error' in outcome) throw outcome.error;
  return { driftSteps: outcome.drift, driftSeconds: outcome.drift * TOTP_PERIOD_S };
}

/** POST /api/v1/account/2fa/resync. */
export function resyncOwn(ctx: ServiceContext, caller: AccountCaller, code1: string, code2: string): Promise<z.output<typeof ResyncResultSchema>> {
  return resync(ctx, caller.account.login, caller.account, code1, code2, true);
}

async function userRef(ctx: ServiceContext, userId: string): Promise<AccountRef> {
  const u = await ctx.db.selectFrom('users').select('login').where('id', '=', userId).executeTakeFirst();
  if (!u) throw new GatepassError('NOT_FOUND', 'No such user');
  return { kind: 'user', id: userId, login: u.login };
}

/** POST /api/v1/users/:id/2fa/resync: an administrator, with two codes the user reads out. */
export async function resyncUser(ctx: ServiceContext, caller: AdminCaller, userId: string, code1: string, code2: string): Promise<z.output<typeof ResyncResultSchema>> {
  return resync(ctx, caller.login, await userRef(ctx, userId), code1, code2, false);
}

/** GET /api/v1/users/:id/2fa. */
export async function userTwoStep(ctx: ServiceContext, userId: string): Promise<TwoStepState> {
  await userRef(ctx, userId);
  return twoStepState(ctx, 'user', userId);
}

/**
 * Removes a user's two-step verification inside the caller's transaction: the factor, any
 * pending enrolment or second step, the recovery codes, and users.totp_enabled. Returns
 * whether there was one.
 */
async function removeLocked(trx: Kysely<Database>, userId: string, nowIso: string): Promise<boolean> {
  const res = await trx.deleteFrom('totp_factors').where('kind', '=', 'user').where('account_id', '=', userId).executeTakeFirst();
  await trx.deleteFrom('totp_enrolments').where('kind', '=', 'user').where('account_id', '=', userId).execute();
  await trx.deleteFrom('recovery_codes').where('kind', '=', 'user').where('account_id', '=', userId).execute();
  await trx.deleteFrom('signin_pending').where('kind', '=', 'user').where('account_id', '=', userId).where('purpose', '=', 'second_factor').execute();
  const removed = Number(res.numDeletedRows) > 0;
  // Provisioned devices stay (they are revoked on their own), and keep two-step verification on while any is left.
  if (removed) await refreshTotpEnabled(trx, userId, nowIso);
  return removed;
}

/** Deletes every two-step row of a user who is being deleted (no foreign key reaches these tables); inside the delete's transaction. */
export async function deleteTwoStepRows(trx: Kysely<Database>, userId: string): Promise<void> {
  for (const table of ['totp_factors', 'totp_enrolments', 'recovery_codes', 'signin_pending'] as const) {
    await trx.deleteFrom(table).where('kind', '=', 'user').where('account_id', '=', userId).execute();
  }
}

type ActionResult = z.output<typeof UserTwoStepActionsResultSchema>['results'][number];
type TwoStepAction = z.output<typeof UserTwoStepActionSchema>;

/**
 * One administrator action on a user's two-step verification, in a transaction of its own,
 * audited: remove it, regenerate the recovery codes (returned once), or reset the count of
 * wrong codes (the only way out of the lock after 100). Throws NOT_FOUND or TOTP_NOT_ENABLED.
 */
export async function runUserTwoStepAction(ctx: ServiceContext, caller: AdminCaller, action: TwoStepAction, userId: string): Promise<ActionResult> {
  return ctx.db.transaction().execute(async (trx): Promise<ActionResult> => {
    if (action === 'regenerateRecoveryCodes') {
      const res = await regenerateLocked(trx, ctx, caller.login, 'user', userId);
      const login = (await trx.selectFrom('users').select('login').where('id', '=', userId).executeTakeFirstOrThrow()).login;
      return { userId, login, ok: true, changed: true, recoveryCodes: res.recoveryCodes };
    }
    const user = await lockAccount(trx, ctx.dialect, 'user', userId);
    if (!user) throw new GatepassError('NOT_FOUND', 'No such user');
    const now = ctx.now();
    if (action === 'remove') {
      const removed = await removeLocked(trx, userId, now.toISOString());
      await recordAudit(trx, now, {
        actor: caller.login,
        action: 'totp.remove',
        target: user.login,
        detail: removed ? 'Two-step verification and recovery codes removed' : 'Had no two-step verification',
      });
      return { userId, login: user.login, ok: true, changed: removed };
    }
    const res = await trx
      .updateTable('totp_factors')
      .set({ failed_count: 0, next_try_at: '' })
      .where(factorsOf('user', userId))
      .where((eb) => eb.or([eb('failed_count', '>', 0), eb('next_try_at', '<>', '')]))
      .executeTakeFirst();
    const changed = Number(res.numUpdatedRows) > 0;
    await recordAudit(trx, now, { actor: caller.login, action: 'totp.reset_attempts', target: user.login, detail: changed ? 'Wrong-code count and wait cleared' : 'Nothing to reset' });
    return { userId, login: user.login, ok: true, changed };
  });
}

/** POST /api/v1/users/2fa-actions: each user on their own; a refusal is that user's result, not the batch's. */
export async function userTwoStepActions(
  ctx: ServiceContext,
  caller: AdminCaller,
  action: TwoStepAction,
  userIds: readonly string[],
): Promise<z.output<typeof UserTwoStepActionsResultSchema>> {
  const results: ActionResult[] = [];
  for (const userId of new Set(userIds)) {
    try {
      results.push(await runUserTwoStepAction(ctx, caller, action, userId));
    } catch (err) {
      if (!(err instanceof GatepassError)) throw err;
      const login = (await ctx.db.selectFrom('users').select('login').where('id', '=', userId).executeTakeFirst())?.login ?? null;
      results.push({ userId, login, ok: false, changed: false, code: err.code, message: err.message });
    }
  }
  return { results };
}

/**
 * Deletes expired enrolments and pending sign-ins, and old failed user sign-ins; idempotent,
 * so every replica may run it.
 */
export async function sweepTwoStep(ctx: ServiceContext): Promise<void> {
  const nowIso = ctx.now().toISOString();
  await ctx.db.deleteFrom('totp_enrolments').where('expires_at', '<=', nowIso).execute();
  await ctx.db.deleteFrom('signin_pending').where('expires_at', '<=', nowIso).execute();
}

/**
 * Re-seals every stored secret that names a key other than the current one (after a key
 * rotation), a page at a time; idempotent, so replicas may race through it. Returns how
 * many it re-sealed and how many name a key this server does not have.
 */
export async function resealSecrets(ctx: ServiceContext): Promise<{ resealed: number; unreadable: number }> {
  const box = ctx.secrets;
  if (!box) return { resealed: 0, unreadable: 0 };
  let resealed = 0;
  let unreadable = 0;
  const prefix = `gp1.${box.currentKeyId}.`;
  for (const table of ['totp_factors', 'totp_enrolments'] as const) {
    const rows = await ctx.db.selectFrom(table).select(['kind', 'account_id', 'secret_enc']).where('secret_enc', 'not like', `${prefix}%`).execute();
    for (const r of rows) {
      const kid = box.keyIdOf(r.secret_enc);
      if (!kid || !box.keyIds.includes(kid)) {
        unreadable++;
        continue;
      }
      const plain = box.open(r.secret_enc, secretContext(r.kind, r.account_id));
      await ctx.db
        .updateTable(table)
        .set({ secret_enc: box.seal(plain, secretContext(r.kind, r.account_id)) })
        .where('kind', '=', r.kind)
        .where('account_id', '=', r.account_id)
        .where('secret_enc', '=', r.secret_enc)
        .execute();
      resealed++;
    }
  }
  return { resealed, unreadable };
}

/**
 * The server operator's way back in for an administrator (`gatepass admin 2fa`), with access
 * to the database itself, which is more than any administrator has: `resetAttempts` after 100
 * wrong codes, or `remove` when the app and every recovery code are lost. Audited with the
 * operator as actor. Returns false when there is no such administrator or nothing to change.
 */
export async function operatorAdminTwoStep(db: Kysely<Database>, dialect: ServiceContext['dialect'], login: string, action: 'remove' | 'resetAttempts', now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const admin = await trx.selectFrom('admins').select(['id', 'login']).where('login', '=', login).executeTakeFirst();
    if (!admin || !(await lockAccount(trx, dialect, 'admin', admin.id))) return false;
    let changed: boolean;
    if (action === 'remove') {
      const res = await trx.deleteFrom('totp_factors').where('kind', '=', 'admin').where('account_id', '=', admin.id).executeTakeFirst();
      for (const table of ['totp_enrolments', 'recovery_codes', 'signin_pending'] as const) {
        await trx.deleteFrom(table).where('kind', '=', 'admin').where('account_id', '=', admin.id).execute();
      }
      changed = Number(res.numDeletedRows) > 0;
    } else {
      const res = await trx.updateTable('totp_factors').set({ failed_count: 0, next_try_at: '' }).where('kind', '=', 'admin').where('account_id', '=', admin.id).executeTakeFirst();
      changed = Number(res.numUpdatedRows) > 0;
    }
    await recordAudit(trx, now, {
      actor: 'server operator',
      action: action === 'remove' ? 'totp.remove' : 'totp.reset_attempts',
      target: `admin ${admin.login}`,
      detail: `${action === 'remove' ? 'Two-step verification removed' : 'Wrong-code count and wait cleared'} with gatepass admin 2fa on the database${changed ? '' : ' (nothing to change)'}`,
    });
    return changed;
  });
}
