import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { AdminSummary, CreateAdminSchema, SetAdminPasswordSchema } from '../../../shared/api/admins';
import { GatepassError } from '../../../shared/errors';
import { isUniqueViolation, type DialectName } from '../../db/connect';
import type { Database } from '../../db/schema';
import { attemptSucceeded, reserveAttempt, unlockLogin } from '../../security/signin-throttle';
import type { AdminCaller, ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';
import { assertPolicy, getPolicy } from '../policy/service';

/**
 * Several administrators (issue 12): anyone signed in as an administrator may add one, disable
 * or enable another, and change a password. Two rules keep a server from locking itself out,
 * decided with every administrator row locked so two administrators disabling each other at
 * once cannot both succeed: nobody disables themselves, and the last enabled administrator
 * stays enabled. Passwords pass the server's policy, as users' passwords do.
 */

interface AdminRow {
  id: string;
  login: string;
  created_at: string;
  disabled_at: string;
  two_step: number | string | bigint | boolean;
}

function selectAdmins(db: Kysely<Database>) {
  return db
    .selectFrom('admins as a')
    .select(['a.id', 'a.login', 'a.created_at', 'a.disabled_at'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('totp_factors as f').select('f.account_id').where('f.kind', '=', 'admin').whereRef('f.account_id', '=', 'a.id'))
        .$castTo<number | string | bigint | boolean>()
        .as('two_step'),
    );
}

function toSummary(r: AdminRow, caller: AdminCaller): AdminSummary {
  return {
    id: r.id,
    login: r.login,
    createdAt: r.created_at,
    disabledAt: r.disabled_at === '' ? null : r.disabled_at,
    // SQLite answers 0/1, PostgreSQL true/false (cast above keeps the type honest).
    twoStep: r.two_step === true || Number(r.two_step) === 1,
    you: r.id === caller.adminId,
  };
}

async function summaryOf(db: Kysely<Database>, id: string, caller: AdminCaller): Promise<AdminSummary> {
  const row = await selectAdmins(db).where('a.id', '=', id).executeTakeFirst();
  if (!row) throw new GatepassError('NOT_FOUND', 'No such administrator');
  return toSummary(row, caller);
}

/** Every administrator, by login. */
export async function listAdmins(ctx: ServiceContext, caller: AdminCaller): Promise<{ items: AdminSummary[] }> {
  const rows = await selectAdmins(ctx.db).orderBy(sql`lower(a.login)`).orderBy('a.login').execute();
  return { items: rows.map((r) => toSummary(r, caller)) };
}

/** Locks every administrator row (PostgreSQL; SQLite runs one writer at a time) in id order. */
async function lockAllAdmins(trx: Kysely<Database>, dialect: DialectName): Promise<Array<{ id: string; login: string; disabled_at: string }>> {
  return trx
    .selectFrom('admins')
    .select(['id', 'login', 'disabled_at'])
    .orderBy('id')
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .execute();
}

/** Adds an administrator; LOGIN_TAKEN when one has this login in any case, POLICY_VIOLATION for a weak password. */
export async function createAdmin(ctx: ServiceContext, caller: AdminCaller, input: z.output<typeof CreateAdminSchema>): Promise<AdminSummary> {
  const login = input.login;
  assertPolicy(input.password, await getPolicy(ctx.db), login);
  const hash = await ctx.hasher.hash(input.password);
  const id = randomUUID();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const admins = await lockAllAdmins(trx, ctx.dialect);
      if (admins.some((a) => a.login.toLowerCase() === login.toLowerCase())) {
        throw new GatepassError('LOGIN_TAKEN', `An administrator "${login}" already exists`);
      }
      await trx.insertInto('admins').values({ id, login, password_hash: hash, created_at: ctx.now().toISOString() }).execute();
      await recordAudit(trx, ctx.now(), { actor: caller.login, action: 'admin.create', target: login });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new GatepassError('LOGIN_TAKEN', `An administrator "${login}" already exists`);
    throw err;
  }
  return summaryOf(ctx.db, id, caller);
}

/**
 * Disables (or enables) an administrator. Disabling ends their sessions in the same
 * transaction; refused for yourself (FORBIDDEN) and for the last enabled one (LAST_ADMIN).
 */
