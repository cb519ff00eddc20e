import { randomUUID } from 'node:crypto';
import { generateStrongPassword } from '../../../shared/password-template';
import { assertPolicy, getPolicy, policyViolations } from '../policy/service';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { AdminSessionSchema } from '../../../shared/api/admins';
import { GatepassError } from '../../../shared/errors';
import { isUniqueViolation } from '../../db/connect';
import type { Database } from '../../db/schema';
import { newToken, sha256Hex } from '../../security/tokens';
import { recordAudit } from '../audit/service';
import { checkSecondFactor, signinGate, type SecondFactorInput } from '../totp/service';
import { attemptSucceeded, reserveAttempt } from '../../security/signin-throttle';
import { isoAfter, lockAccount, type AdminCaller, type ServiceContext } from '../../context';

/** The administrator every server starts with. */
export const FIRST_ADMIN_LOGIN = 'admin';
/** Admin sessions last a working day. */
export const ADMIN_SESSION_MS = 12 * 60 * 60 * 1000;

/**
 * Creates `admin` when there is no administrator yet. Returns the generated password when
 * it made one (so the CLI can print it once), else null.
 */
export async function ensureFirstAdmin(ctx: ServiceContext, password: string | undefined): Promise<string | null> {
  const existing = await ctx.db.selectFrom('admins').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  // The first administrator's password passes the server's policy as every other password
  // does (POLICY_VIOLATION stops the start, saying why); a generated one always passes.
  const policy = await getPolicy(ctx.db);
  if (password !== undefined) assertPolicy(password, policy, FIRST_ADMIN_LOGIN);
  const generated = password === undefined ? generatePassingPassword(policy) : null;
  const hash = await ctx.hasher.hash(password ?? generated ?? '');
  try {
    await ctx.db
      .insertInto('admins')
      .values({ id: randomUUID(), login: FIRST_ADMIN_LOGIN, password_hash: hash, created_at: ctx.now().toISOString() })
      .execute();
  } catch (err) {
    // Another replica created it first: theirs stands, and nobody learns a password from us.
    if (isUniqueViolation(err)) return null;
    throw err;
  }
  return generated;
}

/** 24 random characters of every class (about 143 bits), drawn again in the unlikely case the policy refuses them. */
function generatePassingPassword(policy: Awaited<ReturnType<typeof getPolicy>>): string {
  for (;;) {
    const candidate = generateStrongPassword(Math.max(24, policy.minLength));
    if (policyViolations(candidate, policy, FIRST_ADMIN_LOGIN).length === 0) return candidate;
  }
}

