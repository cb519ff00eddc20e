import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { CreateUserSchema, UpdateUserSchema, UserListQuerySchema, UserPageSchema } from '../../../shared/api/users';
import { GatepassError } from '../../../shared/errors';
import type { User } from '../../../shared/model/user';
import { isUniqueViolation } from '../../db/connect';
import type { Database } from '../../db/schema';
import { recordAudit } from '../audit/service';
import { searchText, toCount, type AdminCaller, type ServiceContext } from '../../context';
import { voidCredentials } from '../qr-credentials/service';
import { assertPolicy, getPolicy } from '../policy/service';

const SORT_COLUMNS = { login: 'u.login', displayName: 'u.display_name', email: 'u.email', createdAt: 'u.created_at' } as const;

/** Users with their derived fields (current QR credential, active sessions), computed per row in SQL. */
function selectUsers(db: Kysely<Database>, nowIso: string) {
  return db
    .selectFrom('users as u')
    .select(['u.id', 'u.login', 'u.display_name', 'u.email', 'u.created_at', 'u.updated_at'])
    .select((eb) => [
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

function toUser(r: UserRow): User {
  return {
    id: r.id,
    login: r.login,
    displayName: r.display_name,
    email: r.email,
    // Two-step verification arrives later; until then nobody has it.
    totpEnabled: false,
    qrIssuedAt: r.qr_issued_at ?? null,
    activeSessions: toCount(r.active_sessions),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** `%term%` for LIKE with the wildcard characters in the term escaped (ESCAPE '\'). */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A page of users: search (case-insensitive substring of login, name, email), sort and total, all in SQL. */
export async function listUsers(ctx: ServiceContext, q: z.output<typeof UserListQuerySchema>): Promise<z.output<typeof UserPageSchema>> {
  const term = q.search?.trim();
  const pattern = term ? likePattern(term) : null;
  const match = pattern ? sql<boolean>`u.search_text like ${pattern} escape '\\'` : null;
  // Without a search, walking the sort index is fastest. With one, filtering every row and
  // sorting the matches beats walking the index and fetching each row to test it (a rare
  // term may sit at the far end of the index); `|| ''` stops the planner using the index.
  const col = SORT_COLUMNS[q.sort];
  const orderKey = match ? sql<string>`${sql.ref(col)} || ''` : sql.ref(col);
  const rows = await selectUsers(ctx.db, ctx.now().toISOString())
    .$if(match !== null, (qb) => qb.where(match ?? sql<boolean>`true`))
    .orderBy(orderKey, q.order)
    .orderBy('u.id', q.order)
    .offset(q.offset)
    .limit(q.limit)
    .execute();
  const total = await ctx.db
    .selectFrom('users as u')
    .select((eb) => eb.fn.countAll().as('n'))
    .$if(match !== null, (qb) => qb.where(match ?? sql<boolean>`true`))
    .executeTakeFirstOrThrow();
  return { total: toCount(total.n), items: rows.map(toUser) };
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
          password_hash: passwordHash,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await recordAudit(trx, ctx.now(), {
        actor: caller.login,
        action: 'user.create',
        target: input.login,
        detail: passwordHash ? 'with a password' : null,
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
      const current = await trx.selectFrom('users').select(['login', 'display_name', 'email']).where('id', '=', id).executeTakeFirst();
      if (!current) throw new GatepassError('NOT_FOUND', 'No such user');
      const changes: string[] = [];
      const values: Partial<{ login: string; login_key: string; display_name: string; email: string }> = {};
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
      if (changes.length === 0) return;
      const searchable = searchText(values.login ?? current.login, values.display_name ?? current.display_name, values.email ?? current.email);
      const now = ctx.now();
      // A credential names a login; once the login changes, the printed code must stop working.
      // Voided before the user row is updated: lock order credential -> user, as in QR sign-in.
      const voided = loginChanged ? await voidCredentials(trx, id, now) : 0;
      await trx
        .updateTable('users')
        .set({ ...values, search_text: searchable, updated_at: now.toISOString() })
        .where('id', '=', id)
        .execute();
      await recordAudit(trx, now, {
        actor: caller.login,
        action: 'user.update',
        target: values.login ?? current.login,
        detail: `Changed ${changes.join(', ')}${voided ? `; voided ${voided} QR credential(s)` : ''}`,
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
    const user = await trx.selectFrom('users').select('login').where('id', '=', id).executeTakeFirst();
    if (!user) throw new GatepassError('NOT_FOUND', 'No such user');
    // Explicit deletes as well as the cascade, so a SQLite file opened without foreign keys stays clean.
    await trx.deleteFrom('user_sessions').where('user_id', '=', id).execute();
    await trx.deleteFrom('qr_credentials').where('user_id', '=', id).execute();
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
    const current = await trx.selectFrom('users').select('login').where('id', '=', id).executeTakeFirst();
    if (!current) throw new GatepassError('NOT_FOUND', 'No such user');
    // The login may have changed while we hashed; the password must not contain the new one either.
    if (current.login !== user.login) assertPolicy(password, policy, current.login);
    const now = ctx.now();
    const voided = await voidCredentials(trx, id, now);
    await trx.updateTable('users').set({ password_hash: hash, updated_at: now.toISOString() }).where('id', '=', id).execute();
    await recordAudit(trx, now, {
      actor: caller.login,
      action: 'user.set_password',
      target: current.login,
      detail: voided ? `Voided ${voided} QR credential(s)` : null,
    });
  });
}
