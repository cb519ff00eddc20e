import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { ComputerListQuery, ComputerPageSchema, RegisterComputerSchema, RegisteredComputerSchema, RevokedComputerSchema } from '../../../shared/api/computers';
import type { Computer } from '../../../shared/api/computers';
import { encodeAgentFile } from '../../../shared/agent-file';
import { GatepassError } from '../../../shared/errors';
import { isUniqueViolation, type DialectName } from '../../db/connect';
import type { Database } from '../../db/schema';
import { digestsEqual, newCredential, parseCredential, sha256Hex } from '../../security/tokens';
import { isoAfter, toCount, type AdminCaller, type ComputerCaller, type ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';

/** An agent's calls move "last seen" at most once a minute: one write per minute, not per call. */
export const LAST_SEEN_GRANULARITY_MS = 60_000;

/** Computers with their session counts, computed per row in SQL. */
function selectComputers(db: Kysely<Database>) {
  return db
    .selectFrom('computers as c')
    .select(['c.id', 'c.name', 'c.registered_at', 'c.registered_by', 'c.last_seen_at', 'c.revoked_at', 'c.revoked_by'])
    .select((eb) => [
      eb
        .selectFrom('client_sessions as s')
        .select((s) => s.fn.countAll().as('n'))
        .whereRef('s.computer_id', '=', 'c.id')
        .as('sessions'),
      eb
        .selectFrom('client_sessions as s')
        .select((s) => s.fn.countAll().as('n'))
        .whereRef('s.computer_id', '=', 'c.id')
        .where('s.ended_at', 'is', null)
        .as('active_sessions'),
    ]);
}

type ComputerRow = Awaited<ReturnType<ReturnType<typeof selectComputers>['executeTakeFirstOrThrow']>>;

function toComputer(r: ComputerRow): Computer {
  return {
    id: r.id,
    name: r.name,
    registeredAt: r.registered_at,
    registeredBy: r.registered_by,
    lastSeenAt: r.last_seen_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    sessions: toCount(r.sessions),
    activeSessions: toCount(r.active_sessions),
  };
}

/** One computer, or 404 NOT_FOUND. */
export async function getComputer(ctx: ServiceContext, id: string, db: Kysely<Database> = ctx.db): Promise<Computer> {
  const row = await selectComputers(db).where('c.id', '=', id).executeTakeFirst();
  if (!row) throw new GatepassError('NOT_FOUND', 'No such computer');
  return toComputer(row);
}

/**
 * Registers a computer and makes its agent file: a credential `<id>.<secret>` of its own (the
 * secret stored only as its SHA-256, as QR credentials are), shown in the file this once. A
 * name is unique among computers that are not revoked (COMPUTER_EXISTS). The file pins this
 * server's TLS key (`tlsPin`, docs/tls.md) when the address it names is https and the server
 * serves TLS itself; behind a TLS proxy or over plain http it carries null.
 */
export async function registerComputer(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof RegisterComputerSchema>,
  tlsPin: string | null,
): Promise<z.output<typeof RegisteredComputerSchema>> {
  const id = randomUUID();
  const cred = newCredential();
  const now = ctx.now();
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('computers')
        .values({
          id,
          name: input.name,
          name_key: input.name.toLowerCase(),
          credential_id: cred.id,
          secret_hash: sha256Hex(cred.secret),
          registered_at: now.toISOString(),
          registered_by: caller.login,
          last_seen_at: null,
          revoked_at: null,
          revoked_by: null,
        })
        .execute();
      await recordAudit(trx, now, { actor: caller.login, action: 'computer.register', target: input.name, detail: `Computer id ${id}` });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new GatepassError('COMPUTER_EXISTS', `A computer named "${input.name}" is already registered (revoke it first to register it again)`);
    throw err;
  }
  const computer = await getComputer(ctx, id);
  const agentFile = encodeAgentFile({
    server: { url: input.serverUrl, name: ctx.serverName, tlsPin: input.serverUrl.startsWith('https:') ? tlsPin : null },
    computer: { id, name: input.name },
    credential: cred.credential,
    issuedAt: now.toISOString(),
  });
  return { computer, agentFile };
}

