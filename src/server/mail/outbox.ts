import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { GatepassError } from '../../shared/errors';
import { AddressSchema } from '../../shared/model/mail';
import type { DialectName } from '../db/connect';
import type { Database, MailFailure, MailOutboxTable } from '../db/schema';
import { composeMessage, newMessageId, oneLine, type MailContent } from './compose';
import { effectiveFrom, messageIdHost, type MailSettings } from './settings';

/**
 * The outbox (docs/mail.md): a message is composed once, stored as one row with its fixed
 * Message-ID, and moves queued -> sending -> sent | failed (back to queued to retry). Every
 * move is one conditional UPDATE, so the database decides who sends what, across replicas.
 * The body may carry a secret (a provisioning code, a one-time password): it is never
 * logged, and it is set to NULL the moment the row is finished.
 */

/** What a message is for; the report and later retention can tell them apart. */
export type MailKind = 'provisioning' | 'test' | 'otp';

/** One message to queue. */
export interface MailDraft {
  /** The recipient's address (validated). */
  to: string;
  /** The name shown with it (encoded as RFC 2047 when not ASCII). */
  toName?: string;
  /** The caller's reference, usually the user's id: the report gives it back. */
  ref?: string | null;
  content: MailContent;
  /** Not sent after this: it fails as `expired` (a provisioning code past its validity). */
  expiresAt?: Date | null;
}

/** A composed message, ready to insert: {@link prepareMail} output, {@link insertMail} input. */
export interface PreparedMail {
  id: string;
  messageId: string;
  ref: string | null;
  to: string;
  from: string;
  subject: string;
  /** The RFC 5322 message. It may carry a secret: never log it. */
  body: string;
  expiresAt: string | null;
}

/** The reason shown for messages queued while no transport is set. */
export const NO_TRANSPORT_REASON = 'not sent: no mail transport configured';

/** A queued batch: its id and each message's id and Message-ID, in the order given. */
export interface QueuedBatch {
  batchId: string;
  messages: Array<{ id: string; messageId: string; ref: string | null }>;
}

/**
 * Composes each draft into its final RFC 5322 form with a new Message-ID. CPU work: do it
 * before opening the transaction that inserts the rows (SQLite has one writer).
 */
export async function prepareMail(settings: MailSettings, drafts: readonly MailDraft[], now: Date): Promise<PreparedMail[]> {
  const from = effectiveFrom(settings);
  const host = messageIdHost(settings);
  const out: PreparedMail[] = [];
  for (const d of drafts) {
    const to = AddressSchema.safeParse(d.to);
    if (!to.success) throw new GatepassError('VALIDATION_FAILED', `Not an e-mail address: ${JSON.stringify(d.to.slice(0, 80))}`);
    const messageId = newMessageId(host);
    const raw = await composeMessage({ from, to: { name: oneLine(d.toName ?? ''), address: to.data }, content: d.content, messageId, date: now });
    out.push({
      id: randomUUID(),
      messageId,
      ref: d.ref ?? null,
      to: to.data,
      from: from.address,
      subject: oneLine(d.content.subject).slice(0, 500),
      // MailComposer writes 7-bit text (base64 / quoted-printable parts), so latin1 round-trips every byte.
      body: raw.toString('latin1'),
      expiresAt: d.expiresAt ? d.expiresAt.toISOString() : null,
    });
  }
  return out;
}

/** Rows per INSERT: under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
const INSERT_CHUNK = 200;

/**
 * Inserts a batch and its messages in the caller's transaction: N messages, N rows, all or
 * none. With no transport set they are written as failed (`no_transport`) without a body,
 * so the report says so at once and no secret is kept for a message that cannot go.
 */
