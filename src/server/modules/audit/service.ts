import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { AuditAction, AuditPageSchema, AuditQuery } from '../../../shared/api/audit';
import type { Database } from '../../db/schema';
import { toCount, type ServiceContext } from '../../context';
import { requestSource } from '../../http/request-context';

/** The audit actions this server writes (the list is shared: the console filters by it). */
export type { AuditAction } from '../../../shared/api/audit';

/** One audit entry; `detail` must never hold a password, token, credential, authenticator code, recovery code or secret. */
export interface AuditRecord {
  actor: string;
  action: AuditAction;
  target?: string | null;
  detail?: string | null;
  /** The client's address; by default the current request's (null outside a request). */
  source?: string | null;
}

function sourceOf(rec: AuditRecord): string | null {
  return (rec.source === undefined ? requestSource() : rec.source)?.slice(0, 64) ?? null;
}

/** Writes an entry, inside the caller's transaction when given one, so it commits with the change. */
export async function recordAudit(db: Kysely<Database>, at: Date, rec: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ at: at.toISOString(), actor: rec.actor.slice(0, 200), action: rec.action, target: rec.target ?? null, detail: rec.detail ?? null, source: sourceOf(rec) })
    .execute();
}

/** Writes several entries in one statement (a batch issue writes one per user). */
export async function recordAuditMany(db: Kysely<Database>, at: Date, recs: readonly AuditRecord[]): Promise<void> {
  if (recs.length === 0) return;
  const iso = at.toISOString();
  await db
    .insertInto('audit_log')
    .values(recs.map((rec) => ({ at: iso, actor: rec.actor.slice(0, 200), action: rec.action, target: rec.target ?? null, detail: rec.detail ?? null, source: sourceOf(rec) })))
    .execute();
}

/** `%term%` for LIKE with the wildcard characters escaped (ESCAPE '\'). */
function likeEscaped(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE of an audit query; the login filters ignore case, as logins do. */
function auditCondition(q: AuditQuery) {
  const parts = [];
  if (q.action) parts.push(q.action.endsWith('.') ? sql<boolean>`action like ${`${likeEscaped(q.action)}%`} escape '\\'` : sql<boolean>`action = ${q.action}`);
  if (q.actor) parts.push(sql<boolean>`lower(actor) = ${q.actor.trim().toLowerCase()}`);
  if (q.target) parts.push(sql<boolean>`lower(target) = ${q.target.trim().toLowerCase()}`);
  if (q.from) parts.push(sql<boolean>`at >= ${q.from}`);
  if (q.to) parts.push(sql<boolean>`at < ${q.to}`);
  const term = q.search?.trim().toLowerCase();
  if (term) {
    const p = `%${likeEscaped(term)}%`;
    parts.push(sql<boolean>`(lower(actor) like ${p} escape '\\' or action like ${p} escape '\\' or lower(coalesce(target, '')) like ${p} escape '\\' or lower(coalesce(detail, '')) like ${p} escape '\\')`);
  }
  return parts.length === 0 ? null : sql<boolean>`${sql.join(parts, sql` and `)}`;
}

/** A page of the audit log, newest first, filtered by action, actor, target, time and text. */
export async function listAudit(ctx: ServiceContext, q: AuditQuery): Promise<z.output<typeof AuditPageSchema>> {
  const where = auditCondition(q);
  const [rows, total] = await Promise.all([
    ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .$if(where !== null, (qb) => qb.where(where ?? sql<boolean>`true`))
      .orderBy('id', 'desc')
      .offset(q.offset)
      .limit(q.limit)
      .execute(),
    ctx.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .$if(where !== null, (qb) => qb.where(where ?? sql<boolean>`true`))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    total: toCount(total.n),
    items: rows.map((r) => ({ id: String(r.id), at: r.at, actor: r.actor, action: r.action, target: r.target, detail: r.detail, source: r.source })),
  };
}
