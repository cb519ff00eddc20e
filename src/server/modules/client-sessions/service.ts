import { sql, type Kysely, type Selectable } from 'kysely';
import type { z } from 'zod';
import { clientSessionUserName, type ClientSession, type ClientSessionPageSchema, type ClientSessionQuery } from '../../../shared/api/client-sessions';
import { GatepassError } from '../../../shared/errors';
import type { ClientSessionTable, Database } from '../../db/schema';
import { toCount, type ComputerCaller, type ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';

/** A stored session as the API shows it, with the reference's User Name `<signed-in user> (<email>)`. */
export function toClientSession(r: Selectable<ClientSessionTable>): ClientSession {
  return {
    id: r.id,
    userName: clientSessionUserName(r.os_user, r.email),
    osUser: r.os_user,
    userId: r.user_id,
    login: r.login,
    email: r.email,
    computerId: r.computer_id,
    computerName: r.computer_name,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    emergency: toCount(r.emergency) === 1,
  };
}

/** `%term%` for LIKE with the wildcard characters escaped (ESCAPE '\'); the columns hold lowercased text. */
function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE of a sessions query, or null for all. */
function condition(q: ClientSessionQuery) {
  const parts = [];
  const user = q.user?.trim();
  if (user) parts.push(sql<boolean>`user_key like ${likePattern(user)} escape '\\'`);
  const email = q.email?.trim();
  if (email) parts.push(sql<boolean>`email_key like ${likePattern(email)} escape '\\'`);
  const computer = q.computer?.trim();
  if (computer) parts.push(sql<boolean>`(computer_id = ${computer} or computer_key like ${likePattern(computer)} escape '\\')`);
  if (q.from) parts.push(sql<boolean>`started_at >= ${q.from}`);
  if (q.to) parts.push(sql<boolean>`started_at < ${q.to}`);
  if (q.active === true) parts.push(sql<boolean>`ended_at is null`);
  if (q.active === false) parts.push(sql<boolean>`ended_at is not null`);
  if (q.emergency !== undefined) parts.push(sql<boolean>`emergency = ${q.emergency ? 1 : 0}`);
  return parts.length === 0 ? null : sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/** A page of client sessions, newest first (on the started_at index), with the total. */
export async function listClientSessions(ctx: ServiceContext, q: ClientSessionQuery): Promise<z.output<typeof ClientSessionPageSchema>> {
  const where = condition(q);
  const [rows, total] = await Promise.all([
    ctx.db
      .selectFrom('client_sessions')
      .selectAll()
      .$if(where !== null, (qb) => qb.where(where ?? sql<boolean>`true`))
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .offset(q.offset)
      .limit(q.limit)
      .execute(),
    ctx.db
      .selectFrom('client_sessions')
      .select((eb) => eb.fn.countAll().as('n'))
      .$if(where !== null, (qb) => qb.where(where ?? sql<boolean>`true`))
      .executeTakeFirstOrThrow(),
  ]);
  return { total: toCount(total.n), items: rows.map(toClientSession) };
}

/**
 * Ends a client session of the calling computer (its user signed out): once, by a conditional
 * update; ending an ended session answers it as it is. Another computer's session is NOT_FOUND.
 */
export async function endClientSession(ctx: ServiceContext, caller: ComputerCaller, id: string): Promise<ClientSession> {
  return ctx.db.transaction().execute(async (trx: Kysely<Database>) => {
    const now = ctx.now();
    const ended = await trx
      .updateTable('client_sessions')
      .set({ ended_at: now.toISOString(), end_reason: 'signed_out' })
      .where('id', '=', id)
      .where('computer_id', '=', caller.computerId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    const row = await trx.selectFrom('client_sessions').selectAll().where('id', '=', id).where('computer_id', '=', caller.computerId).executeTakeFirst();
    if (!row) throw new GatepassError('NOT_FOUND', 'No such client session on this computer');
    if (Number(ended.numUpdatedRows) === 1) {
      await recordAudit(trx, now, {
        actor: `computer ${caller.name}`,
        action: 'client_session.end',
        target: row.login,
        detail: `${clientSessionUserName(row.os_user, row.email)} signed out of ${caller.name}${toCount(row.emergency) === 1 ? ' (emergency access)' : ''}`,
      });
    }
    return toClientSession(row);
  });
}