export async function insertMail(
  trx: Kysely<Database>,
  prepared: readonly PreparedMail[],
  opts: { kind: MailKind; createdBy: string; batchId?: string; now: Date; transport: MailSettings['transport'] },
): Promise<QueuedBatch> {
  const batchId = opts.batchId ?? randomUUID();
  const at = opts.now.toISOString();
  const unsendable = opts.transport === 'none';
  await trx.insertInto('mail_batches').values({ id: batchId, kind: opts.kind, created_at: at, created_by: opts.createdBy.slice(0, 200), total: prepared.length }).execute();
  for (let i = 0; i < prepared.length; i += INSERT_CHUNK) {
    const rows: Insertable<MailOutboxTable>[] = prepared.slice(i, i + INSERT_CHUNK).map((p, j) => ({
      id: p.id,
      batch_id: batchId,
      seq: i + j,
      ref: p.ref,
      kind: opts.kind,
      message_id: p.messageId,
      to_address: p.to,
      from_address: p.from,
      subject: p.subject,
      body: unsendable ? null : p.body,
      status: unsendable ? 'failed' : 'queued',
      failure: unsendable ? 'no_transport' : null,
      last_error: unsendable ? NO_TRANSPORT_REASON : null,
      attempts: 0,
      next_attempt_at: at,
      claimed_by: null,
      claimed_until: null,
      expires_at: p.expiresAt,
      created_at: at,
      sent_at: null,
      sent_reply: null,
      finished_at: unsendable ? at : null,
    }));
    await trx.insertInto('mail_outbox').values(rows).execute();
  }
  return { batchId, messages: prepared.map((p) => ({ id: p.id, messageId: p.messageId, ref: p.ref })) };
}

/** A message a sender holds: what it needs to send it and to record the outcome. */
export interface ClaimedMail {
  id: string;
  messageId: string;
  from: string;
  to: string;
  /** Null only for a row damaged outside the server; it is failed, not sent. */
  body: string | null;
  /** This claim's attempt number: the fence every later update checks. */
  attempts: number;
  expiresAt: string | null;
  createdAt: string;
}

/**
 * Claims up to `limit` due messages for `senderId` until `leaseUntil`: queued ones whose
 * time has come, and sending ones whose lease ran out (their sender crashed or hung). One
 * statement; on PostgreSQL the candidate rows are locked FOR UPDATE SKIP LOCKED, so two
 * replicas claiming at once take disjoint rows; SQLite runs one writer at a time, so its
 * conditional UPDATE is already exclusive. A claim counts as an attempt.
 */
export async function claimDue(
  db: Kysely<Database>,
  dialect: DialectName,
  opts: { senderId: string; now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedMail[]> {
  const now = opts.now.toISOString();
  const rows = await db
    .updateTable('mail_outbox')
    .set({ status: 'sending', claimed_by: opts.senderId, claimed_until: opts.leaseUntil.toISOString(), attempts: sql<number>`attempts + 1` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('mail_outbox')
        .select('id')
        .where((w) => w.or([w.and([w('status', '=', 'queued'), w('next_attempt_at', '<=', now)]), w.and([w('status', '=', 'sending'), w('claimed_until', '<=', now)])]))
        .orderBy('next_attempt_at')
        .limit(opts.limit)
        .$if(dialect === 'postgres', (qb) => qb.forUpdate().skipLocked()),
    )
    // Checked again on the row itself: the subquery's snapshot may predate another claim's commit.
    .where((w) => w.or([w.and([w('status', '=', 'queued'), w('next_attempt_at', '<=', now)]), w.and([w('status', '=', 'sending'), w('claimed_until', '<=', now)])]))
    .returning(['id', 'message_id', 'from_address', 'to_address', 'body', 'attempts', 'expires_at', 'created_at'])
    .execute();
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    from: r.from_address,
    to: r.to_address,
    body: r.body,
    attempts: Number(r.attempts),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  }));
}

/** A sent message's outcome, recorded with {@link markSent}. */
export interface SentOutcome {
  id: string;
  attempts: number;
  /** The server's answer, e.g. `250 2.0.0 Ok: queued as 4F1A2B`. */
  reply: string;
}

/**
 * Records sent messages, in one transaction, and drops their bodies. Only rows this sender
 * still holds under this attempt change: a sender that lost its lease cannot overwrite what
 * the next one recorded. `claimed_by` stays: which replica sent it. Returns how many rows were recorded.
 */
