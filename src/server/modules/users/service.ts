import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import {
  CreateUserSchema,
  type ImportUsersResultSchema,
  type ImportUsersSchema,
  type LocateUsersResultSchema,
  type LocateUsersSchema,
  type UpdateUserSchema,
  type UserAction,
  type UserActionsResultSchema,
  type UserListQuery,
  type UserPageSchema,
} from '../../../shared/api/users';
import { GatepassError } from '../../../shared/errors';
import type { ProvisioningState, User, UserSort, UserSource } from '../../../shared/model/user';
import { isUniqueViolation } from '../../db/connect';
import type { Database } from '../../db/schema';
import { recordAudit } from '../audit/service';
import { lockUser, searchText, sortKeys, toCount, type AdminCaller, type ServiceContext } from '../../context';
import { deleteUserDevices } from '../devices/service';
import { PROVISION_MAX_WRONG_CODES, keepCodeOfDeletedUser } from '../provisioning/service';
import { voidCredentials } from '../qr-credentials/service';
import { deleteTwoStepRows } from '../totp/service';
import { assertPolicy, getPolicy } from '../policy/service';

/**
 * Each sort's columns, every list an index (migration 0002), with id last so a page at any
 * offset is stable. Text sorts use the natural keys; 2FA, QR issued and sessions break their
 * many ties by login.
 */
const SORT_COLUMNS = {
  login: ['u.login_sort'],
  displayName: ['u.name_sort'],
  email: ['u.email_sort'],
  createdAt: ['u.created_at'],
  totp: ['u.totp_enabled', 'u.login_sort'],
  qrIssuedAt: ['u.qr_issued_at', 'u.login_sort'],
  sessions: ['u.sessions_active', 'u.login_sort'],
} as const;

/** Users with their derived fields (current QR credential, active sessions), computed per row in SQL. */
function selectUsers(db: Kysely<Database>, nowIso: string) {
  return db
    .selectFrom('users as u')
    .select(['u.id', 'u.login', 'u.display_name', 'u.email', 'u.created_at', 'u.updated_at', 'u.totp_enabled', 'u.disabled_at', 'u.source', 'u.mobile_allowed'])
    .select((eb) => [
      // Provisioning (issue 10): the live code's expiry, the newest working device, an unused dead code's expiry.
      eb
        .selectFrom('provision_codes as p')
        .select('p.expires_at')
        .whereRef('p.user_id', '=', 'u.id')
        .where('p.used_at', 'is', null)
        .where('p.failed_count', '<', PROVISION_MAX_WRONG_CODES)
        .where('p.expires_at', '>', nowIso)
        .as('prov_pending_until'),
      eb
        .selectFrom('devices as d')
        .select((d) => d.fn.max('d.created_at').as('m'))
        .whereRef('d.user_id', '=', 'u.id')
        .where('d.revoked_at', 'is', null)
        .as('prov_device_at'),
      eb
        .selectFrom('provision_codes as p')
        .select('p.expires_at')
        .whereRef('p.user_id', '=', 'u.id')
        .where('p.used_at', 'is', null)
        .as('prov_unused_until'),
      eb
        .selectFrom('qr_credentials as q')
        .select((q) => q.fn.max('q.issued_at').as('m'))
        .whereRef('q.user_id', '=', 'u.id')
        .where('q.voided_at', 'is', null)
        .where((q) => q.or([q('q.expires_at', 'is', null), q('q.expires_at', '>', nowIso)]))
        .as('qr_issued_at'),
      eb
        .selectFrom('user_sessions as s')
        .select((s) => s.fn.countAll().as('n'))
        .whereRef('s.user_id', '=', 'u.id')
        .where('s.expires_at', '>', nowIso)
        .as('active_sessions'),
    ]);
}

type UserRow = Awaited<ReturnType<ReturnType<typeof selectUsers>['executeTakeFirstOrThrow']>>;

