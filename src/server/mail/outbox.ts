import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { GatepassError } from '../../shared/errors';
import { AddressSchema } from '../../shared/model/mail';
import type { DialectName } from '../db/connect';
import type { Database, MailFailure, MailOutboxTable } from '../db/schema';
import type { SecretBox } from '../security/secret-box';
import { encodeStored, newMessageId, oneLine, sealStored, type MailContent } from './compose';
import { effectiveFrom, messageIdHost, type MailSettings } from './settings';

/**
 * The outbox (docs/mail.md): a message is stored as one row with its fixed Message-ID, and
 * moves queued -> sending -> sent | failed (back to queued to retry). Every move is one
 * conditional UPDATE, so the database decides who sends what, across replicas. The content
 * may carry a secret (a provisioning code, a one-time password): it is never logged, and it
 * is set to NULL the moment the row is finished.
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

/** A checked, addressed message, ready to insert: {@link prepareMail} output, {@link insertMail} input. */
export interface PreparedMail {
  id: string;
  messageId: string;
  ref: string | null;
  to: string;
  from: string;
  subject: string;
  /** What the MIME is built from (StoredMessage JSON), sealed with the secret box when the server has one. It may carry a secret: never log it. */
  stored: string;
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
 * Checks and addresses each draft and gives it a Message-ID, with the From of the settings
 * now, and seals its content with `box` (bound to its row): what {@link insertMail} writes. The MIME itself is built by the sender, the same way at
 * every attempt (compose.ts), so queueing costs no more than the rows.
 */
export function prepareMail(settings: MailSettings, drafts: readonly MailDraft[], box: SecretBox | null = null): PreparedMail[] {
  const from = effectiveFrom(settings);
  const host = messageIdHost(settings);
  return drafts.map((d) => {
    const to = AddressSchema.safeParse(d.to);
    if (!to.success) throw new GatepassError('VALIDATION_FAILED', `Not an e-mail address: ${JSON.stringify(d.to.slice(0, 80))}`);
    const id = randomUUID();
    return {
      id,
      messageId: newMessageId(host),
      ref: d.ref ?? null,
      to: to.data,
      from: from.address,
      subject: oneLine(d.content.subject).slice(0, 500),
      stored: sealStored(box, id, encodeStored(from, { name: oneLine(d.toName ?? ''), address: to.data }, d.content)),
      expiresAt: d.expiresAt ? d.expiresAt.toISOString() : null,
    };
  });
}

/** Rows per INSERT: under SQLite's 32,766 bound parameters and PostgreSQL's 65,535. */
export const INSERT_CHUNK = 200;

/** What a batch is, for {@link insertMail} and its parts. */
export interface BatchOptions {
  kind: MailKind;
  createdBy: string;
  batchId?: string;
  now: Date;
  transport: MailSettings['transport'];
}

/** Writes the batch row; its messages follow with {@link insertMessages}. */
export async function insertBatch(trx: Kysely<Database>, total: number, opts: BatchOptions): Promise<string> {
  const batchId = opts.batchId ?? randomUUID();
  await trx
    .insertInto('mail_batches')
    .values({ id: batchId, kind: opts.kind, created_at: opts.now.toISOString(), created_by: opts.createdBy.slice(0, 200), total })
    .execute();
  return batchId;
}

/**
 * Writes messages of a batch from position `seq` on. With no transport set they are written
 * as failed (`no_transport`) without content, so the report says so at once and no secret is
 * kept for a message that cannot go.
 */
export async function insertMessages(trx: Kysely<Database>, batchId: string, seq: number, prepared: readonly PreparedMail[], opts: BatchOptions): Promise<void> {
  const at = opts.now.toISOString();
  const unsendable = opts.transport === 'none';
  for (let i = 0; i < prepared.length; i += INSERT_CHUNK) {
    const rows: Insertable<MailOutboxTable>[] = prepared.slice(i, i + INSERT_CHUNK).map((p, j) => ({
      id: p.id,
      batch_id: batchId,
      seq: seq + i + j,
      ref: p.ref,
      kind: opts.kind,
      message_id: p.messageId,
      to_address: p.to,
      from_address: p.from,
      subject: p.subject,
      content: unsendable ? null : p.stored,
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
}

/** Inserts a batch and its messages in the caller's transaction: N messages, N rows, all or none. */
export async function insertMail(trx: Kysely<Database>, prepared: readonly PreparedMail[], opts: BatchOptions): Promise<QueuedBatch> {
  const batchId = await insertBatch(trx, prepared.length, opts);
  await insertMessages(trx, batchId, 0, prepared, opts);
  return { batchId, messages: prepared.map((p) => ({ id: p.id, messageId: p.messageId, ref: p.ref })) };
}

/**
 * The status tests of the partial indexes (migration 0004), written as literals: a bound
 * parameter would keep SQLite from seeing that the query's condition is the index's.
 */
export const IS_QUEUED = sql<boolean>`status = 'queued'`;
export const IS_SENDING = sql<boolean>`status = 'sending'`;

/** A message a sender holds: what it needs to send it and to record the outcome. */
export interface ClaimedMail {
  id: string;
  messageId: string;
  from: string;
  to: string;
  /** The stored message (StoredMessage JSON); null only for a row damaged outside the server: it is failed, not sent. */
  content: string | null;
  /** This claim's attempt number: the fence every later update checks. */
  attempts: number;
  expiresAt: string | null;
  createdAt: string;
}

/**
 * Claims up to `limit` due messages for `senderId` until `leaseUntil`: first sending ones whose
 * lease ran out (their sender crashed or hung), then queued ones whose time has come, oldest
 * first. Each is one statement; on PostgreSQL the candidate rows are locked FOR UPDATE SKIP
 * LOCKED, so two replicas claiming at once take disjoint rows; SQLite runs one writer at a
 * time, so its conditional UPDATE is already exclusive. A claim counts as an attempt. Two
 * statements rather than one with OR: each walks its partial index in order and stops at
 * `limit`, where an OR had to collect and sort every due row (all 10,000 of a big run) per claim.
 * `reclaim: false` skips the first (a busy sender looks for expired leases now and then, not
 * at every claim). `holding` are the messages the sender still holds itself (waiting or in
 * flight): never taken back as expired by it, even when its clock stepped past their lease or
 * its renewals were late, or it would send a message a second time while the first is on its way.
 */
export async function claimDue(
  db: Kysely<Database>,
  dialect: DialectName,
  opts: { senderId: string; now: Date; leaseUntil: Date; limit: number; reclaim?: boolean; holding?: readonly string[] },
): Promise<ClaimedMail[]> {
  const now = opts.now.toISOString();
  const holding = opts.holding ?? [];
  const claim = async (state: typeof IS_QUEUED, due: 'next_attempt_at' | 'claimed_until', limit: number) => {
    const picked = db
      .selectFrom('mail_outbox')
      .select('id')
      .where(state)
      .where(due, '<=', now)
      .$if(holding.length > 0, (qb) => qb.where('id', 'not in', holding))
      .orderBy(due)
      .limit(limit);
    const rows = await db
      .updateTable('mail_outbox')
      .set({ status: 'sending', claimed_by: opts.senderId, claimed_until: opts.leaseUntil.toISOString(), attempts: sql<number>`attempts + 1` })
      // PostgreSQL: ARRAY(...) runs the locking subquery once. A plain IN (...) may be planned as
      // a nested loop that runs it again per row, and each run can lock a different LIMIT rows,
      // so one claim could take far more than `limit` (seen: all 471 due rows at once).
      .where(dialect === 'postgres' ? sql<boolean>`id = any(array(${picked.forUpdate().skipLocked()}))` : sql<boolean>`id in (${picked})`)
      // Checked again on the row itself: the subquery's snapshot may predate another claim's commit.
      .where(state)
      .where(due, '<=', now)
      .returning(['id', 'message_id', 'from_address', 'to_address', 'content', 'attempts', 'expires_at', 'created_at'])
      .execute();
    return rows.map(
      (r): ClaimedMail => ({
        id: r.id,
        messageId: r.message_id,
        from: r.from_address,
        to: r.to_address,
        content: r.content,
        attempts: Number(r.attempts),
        expiresAt: r.expires_at,
        createdAt: r.created_at,
      }),
    );
  };
  const reclaimed = opts.reclaim === false ? [] : await claim(IS_SENDING, 'claimed_until', opts.limit);
  if (reclaimed.length >= opts.limit) return reclaimed;
  return [...reclaimed, ...(await claim(IS_QUEUED, 'next_attempt_at', opts.limit - reclaimed.length))];
}

/** A sent message's outcome, recorded with {@link markSent}. */
export interface SentOutcome {
  id: string;
  attempts: number;
  /** The server's answer, e.g. `250 2.0.0 Ok: queued as 4F1A2B`. */
  reply: string;
}

/**
 * Records sent messages and drops their content, in one statement (atomic, and one round trip
 * however many a sender finished at once). Only rows this sender still holds under the same
 * attempt change: a sender that lost its lease cannot overwrite what the next one recorded.
 * `claimed_by` stays: which replica sent it. Returns how many rows were recorded.
 *
 * Written as SQL text rather than with the query builder: it runs once per sent message (on
 * SQLite, where a commit takes no round trip, groups rarely form), and building it with
 * Kysely's expression builder cost about as much CPU as SQLite spent running it, and ~20 KB
 * of garbage a message (profile of `npm run bench:mail`). For a given group size the text is
 * the same, so the statement cache prepares it once.
 */
export async function markSent(db: Kysely<Database>, senderId: string, sent: readonly SentOutcome[], now: Date): Promise<number> {
  if (sent.length === 0) return 0;
  const at = now.toISOString();
  // Each row's own reply: CASE id WHEN ... THEN ... END.
  const replies = sql.join(
    sent.map((s) => sql`when ${s.id} then ${s.reply.slice(0, 500)}`),
    sql` `,
  );
  const rows = sql.join(
    sent.map((s) => sql`(id = ${s.id} and attempts = ${s.attempts})`),
    sql` or `,
  );
  const r = await sql`update mail_outbox
    set status = 'sent', sent_at = ${at}, finished_at = ${at}, sent_reply = case id ${replies} end, content = null, claimed_until = null, last_error = null
    where ${IS_SENDING} and claimed_by = ${senderId} and (${rows})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
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

/** Records a message that will not be sent, with why, and drops its content. */
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
    .set({ status: 'failed', failure, last_error: error.slice(0, 500), content: null, claimed_until: null, finished_at: now.toISOString() })
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
    .set({ status: 'failed', failure: 'no_transport', last_error: NO_TRANSPORT_REASON, content: null, finished_at: at })
    .where(IS_QUEUED)
    .where('next_attempt_at', '<=', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * The report's retention: deletes batches queued before `before` whose messages are all
 * finished (sent or failed), with their messages, a few batches at a time. Returns how many
 * messages went.
 */
export async function deleteFinished(db: Kysely<Database>, before: Date): Promise<number> {
  const cut = before.toISOString();
  let deleted = 0;
  for (;;) {
    const old = await db
      .selectFrom('mail_batches')
      .select('id')
      .where('created_at', '<', cut)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('mail_outbox').select('id').whereRef('mail_outbox.batch_id', '=', 'mail_batches.id').where((w) => w.or([IS_QUEUED, IS_SENDING])))),
      )
      .orderBy('created_at')
      .limit(20)
      .execute();
    if (old.length === 0) return deleted;
    const ids = old.map((b) => b.id);
    await db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('mail_outbox').where('batch_id', 'in', ids).executeTakeFirst();
      deleted += Number(r.numDeletedRows);
      await trx.deleteFrom('mail_batches').where('id', 'in', ids).execute();
    });
  }
}
