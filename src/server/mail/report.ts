import type { Kysely, Selectable } from 'kysely';
import { csvLine } from '../../shared/csv-write';
import type { MailBatch, MailBatchReport, MailItem, MailStatusName } from '../../shared/model/mail';
import { toCount } from '../context';
import type { Database, MailBatchTable, MailOutboxTable } from '../db/schema';
import { formatUtc } from './templates';

/**
 * The per-message report of a batch (queued, sent, failed and why), as the console shows it
 * and saves it as CSV. Read from the outbox rows, so every replica answers the same.
 */

type Row = Pick<
  Selectable<MailOutboxTable>,
  'id' | 'ref' | 'to_address' | 'subject' | 'status' | 'attempts' | 'next_attempt_at' | 'sent_at' | 'failure' | 'last_error' | 'message_id' | 'sent_reply'
>;

const ITEM_COLUMNS = ['id', 'ref', 'to_address', 'subject', 'status', 'attempts', 'next_attempt_at', 'sent_at', 'failure', 'last_error', 'message_id', 'sent_reply'] as const;

/** What happened to a message, in words an administrator can act on. */
export function describeOutcome(r: Row): string {
  const error = r.last_error ?? 'unknown error';
  switch (r.status) {
    case 'sent':
      return r.sent_reply ? `sent (${r.sent_reply})` : 'sent';
    case 'sending':
      return 'sending';
    case 'queued':
      return r.last_error ? `retrying at ${formatUtc(new Date(r.next_attempt_at))} after: ${error}` : 'queued';
    case 'failed':
      switch (r.failure) {
        case 'no_transport':
          return error;
        case 'rejected':
          return `rejected by the mail server: ${error}`;
        case 'retries_exhausted':
          return `gave up after ${r.attempts} attempts: ${error}`;
        case 'expired':
          return `not sent before it expired (${error})`;
        default:
          return `failed: ${error}`;
      }
  }
}

function item(r: Row): MailItem {
  return {
    id: r.id,
    ref: r.ref,
    to: r.to_address,
    subject: r.subject,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: r.status === 'queued' ? r.next_attempt_at : null,
    sentAt: r.sent_at,
    failure: r.failure,
    reason: describeOutcome(r),
    lastError: r.last_error,
    messageId: r.message_id,
  };
}

async function counts(db: Kysely<Database>, batchIds: readonly string[]): Promise<Map<string, MailBatch['counts']>> {
  const out = new Map<string, MailBatch['counts']>();
  for (const id of batchIds) out.set(id, { queued: 0, sending: 0, sent: 0, failed: 0 });
  if (batchIds.length === 0) return out;
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['batch_id', 'status', (eb) => eb.fn.countAll().as('n')])
    .where('batch_id', 'in', batchIds)
    .groupBy(['batch_id', 'status'])
    .execute();
  for (const r of rows) {
    const c = out.get(r.batch_id);
    if (c) c[r.status] = toCount(r.n);
  }
  return out;
}

function summary(b: Selectable<MailBatchTable>, c: MailBatch['counts']): MailBatch {
  return { id: b.id, kind: b.kind, createdAt: b.created_at, createdBy: b.created_by, total: Number(b.total), counts: c, done: c.queued + c.sending === 0 };
}

/** One batch's counts, or null when there is no such batch. */
export async function batchSummary(db: Kysely<Database>, batchId: string): Promise<MailBatch | null> {
  const b = await db.selectFrom('mail_batches').selectAll().where('id', '=', batchId).executeTakeFirst();
  if (!b) return null;
  return summary(b, (await counts(db, [b.id])).get(b.id)!);
}

/** The newest batches first, with their counts. */
export async function listBatches(db: Kysely<Database>, opts: { limit: number; kind?: string }): Promise<MailBatch[]> {
  const batches = await db
    .selectFrom('mail_batches')
    .selectAll()
    .$if(opts.kind !== undefined, (qb) => qb.where('kind', '=', opts.kind!))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit)
    .execute();
  const c = await counts(
    db,
    batches.map((b) => b.id),
  );
  return batches.map((b) => summary(b, c.get(b.id)!));
}

/** A page of one batch's messages in the order they were queued, or null when there is no such batch. */
export async function batchReport(
  db: Kysely<Database>,
  batchId: string,
  opts: { offset: number; limit: number; status?: MailStatusName },
): Promise<MailBatchReport | null> {
  const batch = await batchSummary(db, batchId);
  if (!batch) return null;
  const rows = await db
    .selectFrom('mail_outbox')
    .select(ITEM_COLUMNS)
    .where('batch_id', '=', batchId)
    .$if(opts.status !== undefined, (qb) => qb.where('status', '=', opts.status!))
    .orderBy('seq')
    .offset(opts.offset)
    .limit(opts.limit)
    .execute();
  const matching = opts.status === undefined ? batch.total : batch.counts[opts.status];
  return { batch, items: rows.map(item), matching };
}

/** The whole report of a batch as CSV, or null when there is no such batch. */
export async function batchCsv(db: Kysely<Database>, batchId: string): Promise<{ fileName: string; csv: string } | null> {
  const batch = await batchSummary(db, batchId);
  if (!batch) return null;
  const head = ['ref', 'to', 'status', 'attempts', 'sent_at', 'failure', 'reason', 'message_id'];
  const rows: string[][] = [head];
  // Pages of 2,000 keep memory flat for a batch of 100,000.
  for (let seq = -1; ; ) {
    const page = await db.selectFrom('mail_outbox').select([...ITEM_COLUMNS, 'seq']).where('batch_id', '=', batchId).where('seq', '>', seq).orderBy('seq').limit(2000).execute();
    if (page.length === 0) break;
    for (const r of page) {
      const i = item(r);
      rows.push([i.ref ?? '', i.to, i.status, String(i.attempts), i.sentAt ?? '', i.failure ?? '', i.reason, i.messageId]);
    }
    seq = Number(page[page.length - 1]!.seq);
  }
  const day = batch.createdAt.slice(0, 10);
  return { fileName: `mail-report-${batch.kind}-${day}-${batch.id.slice(0, 8)}.csv`, csv: rows.map(csvLine).join('') };
}