/** none / pending until / provisioned on / expired, from the row's provisioning columns (see ProvisioningStateSchema). */
function provisioningOf(r: UserRow): { state: ProvisioningState; at: string | null } {
  if (r.prov_pending_until) return { state: 'pending', at: r.prov_pending_until };
  if (r.prov_device_at) return { state: 'provisioned', at: r.prov_device_at };
  if (r.prov_unused_until) return { state: 'expired', at: r.prov_unused_until };
  return { state: 'none', at: null };
}

function toUser(r: UserRow): User {
  return {
    id: r.id,
    login: r.login,
    displayName: r.display_name,
    email: r.email,
    totpEnabled: toCount(r.totp_enabled) === 1,
    qrIssuedAt: r.qr_issued_at ?? null,
    activeSessions: toCount(r.active_sessions),
    disabledAt: r.disabled_at === '' ? null : r.disabled_at,
    source: r.source === 'directory' ? 'directory' : 'internal',
    mobileAllowed: toCount(r.mobile_allowed) === 1,
    provisioning: provisioningOf(r),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The term in lower case (as users.search_text is) with LIKE's wildcard characters escaped (ESCAPE '\'). */
function likeLiteral(term: string): string {
  return term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** What narrows the list: its search and filters (the list route and locate share it). */
type ListFilter = Pick<UserListQuery, 'search' | 'qr' | 'qrIssuedBefore' | 'createdSince' | 'signedIn' | 'totp' | 'disabled' | 'provisioning'>;

/**
 * The WHERE of a list query (search and filters) as one SQL condition, or null for every user.
 * `totpIndexed`: write the 2FA filter so the planner may use the users_totp index; otherwise as
 * `totp_enabled + 0`, which it cannot, so it walks the sort's index instead (see listPlan).
 */
function listCondition(q: ListFilter, nowIso: string, totpIndexed: boolean) {
  const parts = [];
  const term = q.search?.trim();
  if (term) parts.push(sql<boolean>`u.search_text like ${`%${likeLiteral(term)}%`} escape '\\'`);
  // qr_issued_at is kept by the writes and the hourly sweep; the live check makes it exact.
  const live = sql<boolean>`exists (select 1 from qr_credentials q where q.user_id = u.id and q.voided_at is null
    and (q.expires_at is null or q.expires_at > ${nowIso}))`;
  if (q.qr === 'never') parts.push(sql<boolean>`not ${live}`);
  if (q.qr === 'issued') parts.push(live);
  if (q.qrIssuedBefore) parts.push(sql<boolean>`u.qr_issued_at <> '' and u.qr_issued_at < ${q.qrIssuedBefore} and ${live}`);
  if (q.createdSince) parts.push(sql<boolean>`u.created_at >= ${q.createdSince}`);
  const session = sql<boolean>`exists (select 1 from user_sessions s where s.user_id = u.id and s.expires_at > ${nowIso})`;
  if (q.signedIn === true) parts.push(sql<boolean>`u.sessions_active > 0 and ${session}`);
  if (q.signedIn === false) parts.push(sql<boolean>`not ${session}`);
  // totp_enabled is kept exact by the transactions that enrol and remove (no liveness to check).
  const totpOn = q.totp === 'enabled' ? 1 : 0;
  if (q.totp) parts.push(totpIndexed ? sql<boolean>`u.totp_enabled = ${totpOn}` : sql<boolean>`u.totp_enabled + 0 = ${totpOn}`);
  if (q.disabled === true) parts.push(sql<boolean>`u.disabled_at <> ''`);
  if (q.disabled === false) parts.push(sql<boolean>`u.disabled_at = ''`);
  if (q.provisioning) parts.push(provisioningCondition(q.provisioning, nowIso));
  return parts.length === 0 ? null : sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/** The WHERE of one provisioning state, exactly as provisioningOf reads the row: pending before provisioned before expired. */
function provisioningCondition(state: ProvisioningState, nowIso: string) {
  const pending = sql<boolean>`exists (select 1 from provision_codes p where p.user_id = u.id and p.used_at is null
    and p.failed_count < ${PROVISION_MAX_WRONG_CODES} and p.expires_at > ${nowIso})`;
  const device = sql<boolean>`exists (select 1 from devices d where d.user_id = u.id and d.revoked_at is null)`;
  const unused = sql<boolean>`exists (select 1 from provision_codes p where p.user_id = u.id and p.used_at is null)`;
  switch (state) {
    case 'pending':
      return pending;
    case 'provisioned':
      return sql<boolean>`${device} and not ${pending}`;
    case 'expired':
      return sql<boolean>`${unused} and not ${pending} and not ${device}`;
    case 'none':
      return sql<boolean>`not ${unused} and not ${device}`;
  }
}

/**
 * True when the only filters are dense ones: 2FA on or off, and active users (most users
 * match each, so the first page's matches are found within a few hundred rows of any sort
 * index). Searches and the other filters may match few users anywhere in the index.
 */
function onlyDenseFilters(q: ListFilter): boolean {
  return !(q.search?.trim() || q.qr || q.qrIssuedBefore || q.createdSince || q.signedIn !== undefined || q.disabled === true || q.provisioning);
}

/** Columns that hold numbers: they must keep sorting as numbers when the index is bypassed. */
const NUMBER_COLUMNS: ReadonlySet<string> = new Set(['u.totp_enabled', 'u.sessions_active']);

/**
 * A sort column the planner cannot match to its index: `|| ''` for text, `+ 0` for numbers
 * (concatenating a number would make it text, and 10 would sort before 9).
 */
function unindexed(col: string) {
  return NUMBER_COLUMNS.has(col) ? sql`${sql.ref(col)} + 0` : sql`${sql.ref(col)} || ''`;
}

/**
 * How a list (or a locate in it) is read: its WHERE, the WHERE its total is counted with, and
 * its order as SQL expressions, id last (so no two rows tie). Without a search or filter,
 * walking the sort index is fastest; so it is with only dense filters (2FA, active), checked
 * row by row as the walk goes. With a search or a sparse filter, filtering every row and
 * sorting the matches beats walking the index and fetching each row to test it (a rare term
 * may sit at the far end of the index); {@link unindexed} stops the planner using the index. The 2FA
 * filter sorted by login (or 2FA) is a range of the users_totp index itself, and its count
 * reads that index (or users_totp_active for active users) rather than every row. listUsers
 * and locateUsers both use it, so a located index is the offset the list shows.
 */
function listPlan(q: ListFilter, sort: UserSort, nowIso: string) {
  const dense = onlyDenseFilters(q);
  const totpWalk = q.totp !== undefined && dense && (sort === 'login' || sort === 'totp');
  const where = listCondition(q, nowIso, totpWalk);
  const walk = where === null || dense;
  const cols: readonly string[] = totpWalk ? ['u.totp_enabled', 'u.login_sort'] : SORT_COLUMNS[sort];
  const keys = [...cols.map((col) => (walk ? sql.ref(col) : unindexed(col))), sql.ref('u.id')];
  return { where, countWhere: dense ? listCondition(q, nowIso, true) : where, keys };
}

/** A page of users: search (case-insensitive substring of login, name, email), filters, sort and total, all in SQL. */
export async function listUsers(ctx: ServiceContext, q: UserListQuery): Promise<z.output<typeof UserPageSchema>> {
  const nowIso = ctx.now().toISOString();
  const { where, countWhere, keys } = listPlan(q, q.sort, nowIso);
  let query = selectUsers(ctx.db, nowIso).$if(where !== null, (qb) => qb.where(where ?? sql<boolean>`true`));
  for (const key of keys) query = query.orderBy(key, q.order);
  const rows = await query.offset(q.offset).limit(q.limit).execute();
  const total = await ctx.db
    .selectFrom('users as u')
    .select((eb) => eb.fn.countAll().as('n'))
    .$if(countWhere !== null, (qb) => qb.where(countWhere ?? sql<boolean>`true`))
    .executeTakeFirstOrThrow();
  return { total: toCount(total.n), items: rows.map(toUser) };
}

/**
 * Where a row is in the list: the first of `userIds` in the list's order (its search, filters and
 * sort), or with `loginPrefix` the list's type-ahead: the first row at or after `fromUserId`
 * (after it, with `skipFrom`) whose login starts with the prefix, ignoring case, wrapping to the
 * top. Answers that row and how many rows come before it, which is the offset at which the list
 * shows it; nulls when there is none. Indexed queries, whatever the list's size: the row's sort
 * keys, then a row-value count of the rows before them.
 */
export async function locateUsers(ctx: ServiceContext, q: z.output<typeof LocateUsersSchema>): Promise<z.output<typeof LocateUsersResultSchema>> {
  const nowIso = ctx.now().toISOString();
  const { where, keys } = listPlan(q, q.sort, nowIso);
  const listed = where ?? sql<boolean>`true`;
  const cmp = (strict: boolean) => sql.raw(q.order === 'asc' ? (strict ? '>' : '>=') : strict ? '<' : '<=');

  /** The sort keys of the first row in the list's order that also meets `extra`. */
  async function firstKeys(extra: ReturnType<typeof sql<boolean>>): Promise<Array<string | number> | null> {
    let first = ctx.db
      .selectFrom('users as u')
      .select(keys.map((k, i) => sql<string | number>`${k}`.as(`k${i}`)))
      .where(listed)
      .where(extra);
    for (const key of keys) first = first.orderBy(key, q.order);
    const row: Record<string, string | number> | undefined = await first.limit(1).executeTakeFirst();
    return row ? keys.map((_, i) => row[`k${i}`]!) : null;
  }

  let values: Array<string | number> | null;
  if (q.loginPrefix !== undefined) {
    // users.search_text begins with the login in lower case (searchText): a prefix of it, lowered the same way.
    const starts = sql<boolean>`u.search_text like ${`${likeLiteral(q.loginPrefix)}%`} escape '\\'`;
    const from = q.fromUserId
      ? await ctx.db
          .selectFrom('users as u')
          .select(keys.map((k, i) => sql<string | number>`${k}`.as(`k${i}`)))
          .where('u.id', '=', q.fromUserId)
          .executeTakeFirst()
      : undefined;
    const fromValues = from ? keys.map((_, i) => (from as Record<string, string | number>)[`k${i}`]!) : null;
    values = fromValues ? await firstKeys(sql<boolean>`${starts} and (${sql.join(keys)}) ${cmp(q.skipFrom)} (${sql.join(fromValues)})`) : null;
    values ??= await firstKeys(starts);
  } else if (q.userIds !== undefined) {
    values = await firstKeys(sql<boolean>`u.id in (${sql.join([...new Set(q.userIds)])})`);
  } else {
    throw new GatepassError('VALIDATION_FAILED', 'Say which users to locate (userIds) or what their login starts with (loginPrefix)');
  }
  if (!values) return { userId: null, index: null };
  // (k0, k1, id) < (v0, v1, vid) is exactly "sorts before" under ORDER BY k0, k1, id (both engines compare row values so).
  const before = sql<boolean>`(${sql.join(keys)}) ${sql.raw(q.order === 'asc' ? '<' : '>')} (${sql.join(values)})`;
  const counted = await ctx.db
    .selectFrom('users as u')
    .select((eb) => eb.fn.countAll().as('n'))
    .where(before)
    .where(listed)
    .executeTakeFirstOrThrow();
  return { userId: String(values[values.length - 1]), index: toCount(counted.n) };
}

/** One user, or 404 NOT_FOUND. */
export async function getUser(ctx: ServiceContext, id: string, db: Kysely<Database> = ctx.db): Promise<User> {
  const row = await selectUsers(db, ctx.now().toISOString()).where('u.id', '=', id).executeTakeFirst();
  if (!row) throw new GatepassError('NOT_FOUND', 'No such user');
  return toUser(row);
}

function loginTaken(login: string): GatepassError {
  return new GatepassError('LOGIN_TAKEN', `The login "${login}" is already taken`);
}

/** Creates a user; an initial password must pass the policy. */
export async function createUser(ctx: ServiceContext, caller: AdminCaller, input: z.output<typeof CreateUserSchema>): Promise<User> {
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    assertPolicy(input.password, await getPolicy(ctx.db), input.login);
    passwordHash = await ctx.hasher.hash(input.password);
  }
  const id = randomUUID();
  const now = ctx.now().toISOString();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({
          id,
          login: input.login,
          login_key: input.login.toLowerCase(),
          display_name: input.displayName,
          email: input.email,
          search_text: searchText(input.login, input.displayName, input.email),
          ...sortKeys(input.login, input.displayName, input.email),
          password_hash: passwordHash,
          source: input.source,
          created_at: now,
          updated_at: now,
          mobile_allowed: input.mobileAllowed ? 1 : 0,
        })
        .execute();
      const detail = [passwordHash ? 'with a password' : '', input.source === 'directory' ? 'directory user' : '', input.mobileAllowed ? '' : 'may not use mobile authentication'].filter(Boolean).join('; ');
      await recordAudit(trx, ctx.now(), {
        actor: caller.login,
        action: 'user.create',
        target: input.login,
        detail: detail || null,
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw loginTaken(input.login);
    throw err;
  }
  return getUser(ctx, id);
}

/** Edits a user. A login change voids their QR credentials in the same transaction. */
export async function updateUser(ctx: ServiceContext, caller: AdminCaller, id: string, patch: z.output<typeof UpdateUserSchema>): Promise<User> {
  try {
    await ctx.db.transaction().execute(async (trx) => {
      const current = await lockUser(trx, ctx.dialect, id);
      if (!current) throw new GatepassError('NOT_FOUND', 'No such user');
      const changes: string[] = [];
      const values: Partial<{ login: string; login_key: string; display_name: string; email: string; source: UserSource; mobile_allowed: number }> = {};
      const loginChanged = patch.login !== undefined && patch.login !== current.login;
      if (loginChanged && patch.login !== undefined) {
        values.login = patch.login;
        values.login_key = patch.login.toLowerCase();
        changes.push(`login ${current.login} -> ${patch.login}`);
      }
      if (patch.displayName !== undefined && patch.displayName !== current.display_name) {
        values.display_name = patch.displayName;
        changes.push('display name');
      }
      if (patch.email !== undefined && patch.email !== current.email) {
        values.email = patch.email;
        changes.push('email');
      }
      if (patch.source !== undefined && patch.source !== current.source) {
        values.source = patch.source;
        changes.push(`source ${current.source} -> ${patch.source}`);
      }
      if (patch.mobileAllowed !== undefined) {
        const was = await trx.selectFrom('users').select('mobile_allowed').where('id', '=', id).executeTakeFirstOrThrow();
        if ((toCount(was.mobile_allowed) === 1) !== patch.mobileAllowed) {
          values.mobile_allowed = patch.mobileAllowed ? 1 : 0;
          changes.push(patch.mobileAllowed ? 'may use mobile authentication' : 'may not use mobile authentication');
        }
      }
      if (changes.length === 0) return;
      const searchable = searchText(values.login ?? current.login, values.display_name ?? current.display_name, values.email ?? current.email);
      const now = ctx.now();
      // A credential names a login; once the login changes, the printed code must stop working.
      const { voided, sessionsEnded } = loginChanged ? await voidCredentials(trx, id, now) : { voided: 0, sessionsEnded: 0 };
      await trx
        .updateTable('users')
        .set({
          ...values,
          search_text: searchable,
          ...sortKeys(values.login ?? current.login, values.display_name ?? current.display_name, values.email ?? current.email),
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .execute();
      await recordAudit(trx, now, {
        actor: caller.login,
        action: 'user.update',
        target: values.login ?? current.login,
        detail: `Changed ${changes.join(', ')}${voided ? `; voided ${voided} QR credential(s)` : ''}${sessionsEnded ? `; ended ${sessionsEnded} device session(s)` : ''}`,
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw loginTaken(patch.login ?? '');
    throw err;
  }
  return getUser(ctx, id);
}

/** Deletes a user with their sessions and credentials (foreign keys cascade). */
export async function deleteUser(ctx: ServiceContext, caller: AdminCaller, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, ctx.dialect, id);
    if (!user) throw new GatepassError('NOT_FOUND', 'No such user');
    // Explicit deletes as well as the cascade, so a SQLite file opened without foreign keys stays clean.
    await trx.deleteFrom('user_sessions').where('user_id', '=', id).execute();
    await trx.deleteFrom('qr_credentials').where('user_id', '=', id).execute();
    // No foreign key reaches the two-step tables (they hold administrators' rows too).
    await deleteTwoStepRows(trx, id);
    await deleteUserDevices(trx, id);
    // The provisioning code is kept, so a device that redeems it hears the user was removed.
    await keepCodeOfDeletedUser(trx, id, ctx.now());
    await trx.deleteFrom('users').where('id', '=', id).execute();
    await recordAudit(trx, ctx.now(), { actor: caller.login, action: 'user.delete', target: user.login });
  });
}

/** Sets a password (policy permitting) and voids the user's QR credentials in the same transaction. */
export async function setUserPassword(ctx: ServiceContext, caller: AdminCaller, id: string, password: string): Promise<void> {
  const user = await ctx.db.selectFrom('users').select('login').where('id', '=', id).executeTakeFirst();
  if (!user) throw new GatepassError('NOT_FOUND', 'No such user');
  const policy = await getPolicy(ctx.db);
  assertPolicy(password, policy, user.login);
  // Hash outside the transaction: it is the slow part and needs no lock.
  const hash = await ctx.hasher.hash(password);
  await ctx.db.transaction().execute(async (trx) => {
    const current = await lockUser(trx, ctx.dialect, id);
    if (!current) throw new GatepassError('NOT_FOUND', 'No such user');
    // The login may have changed while we hashed; the password must not contain the new one either.
    if (current.login !== user.login) assertPolicy(password, policy, current.login);
    const now = ctx.now();
    const cleared = await voidCredentials(trx, id, now);
    const voided = cleared.voided;
    // A new password signs the user out everywhere: devices and password sessions alike.
    const sessionsEnded = cleared.sessionsEnded + (await endSessions(trx, id));
    await trx.updateTable('users').set({ password_hash: hash, updated_at: now.toISOString() }).where('id', '=', id).execute();
    const detail = [voided ? `voided ${voided} QR credential(s)` : '', sessionsEnded ? `ended ${sessionsEnded} session(s)` : ''].filter(Boolean).join('; ');
    await recordAudit(trx, now, {
      actor: caller.login,
      action: 'user.set_password',
      target: current.login,
      detail: detail ? detail[0]!.toUpperCase() + detail.slice(1) : null,
    });
  });
}

type ActionResult = z.output<typeof UserActionsResultSchema>['results'][number];

/** Ends every session of a user inside the caller's transaction (user row locked first); returns how many. */
async function endSessions(trx: Kysely<Database>, userId: string): Promise<number> {
  const ended = await trx.deleteFrom('user_sessions').where('user_id', '=', userId).executeTakeFirst();
  await trx.updateTable('users').set({ sessions_active: 0 }).where('id', '=', userId).execute();
  return Number(ended.numDeletedRows);
}

/**
 * One action for many users, each user in a transaction of their own (a user deleted meanwhile
 * is that user's NOT_FOUND, not the batch's), each audited. Idempotent: disabling a disabled
 * user changes nothing and says so in the audit.
 */
export async function userActions(
  ctx: ServiceContext,
  caller: AdminCaller,
  action: UserAction,
  userIds: readonly string[],
): Promise<z.output<typeof UserActionsResultSchema>> {
  const results: ActionResult[] = [];
  for (const userId of new Set(userIds)) {
    const r: ActionResult = await ctx.db.transaction().execute(async (trx) => {
      const user = await lockUser(trx, ctx.dialect, userId);
      if (!user) return { userId, login: null, ok: false, sessionsEnded: 0, credentialsVoided: 0, code: 'NOT_FOUND', message: 'No such user' };
      const now = ctx.now();
      let sessionsEnded = 0;
      let credentialsVoided = 0;
      let detail: string;
      if (action === 'disable') {
        // Disabling ends the sessions at once; the QR code stays, unusable until enabled again.
        const res = await trx.updateTable('users').set({ disabled_at: now.toISOString() }).where('id', '=', userId).where('disabled_at', '=', '').executeTakeFirst();
        sessionsEnded = await endSessions(trx, userId);
        detail = Number(res.numUpdatedRows) === 0 ? 'Already disabled' : `Disabled; ${sessionsEnded} session(s) ended`;
      } else if (action === 'enable') {
        const res = await trx.updateTable('users').set({ disabled_at: '' }).where('id', '=', userId).where('disabled_at', '<>', '').executeTakeFirst();
        detail = Number(res.numUpdatedRows) === 0 ? 'Already enabled' : 'Enabled';
      } else if (action === 'revokeQr') {
        const revoked = await voidCredentials(trx, userId, now);
        credentialsVoided = revoked.voided;
        // A revoked code must not leave anything it signed in still signed in; the rest go too.
        sessionsEnded = revoked.sessionsEnded + (await endSessions(trx, userId));
        detail = `${credentialsVoided} QR credential(s) voided, ${sessionsEnded} session(s) ended; no new code issued`;
      } else {
        sessionsEnded = await endSessions(trx, userId);
        detail = `${sessionsEnded} session(s) ended`;
      }
      await trx.updateTable('users').set({ updated_at: now.toISOString() }).where('id', '=', userId).execute();
      await recordAudit(trx, now, { actor: caller.login, action: AUDIT_OF[action], target: user.login, detail });
      return { userId, login: user.login, ok: true, sessionsEnded, credentialsVoided };
    });
    results.push(r);
  }
  return { results };
}

const AUDIT_OF = { disable: 'user.disable', enable: 'user.enable', revokeQr: 'qr.revoke', endSessions: 'user.end_sessions' } as const;

/**
 * Creates the rows of an import, each checked and inserted on its own: a malformed or taken
 * login is that row's error and the rows around it are created. One audit entry says what the
 * import did (counts), instead of one entry per row.
 */
export async function importUsers(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof ImportUsersSchema>,
): Promise<z.output<typeof ImportUsersResultSchema>> {
  const results: z.output<typeof ImportUsersResultSchema>['results'] = [];
  const nowIso = ctx.now().toISOString();
  for (const row of input.users) {
    const parsed = CreateUserSchema.omit({ password: true }).safeParse(row);
    if (!parsed.success) {
      results.push({ ok: false, code: 'VALIDATION_FAILED', message: parsed.error.issues.map((i) => i.message).join('; ') });
      continue;
    }
    const { login, displayName, email, source } = parsed.data;
    const id = randomUUID();
    try {
      await ctx.db
        .insertInto('users')
        .values({
          id,
          login,
          login_key: login.toLowerCase(),
          display_name: displayName,
          email,
          search_text: searchText(login, displayName, email),
          ...sortKeys(login, displayName, email),
          password_hash: null,
          source,
          created_at: nowIso,
          updated_at: nowIso,
        })
        .execute();
      results.push({ ok: true, userId: id, login });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      results.push({ ok: false, code: 'LOGIN_TAKEN', message: `The login "${login}" is already taken` });
    }
  }
  const created = results.filter((r) => r.ok).length;
  const failed = results.length - created;
  await recordAudit(ctx.db, ctx.now(), { actor: caller.login, action: 'user.import', detail: `${created} user(s) created, ${failed} row(s) refused, of ${results.length}` });
  return { created, failed, results };
}