/** `%term%` for LIKE with the wildcard characters escaped (ESCAPE '\'). */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A page of computers by name (case-insensitive), with the total. */
export async function listComputers(ctx: ServiceContext, q: ComputerListQuery): Promise<z.output<typeof ComputerPageSchema>> {
  const parts = [];
  if (q.state === 'active') parts.push(sql<boolean>`c.revoked_at is null`);
  if (q.state === 'revoked') parts.push(sql<boolean>`c.revoked_at is not null`);
  const term = q.search?.trim();
  if (term) parts.push(sql<boolean>`c.name_key like ${likePattern(term)} escape '\\'`);
  const where = parts.length === 0 ? sql<boolean>`true` : sql<boolean>`${sql.join(parts, sql` and `)}`;
  const [rows, total] = await Promise.all([
    selectComputers(ctx.db).where(where).orderBy('c.name_key').orderBy('c.id').offset(q.offset).limit(q.limit).execute(),
    ctx.db.selectFrom('computers as c').select((eb) => eb.fn.countAll().as('n')).where(where).executeTakeFirstOrThrow(),
  ]);
  return { total: toCount(total.n), items: rows.map(toComputer) };
}

/**
 * Locks a computer's row for the rest of the transaction (PostgreSQL; SQLite has one writer).
 * Every transaction that touches a computer's one-time passwords or sessions takes it first, so
 * they all lock in one order (computer, then user, then password) and cannot deadlock:
 * `update` (FOR NO KEY UPDATE) for requests and revocation, which queue up per computer;
 * `share` (FOR SHARE) for sign-ins, which run side by side but never beside a request or a
 * revocation of the same computer. Neither blocks the foreign-key checks (KEY SHARE) of rows
 * inserted meanwhile.
 */
export async function lockComputer(trx: Kysely<Database>, dialect: DialectName, id: string, mode: 'update' | 'share' = 'update') {
  return trx
    .selectFrom('computers')
    .select(['id', 'name', 'revoked_at', 'next_new_otp_at'])
    .where('id', '=', id)
    .$if(dialect === 'postgres', (qb) => (mode === 'update' ? qb.forNoKeyUpdate() : qb.forShare()))
    .executeTakeFirst();
}

/**
 * Revokes a computer, in one transaction: its credential stops working (every call checks
 * revoked_at), its open client sessions end, its pending one-time passwords are void (their
 * sealed copies dropped). Revoking a revoked computer changes nothing and says so.
 */
export async function revokeComputer(ctx: ServiceContext, caller: AdminCaller, id: string): Promise<z.output<typeof RevokedComputerSchema>> {
  const { sessionsEnded, passwordsVoided } = await ctx.db.transaction().execute(async (trx) => {
    const row = await lockComputer(trx, ctx.dialect, id);
    if (!row) throw new GatepassError('NOT_FOUND', 'No such computer');
    const now = ctx.now();
    const at = now.toISOString();
    if (row.revoked_at !== null) {
      await recordAudit(trx, now, { actor: caller.login, action: 'computer.revoke', target: row.name, detail: `Already revoked at ${row.revoked_at}` });
      return { sessionsEnded: 0, passwordsVoided: 0 };
    }
    await trx.updateTable('computers').set({ revoked_at: at, revoked_by: caller.login }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    const voided = await trx
      .updateTable('email_otps')
      .set({ voided_at: at, void_reason: 'computer_revoked', code_sealed: null })
      .where('computer_id', '=', id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .where('expires_at', '>', at)
      .executeTakeFirst();
    const ended = await trx
      .updateTable('client_sessions')
      .set({ ended_at: at, end_reason: 'computer_revoked' })
      .where('computer_id', '=', id)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    const counts = { sessionsEnded: Number(ended.numUpdatedRows), passwordsVoided: Number(voided.numUpdatedRows) };
    await recordAudit(trx, now, {
      actor: caller.login,
      action: 'computer.revoke',
      target: row.name,
      detail: `Credential revoked; ${counts.sessionsEnded} client session(s) ended, ${counts.passwordsVoided} pending one-time password(s) void`,
    });
    return counts;
  });
  return { computer: await getComputer(ctx, id), sessionsEnded, passwordsVoided };
}

/**
 * The computer behind an agent credential `<id>.<secret>`, or null (unknown, malformed, wrong
 * secret, revoked). The secret is compared as SHA-256 digests in constant time. "Last seen"
 * moves with a conditional update at most once a minute.
 */
export async function authenticateComputer(ctx: ServiceContext, credential: string): Promise<ComputerCaller | null> {
  const parsed = parseCredential(credential);
  if (!parsed) return null;
  const row = await ctx.db
    .selectFrom('computers')
    .select(['id', 'name', 'secret_hash', 'revoked_at', 'last_seen_at'])
    .where('credential_id', '=', parsed.id)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || !digestsEqual(row.secret_hash, sha256Hex(parsed.secret))) return null;
  const now = ctx.now();
  const stale = isoAfter(now, -LAST_SEEN_GRANULARITY_MS);
  if (row.last_seen_at === null || row.last_seen_at <= stale) {
    await ctx.db
      .updateTable('computers')
      .set({ last_seen_at: now.toISOString() })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<=', stale)]))
      .execute();
  }
  return { kind: 'computer', computerId: row.id, name: row.name };
}