/** Creates an admin session (inside `db` when it is a transaction) and returns its token (stored only as its SHA-256). */
export async function createAdminSession(ctx: ServiceContext, adminId: string, db: Kysely<Database> = ctx.db): Promise<{ token: string; expiresAt: string }> {
  const token = newToken();
  const now = ctx.now();
  const expiresAt = isoAfter(now, ADMIN_SESSION_MS);
  await db
    .insertInto('admin_sessions')
    .values({ token_hash: sha256Hex(token), admin_id: adminId, created_at: now.toISOString(), expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

/** Session for the first administrator without a password: for the console's embedded server. */
export async function issueFirstAdminToken(ctx: ServiceContext): Promise<string> {
  const admin = await ctx.db.selectFrom('admins').select('id').where('login', '=', FIRST_ADMIN_LOGIN).executeTakeFirst();
  if (!admin) throw new GatepassError('NOT_FOUND', 'There is no administrator account');
  return (await createAdminSession(ctx, admin.id)).token;
}

/** An enrolment-only administrator session: time to install an app, scan and confirm. */
export const ADMIN_ENROLMENT_SESSION_MS = 30 * 60 * 1000;

type AdminSession = z.output<typeof AdminSessionSchema>;

/**
 * Password sign-in for administrators. Unknown logins cost a dummy verify, so timing does
 * not tell them apart from wrong passwords; failures are counted per login in the database,
 * so every replica sees the same count. After a right password, an administrator with
 * two-step verification needs the code (or a recovery code) in the same request: without
 * one the answer is 401 SECOND_FACTOR_REQUIRED, so a client (the console's add and connect
 * server) asks for it and sends the sign-in again. Mandatory two-step verification holds
 * administrators to it as well: an enrolment-only session during the grace period,
 * TOTP_ENROLMENT_REQUIRED after it.
 */
export async function adminSignin(ctx: ServiceContext, input: { login: string; password: string } & SecondFactorInput): Promise<AdminSession> {
  const { login, password } = input;
  const now = ctx.now();
  // In one hash slot, or 503 SERVER_BUSY before any of it (hash-gate.ts): a busy server charges nothing.
  const { reservation, admin, ok } = await ctx.hasher.withSlot(async (check) => {
    // Charged before the password is checked (signin-throttle.ts): by source, by source and
    // login, and by login from new sources, with growing waits and no lock-out for good.
    const reservation = await reserveAttempt(ctx, { scope: 'admin', login: login.trim() });
    const admin = await ctx.db.selectFrom('admins').select(['id', 'login', 'password_hash', 'disabled_at']).where('login', '=', login.trim()).executeTakeFirst();
    const ok = admin ? await check.verify(admin.password_hash, password) : (await check.verifyDummy(password), false);
    return { reservation, admin, ok };
  });
  if (!admin || !ok || admin.disabled_at !== '') {
    await recordAudit(ctx.db, now, {
      actor: login.trim().slice(0, 128) || '(empty)',
      action: 'admin.signin_failed',
      // A disabled administrator learns nothing from the answer, but the audit says why.
      detail: admin && ok ? 'Administrator disabled' : 'Wrong login or password',
    });
    throw new GatepassError('INVALID_CREDENTIALS', 'Wrong login or password');
  }
  await attemptSucceeded(ctx, reservation);
  const base = { login: admin.login, scope: 'full' as const, secondFactor: null, recoveryCodesLeft: null, graceEndsAt: null };
  const gate = await signinGate(ctx, 'admin', admin.id);
  if (gate.next === 'refused') {
    await recordAudit(ctx.db, now, { actor: admin.login, action: 'admin.signin_failed', detail: 'Two-step verification is mandatory, the grace period is over and this administrator has none' });
    throw gate.error;
  }
  if (gate.next === 'enrolment') {
    const token = newToken();
    const expiresAt = isoAfter(now, ADMIN_ENROLMENT_SESSION_MS);
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('signin_pending').values({ token_hash: sha256Hex(token), kind: 'admin', account_id: admin.id, purpose: 'enrolment', created_at: now.toISOString(), expires_at: expiresAt }).execute();
      await recordAudit(trx, now, { actor: admin.login, action: 'admin.signin', detail: `Enrolment-only session (two-step verification mandatory, grace period until ${gate.graceEndsAt})` });
    });
    return { ...base, token, expiresAt, scope: 'enrolment', graceEndsAt: gate.graceEndsAt };
  }
  if (gate.next === 'session') {
    const session = await createAdminSession(ctx, admin.id);
    await recordAudit(ctx.db, now, { actor: admin.login, action: 'admin.signin' });
    return { ...base, token: session.token, expiresAt: session.expiresAt };
  }
  if (input.otp === undefined && input.recoveryCode === undefined) {
    throw new GatepassError('SECOND_FACTOR_REQUIRED', 'This administrator account has two-step verification: give the code from the authenticator app, or a recovery code', {
      methods: ['totp', 'recoveryCode'],
    });
  }
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    if (!(await lockAccount(trx, ctx.dialect, 'admin', admin.id))) return { error: new GatepassError('INVALID_CREDENTIALS', 'Wrong login or password') };
    const check = await checkSecondFactor(trx, ctx, { kind: 'admin', id: admin.id, login: admin.login }, input);
    if (!check.ok) return { error: check.error };
    const session = await createAdminSession(ctx, admin.id, trx);
    await recordAudit(trx, now, { actor: admin.login, action: 'admin.signin', detail: check.method === 'totp' ? 'Password and authenticator code' : `Password and recovery code (${check.recoveryCodesLeft} left)` });
    return { session, check };
  });
  if ('error' in outcome) throw outcome.error;
  return { ...base, token: outcome.session.token, expiresAt: outcome.session.expiresAt, secondFactor: outcome.check.method, recoveryCodesLeft: outcome.check.recoveryCodesLeft };
}

/** The admin behind a bearer token, or null when it is unknown or expired. */
export async function authenticateAdmin(ctx: ServiceContext, token: string): Promise<AdminCaller | null> {
  const tokenHash = sha256Hex(token);
  const row = await ctx.db
    .selectFrom('admin_sessions as s')
    .innerJoin('admins as a', 'a.id', 's.admin_id')
    .select(['a.id', 'a.login'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', ctx.now().toISOString())
    // A disabled administrator's sessions stop at once (they are deleted too, but this holds regardless).
    .where('a.disabled_at', '=', '')
    .executeTakeFirst();
  return row ? { kind: 'admin', adminId: row.id, login: row.login, tokenHash } : null;
}

/** Ends the caller's session. */
export async function adminSignout(ctx: ServiceContext, caller: AdminCaller): Promise<void> {
  await ctx.db.deleteFrom('admin_sessions').where('token_hash', '=', caller.tokenHash).execute();
  await recordAudit(ctx.db, ctx.now(), { actor: caller.login, action: 'admin.signout' });
}
