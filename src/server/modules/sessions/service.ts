import { attemptSucceeded, reserveAttempt } from '../../security/signin-throttle';
import type { z } from 'zod';
import type { UserSessionSchema } from '../../../shared/api/sessions';
import { GatepassError } from '../../../shared/errors';
import { digestsEqual, newToken, parseCredential, sha256Hex } from '../../security/tokens';
import { lockUser, type AccountCaller, type ServiceContext, type UserCaller } from '../../context';
import { authenticateAdmin } from '../admins/service';
import { recordAudit } from '../audit/service';
import { getTwoStepSettings } from '../totp/mandatory';
import { insertUserSession } from '../totp/service';

/** Device (user) sessions started by a QR sign-in last 30 days. */
export const USER_SESSION_MS = 30 * 24 * 60 * 60 * 1000;

const INVALID = () => new GatepassError('QR_CREDENTIAL_INVALID', 'This sign-in code is not valid');

/**
 * Device sign-in with a QR credential. Every failure (malformed, unknown id, wrong secret,
 * wrong login, voided, expired, user disabled) gives the same answer, so the endpoint is no
 * oracle; the audit log tells the administrator which it was (never the secret).
 */
export async function qrSignin(ctx: ServiceContext, login: string, credential: string): Promise<z.output<typeof UserSessionSchema>> {
  // Device credentials are one factor (having the card or file): refused outright, before the
  // credential is looked at, when the administrator asked for that while 2FA is mandatory.
  const twoStep = await getTwoStepSettings(ctx.db);
  if (twoStep.mandatory && twoStep.refuseDeviceCredentials) {
    const who = login.trim().slice(0, 128) || '(empty)';
    await recordAudit(ctx.db, ctx.now(), { actor: who, action: 'device.signin_refused', target: who, detail: 'QR cards and .usr files are refused while two-step verification is mandatory' });
    throw new GatepassError(
      'DEVICE_SIGNIN_REFUSED',
      'This server requires two-step verification and does not accept QR cards or device files: sign in with your password and authenticator code',
    );
  }
  // Limited like password sign-ins (signin-throttle.ts): a credential is too long to guess, but
  // a stream of failures from one source is still slowed, and every failure audited.
  const attempt = { scope: 'qr' as const, login: login.trim() };
  const reservation = await reserveAttempt(ctx, attempt);
  const parsed = parseCredential(credential);
  // Hash even for malformed input so the cheap path is not measurably cheaper.
  const givenHash = sha256Hex(parsed?.secret ?? credential);
  const refuse = async (why: string): Promise<never> => {
    const who = login.trim().slice(0, 128) || '(empty)';
    await recordAudit(ctx.db, ctx.now(), { actor: who, action: 'device.signin_failed', target: who, detail: parsed ? `${why} (credential ${parsed.id})` : why });
    throw INVALID();
  };
  if (!parsed) return refuse('Not a sign-in credential');
  // Whose credential this claims to be, read without a lock, so the user's row can be locked
  // first: every writer locks user -> credential (lockUser), so none can deadlock with us.
  const owner = await ctx.db.selectFrom('qr_credentials').select('user_id').where('id', '=', parsed.id).executeTakeFirst();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const nowIso = now.toISOString();
    if (owner) await lockUser(trx, ctx.dialect, owner.user_id);
    // FOR UPDATE on PostgreSQL: a concurrent re-issue waits for us (or we for it), so a
    // session can never outlive the voiding of the credential that created it.
    const row = await trx
      .selectFrom('qr_credentials as q')
      .innerJoin('users as u', 'u.id', 'q.user_id')
      .select(['q.secret_hash', 'q.login as issued_login', 'q.expires_at', 'q.voided_at', 'u.id', 'u.login', 'u.login_key', 'u.display_name', 'u.disabled_at'])
      .where('q.id', '=', parsed.id)
      .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate('q'))
      .executeTakeFirst();
    const secretOk = digestsEqual(givenHash, row?.secret_hash ?? sha256Hex(''));
    const why = !row
      ? 'Unknown credential'
      : !secretOk
        ? 'Wrong secret'
        : row.voided_at !== null
          ? 'Credential voided'
          : row.expires_at !== null && row.expires_at <= nowIso
            ? 'Credential expired'
            : row.login_key !== login.trim().toLowerCase() || row.issued_login !== row.login
              ? 'Login does not match the credential'
              : row.disabled_at !== ''
                ? 'User disabled'
                : null;
    if (why || !row) return { refused: why ?? 'Unknown credential' } as const;
    const token = newToken();
    const expiresAt = await insertUserSession(trx, row.id, sha256Hex(token), 'qr', now, USER_SESSION_MS);
    await recordAudit(trx, now, { actor: row.login, action: 'device.signin', target: row.login, detail: `Credential ${parsed.id}` });
    return { session: { token, expiresAt, user: { id: row.id, login: row.login, displayName: row.display_name } } } as const;
  });
  if (outcome.refused !== undefined) return refuse(outcome.refused);
  await attemptSucceeded(ctx, reservation);
  return outcome.session;
}