export async function markSent(db: Kysely<Database>, senderId: string, sent: readonly SentOutcome[], now: Date): Promise<number> {
  if (sent.length === 0) return 0;
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    let n = 0;
    for (const s of sent) {
      const r = await trx
        .updateTable('mail_outbox')
        .set({ status: 'sent', sent_at: at, finished_at: at, sent_reply: s.reply.slice(0, 500), body: null, claimed_until: null, last_error: null })
        .where('id', '=', s.id)
        .where('claimed_by', '=', senderId)
        .where('attempts', '=', s.attempts)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      n += Number(r.numUpdatedRows);
    }
    return n;
  });
}

/** Puts a message back in the queue for another attempt at `nextAt`, with the reply that failed. */
export async function markRetry(db: Kysely<Database>, senderId: string, m: { id: string; attempts: number }, nextAt: Date, error: string): Promise<boolean> {
  const r = await db
    .updateTable('mail_outbox')
    .set({ status: 'queued', next_attempt_at: nextAt.toISOString(), last_error: error.slice(0, 500), claimed_by: null, claimed_until: null })
    .where('id', '=', m.id)
    .where('claimed_by', '=', senderId)
    .where('attempts', '=', m.attempts)
    .where('status', '=', 'sending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records a message that will not be sent, with why, and drops its body. */
export async function markFailed(
  db: Kysely<Database>,
  senderId: string,
  m: { id: string; attempts: number },
  failure: MailFailure,
  error: string,
  now: Date,
): Promise<boolean> {
  const r = await db
    .updateTable('mail_outbox')
    .set({ status: 'failed', failure, last_error: error.slice(0, 500), body: null, claimed_until: null, finished_at: now.toISOString() })
    .where('id', '=', m.id)
    .where('claimed_by', '=', senderId)
    .where('attempts', '=', m.attempts)
    .where('status', '=', 'sending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Extends the lease of the messages this sender still holds (a heartbeat while they wait or send). */
export async function renewLeases(db: Kysely<Database>, senderId: string, ids: readonly string[], until: Date): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('mail_outbox')
      .set({ claimed_until: until.toISOString() })
      .where('id', 'in', ids.slice(i, i + 500))
      .where('claimed_by', '=', senderId)
      .where('status', '=', 'sending')
      .execute();
  }
}

/** Gives back claimed messages that were never handed to the transport (a clean stop): queued again, the claim not counted. */
export async function releaseClaims(db: Kysely<Database>, senderId: string, ms: ReadonlyArray<{ id: string; attempts: number }>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const m of ms) {
      await trx
        .updateTable('mail_outbox')
        .set({ status: 'queued', attempts: sql<number>`attempts - 1`, claimed_by: null, claimed_until: null })
        .where('id', '=', m.id)
        .where('claimed_by', '=', senderId)
        .where('attempts', '=', m.attempts)
        .where('status', '=', 'sending')
        .execute();
    }
  });
}

/** Fails every due queued message because no transport is set (the administrator chose none). */
export async function failUnsendable(db: Kysely<Database>, now: Date): Promise<number> {
  const at = now.toISOString();
  const r = await db
    .updateTable('mail_outbox')
    .set({ status: 'failed', failure: 'no_transport', last_error: NO_TRANSPORT_REASON, body: null, finished_at: at })
    .where('status', '=', 'queued')
    .where('next_attempt_at', '<=', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes messages finished before `before`, and batches with none left: the report's retention. */
export async function deleteFinished(db: Kysely<Database>, before: Date): Promise<number> {
  const cut = before.toISOString();
  const r = await db.deleteFrom('mail_outbox').where('finished_at', '<', cut).executeTakeFirst();
  await db
    .deleteFrom('mail_batches')
    .where('created_at', '<', cut)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('mail_outbox').select('id').whereRef('mail_outbox.batch_id', '=', 'mail_batches.id'))))
    .execute();
  return Number(r.numDeletedRows);
}
