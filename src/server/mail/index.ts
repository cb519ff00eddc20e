import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { SecretBox } from '../security/secret-box';
import {
  INSERT_CHUNK,
  insertBatch,
  insertMail,
  insertMessages,
  prepareMail,
  type BatchOptions,
  type MailDraft,
  type MailKind,
  type PreparedMail,
  type QueuedBatch,
} from './outbox';
import type { MailSender } from './sender';
import { loadMailSettings } from './settings';

/**
 * The server's mail, as other modules use it (docs/mail.md, "For module authors").
 *
 * Queue and forget: `ctx.mail.queue(drafts, { kind, createdBy })` writes one outbox row per
 * message in one transaction and wakes this process's sender (which builds the MIME); the batch id
 * it returns is what GET /api/v1/mail/batches/:id reports on (per message, with each draft's
 * `ref`). A module that must commit its own rows with the mail (a provisioning code and the
 * message carrying it) prepares first and inserts inside its own transaction:
 *
 *   const prepare = await ctx.mail.preparer();                   // reads the settings once
 *   const prepared = prepare(drafts);                            // checks addresses; no write
 *   await ctx.db.transaction().execute(async (trx) => {
 *     ...store the code hashes...
 *     batch = await ctx.mail.insert(trx, prepared, { kind: 'provisioning', createdBy });
 *   });
 *   ctx.mail.wake();
 *
 * Message content comes from templates.ts (renderProvisioningMail, renderTestMail). A draft's
 * content may carry a secret: it is stored only until the message is sent or fails, and never
 * logged; its subject is kept for the report, so a subject must never carry one.
 */
export interface MailService {
  /** Queues `drafts` in one transaction (one row each), then wakes the sender. */
  queue(drafts: readonly MailDraft[], opts: QueueOptions): Promise<QueuedBatch>;
  /**
   * Reads the mail settings once and answers what checks and addresses drafts with them (the
   * From, a Message-ID each; no database write), so every chunk of one batch gets the same From
   * and Message-ID host even if an administrator changes them meanwhile.
   */
  preparer(): Promise<(drafts: readonly MailDraft[]) => PreparedMail[]>;
  /** Inserts prepared messages in the caller's transaction (all or none); call {@link wake} after it commits. */
  insert(trx: Kysely<Database>, prepared: readonly PreparedMail[], opts: QueueOptions): Promise<QueuedBatch>;
  /**
   * Prepares and inserts a few messages in the caller's transaction, reading the settings
   * through it: for a module whose message is only known inside its transaction (a one-time
   * password re-sent from its sealed copy). {@link preparer} reads on its own connection, which
   * inside a transaction on SQLite (one connection) would wait for that transaction forever.
   * Call {@link wake} after the commit.
   */
  queueIn(trx: Kysely<Database>, drafts: readonly MailDraft[], opts: QueueOptions): Promise<QueuedBatch>;
  /** Tells this process's sender to look for due messages now. */
  wake(): void;
  /** Tells the sender the settings changed (it rebuilds its transport once nothing is in flight). */
  settingsChanged(): void;
}

/** What a batch is and who queued it. */
export interface QueueOptions {
  kind: MailKind;
  /** An administrator's login, or 'server' for mail the server sends on its own. */
  createdBy: string;
  /** A caller-chosen id (a UUID) to report on; a new one by default. */
  batchId?: string;
}

/** The mail service over a database and this process's sender. */
export function createMailService(deps: { db: Kysely<Database>; now(): Date; sender: Pick<MailSender, 'wake'>; secrets: SecretBox | null }): MailService {
  const service: MailService = {
    async preparer() {
      const settings = await loadMailSettings(deps.db);
      return (drafts) => prepareMail(settings, drafts, deps.secrets);
    },
    async insert(trx, prepared, opts) {
      // The transport is read in the same transaction: with none set, the rows are written as not sent.
      const settings = await loadMailSettings(trx);
      return insertMail(trx, prepared, { ...opts, now: deps.now(), transport: settings.transport });
    },
    async queueIn(trx, drafts, opts) {
      const settings = await loadMailSettings(trx);
      return insertMail(trx, prepareMail(settings, drafts, deps.secrets), { ...opts, now: deps.now(), transport: settings.transport });
    },
    async queue(drafts, opts) {
      const batch = await deps.db.transaction().execute(async (trx) => {
        const settings = await loadMailSettings(trx);
        const o: BatchOptions = { ...opts, now: deps.now(), transport: settings.transport };
        const batchId = await insertBatch(trx, drafts.length, o);
        const messages: QueuedBatch['messages'] = [];
        // A slice at a time, in the one transaction: a batch of 10,000 never holds all of its
        // stored messages in memory at once.
        for (let i = 0; i < drafts.length; i += INSERT_CHUNK) {
          const prepared = prepareMail(settings, drafts.slice(i, i + INSERT_CHUNK), deps.secrets);
          await insertMessages(trx, batchId, i, prepared, o);
          for (const p of prepared) messages.push({ id: p.id, messageId: p.messageId, ref: p.ref });
        }
        return { batchId, messages };
      });
      service.wake();
      return batch;
    },
    wake() {
      deps.sender.wake();
    },
    settingsChanged() {
      deps.sender.wake({ settingsChanged: true });
    },
  };
  return service;
}

export type { MailContent, InlineImage } from './compose';
export type { MailDraft, MailKind, PreparedMail, QueuedBatch } from './outbox';
export {
  renderProvisioningMail,
  renderTestMail,
  renderOtpMail,
  QR_CONTENT_ID,
  PROVISIONING_TEMPLATE,
  OTP_TEMPLATE,
  type MailTemplate,
  type ProvisioningMailInput,
  type OtpMailInput,
} from './templates';
export { loadMailSettings } from './settings';
export { batchReport, batchSummary, batchCsv, listBatches } from './report';