export async function setAdminDisabled(ctx: ServiceContext, caller: AdminCaller, id: string, disabled: boolean): Promise<AdminSummary> {
  await ctx.db.transaction().execute(async (trx) => {
    const admins = await lockAllAdmins(trx, ctx.dialect);
    const target = admins.find((a) => a.id === id);
    if (!target) throw new GatepassError('NOT_FOUND', 'No such administrator');
    if ((target.disabled_at !== '') === disabled) return;
    if (disabled) {
      if (id === caller.adminId) throw new GatepassError('FORBIDDEN', 'You cannot disable yourself: another administrator can');
      const othersEnabled = admins.filter((a) => a.id !== id && a.disabled_at === '').length;
      if (othersEnabled === 0) throw new GatepassError('LAST_ADMIN', `${target.login} is the only enabled administrator: enable or add another first`);
    }
    const now = ctx.now();
    await trx
      .updateTable('admins')
      .set({ disabled_at: disabled ? now.toISOString() : '' })
      .where('id', '=', id)
      .execute();
    if (disabled) await trx.deleteFrom('admin_sessions').where('admin_id', '=', id).execute();
    await recordAudit(trx, now, { actor: caller.login, action: disabled ? 'admin.disable' : 'admin.enable', target: target.login });
  });
  return summaryOf(ctx.db, id, caller);
}

/**
 * Changes an administrator's password (policy-checked against their login). Your own needs
 * your current password, charged to the sign-in limits as a sign-in is; the administrator's
 * other sessions end (yours, asking, goes on).
 */
export async function setAdminPassword(ctx: ServiceContext, caller: AdminCaller, id: string, input: z.output<typeof SetAdminPasswordSchema>): Promise<AdminSummary> {
  const target = await ctx.db.selectFrom('admins').select(['id', 'login', 'password_hash']).where('id', '=', id).executeTakeFirst();
  if (!target) throw new GatepassError('NOT_FOUND', 'No such administrator');
  assertPolicy(input.password, await getPolicy(ctx.db), target.login);
  let hash: string;
  if (id === caller.adminId) {
    if (input.currentPassword === undefined) throw new GatepassError('VALIDATION_FAILED', 'Your current password is required to change it');
    const current = input.currentPassword;
    // The charge, the check and the new hash in one hash slot, or 503 SERVER_BUSY before any of
    // it (hash-gate.ts): a busy server never refuses halfway, after the current password was checked.
    const { reservation, newHash } = await ctx.hasher.withSlot(async (check) => {
      const reservation = await reserveAttempt(ctx, { scope: 'admin', login: target.login });
      const ok = await check.verify(target.password_hash, current);
      return { reservation, newHash: ok ? await check.hashInSlot(input.password) : null };
    });
    if (newHash === null) {
      await recordAudit(ctx.db, ctx.now(), { actor: caller.login, action: 'admin.signin_failed', target: caller.login, detail: 'Wrong current password when changing it' });
      throw new GatepassError('INVALID_CREDENTIALS', 'Wrong current password');
    }
    await attemptSucceeded(ctx, reservation);
    hash = newHash;
  } else {
    hash = await ctx.hasher.hash(input.password);
  }
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    await trx.updateTable('admins').set({ password_hash: hash }).where('id', '=', id).execute();
    await trx.deleteFrom('admin_sessions').where('admin_id', '=', id).where('token_hash', '!=', caller.tokenHash).execute();
    await recordAudit(trx, now, { actor: caller.login, action: 'admin.set_password', target: target.login, detail: id === caller.adminId ? 'Own password' : null });
  });
  return summaryOf(ctx.db, id, caller);
}

/**
 * The operator's unlock (`gatepass admin unlock LOGIN --db`): clears every sign-in count that
 * holds this administrator's login back, from every source. Audited as the operator's.
 */
export async function operatorUnlockAdmin(db: Kysely<Database>, login: string, now: Date): Promise<{ login: string; cleared: number }> {
  const admin = await db.selectFrom('admins').select(['login']).where('login', '=', login).executeTakeFirst();
  if (!admin) throw new GatepassError('NOT_FOUND', `No administrator "${login}" in this database`);
  const cleared = await unlockLogin(db, 'admin', admin.login);
  await recordAudit(db, now, { actor: '(operator)', action: 'admin.unlock', target: admin.login, detail: `${cleared} sign-in limit${cleared === 1 ? '' : 's'} cleared`, source: null });
  return { login: admin.login, cleared };
}
