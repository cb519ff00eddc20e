import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { AuditPageSchema } from '../../../shared/api/audit';
import type { Database } from '../../db/schema';
import { toCount, type ServiceContext } from '../../context';

/** The audit actions this server writes. */
export type AuditAction =
  | 'admin.signin'
  | 'admin.signin_failed'
  | 'admin.signout'
  | 'user.create'
  | 'user.update'
  | 'user.delete'
  | 'user.set_password'
  | 'qr.issue'
  | 'policy.update';

/** One audit entry; `detail` must never hold a password, token or credential. */
export interface AuditRecord {
  actor: string;
  action: AuditAction;
  target?: string | null;
  detail?: string | null;
}

/** Writes an entry, inside the caller's transaction when given one, so it commits with the change. */
export async function recordAudit(db: Kysely<Database>, at: Date, rec: AuditRecord): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ at: at.toISOString(), actor: rec.actor.slice(0, 200), action: rec.action, target: rec.target ?? null, detail: rec.detail ?? null })
    .execute();
}

/** Writes several entries in one statement (a batch issue writes one per user). */
export async function recordAuditMany(db: Kysely<Database>, at: Date, recs: readonly AuditRecord[]): Promise<void> {
  if (recs.length === 0) return;
  const iso = at.toISOString();
  await db
    .insertInto('audit_log')
    .values(recs.map((rec) => ({ at: iso, actor: rec.actor.slice(0, 200), action: rec.action, target: rec.target ?? null, detail: rec.detail ?? null })))
    .execute();
}

/** A page of the audit log, newest first. */
export async function listAudit(ctx: ServiceContext, offset: number, limit: number): Promise<z.output<typeof AuditPageSchema>> {
  const [rows, total] = await Promise.all([
    ctx.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').offset(offset).limit(limit).execute(),
    ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: toCount(total.n),
    items: rows.map((r) => ({ id: String(r.id), at: r.at, actor: r.actor, action: r.action, target: r.target, detail: r.detail })),
  };
}