/** The user behind a device session token, or null when it is unknown, ended or expired. */
export async function authenticateUser(ctx: ServiceContext, token: string): Promise<UserCaller | null> {
  const tokenHash = sha256Hex(token);
  const row = await ctx.db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.login', 'u.display_name'])
    .where('s.token_hash', '=', tokenHash)
    .where('u.disabled_at', '=', '')
    .where('s.expires_at', '>', ctx.now().toISOString())
    .executeTakeFirst();
  return row ? { kind: 'user', userId: row.id, login: row.login, displayName: row.display_name, tokenHash } : null;
}

/**
 * The account behind a bearer token, for the account/2fa routes: an administrator session, a
 * user session started by a password sign-in (a QR card's device session may not change the
 * account's second factor), or, when `allowEnrolment`, an enrolment-only session.
 */
export async function authenticateAccount(ctx: ServiceContext, token: string, allowEnrolment: boolean): Promise<AccountCaller | null> {
  const tokenHash = sha256Hex(token);
  const nowIso = ctx.now().toISOString();
  const admin = await authenticateAdmin(ctx, token);
  if (admin) return { kind: 'account', account: { kind: 'admin', id: admin.adminId, login: admin.login }, displayName: admin.login, scope: 'full', tokenHash };
  const user = await ctx.db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.login', 'u.display_name'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.method', '=', 'password')
    .where('u.disabled_at', '=', '')
    .where('s.expires_at', '>', nowIso)
    .executeTakeFirst();
  if (user) return { kind: 'account', account: { kind: 'user', id: user.id, login: user.login }, displayName: user.display_name, scope: 'full', tokenHash };
  if (!allowEnrolment) return null;
  const pending = await enrolmentOnly(ctx, tokenHash);
  return pending ? { kind: 'account', account: { kind: pending.kind, id: pending.id, login: pending.login }, displayName: pending.displayName, scope: 'enrolment', tokenHash } : null;
}

/** The account of a live enrolment-only session, or null. */
export async function enrolmentOnly(ctx: ServiceContext, tokenHash: string): Promise<{ kind: 'user' | 'admin'; id: string; login: string; displayName: string } | null> {
  const row = await ctx.db
    .selectFrom('signin_pending')
    .select(['kind', 'account_id'])
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', 'enrolment')
    .where('expires_at', '>', ctx.now().toISOString())
    .executeTakeFirst();
  if (!row) return null;
  if (row.kind === 'admin') {
    const a = await ctx.db.selectFrom('admins').select('login').where('id', '=', row.account_id).executeTakeFirst();
    return a ? { kind: 'admin', id: row.account_id, login: a.login, displayName: a.login } : null;
  }
  const u = await ctx.db.selectFrom('users').select(['login', 'display_name']).where('id', '=', row.account_id).where('disabled_at', '=', '').executeTakeFirst();
  return u ? { kind: 'user', id: row.account_id, login: u.login, displayName: u.display_name } : null;
}

/** How often each server process sweeps expired sessions and recounts (see {@link sweepExpired}). */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes expired sessions and brings the list's counters back to the truth: sessions_active
 * for users whose sessions expired, qr_issued_at for users whose code expired. Idempotent, so
 * every replica may run it; the list's filters check liveness exactly in between.
 */
export async function sweepExpired(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<void> {
  const nowIso = ctx.now().toISOString();
  await ctx.db.deleteFrom('user_sessions').where('expires_at', '<=', nowIso).execute();
  await ctx.db.deleteFrom('admin_sessions').where('expires_at', '<=', nowIso).execute();
  await ctx.db
    .updateTable('users')
    .set((eb) => ({
      sessions_active: eb
        .selectFrom('user_sessions as s')
        .select((s) => s.fn.countAll<number>().as('n'))
        .whereRef('s.user_id', '=', 'users.id')
        .where('s.expires_at', '>', nowIso),
    }))
    .where('sessions_active', '>', 0)
    .execute();
  await ctx.db
    .updateTable('users')
    .set({ qr_issued_at: '' })
    .where('qr_issued_at', '<>', '')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('qr_credentials as q')
            .select('q.id')
            .whereRef('q.user_id', '=', 'users.id')
            .where('q.voided_at', 'is', null)
            .where((q) => q.or([q('q.expires_at', 'is', null), q('q.expires_at', '>', nowIso)])),
        ),
      ),
    )
    .execute();
}
