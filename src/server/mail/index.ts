import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { insertMail, prepareMail, type MailDraft, type MailKind, type PreparedMail, type QueuedBatch } from './outbox';
import type { MailSender } from './sender';
import { loadMailSettings } from './settings';

/**
 * The server's mail, as other modules use it (docs/mail.md, "For module authors").
 *
 * Queue and forget: `ctx.mail.queue(drafts, { kind, createdBy })` composes each message, writes
 * one outbox row per message in one transaction and wakes this process's sender; the batch id
 * it returns is what GET /api/v1/mail/batches/:id reports on (per message, with each draft's
 * `ref`). A module that must commit its own rows with the mail (a provisioning code and the
 * message carrying it) composes first, outside its transaction, and inserts inside it:
 *
 *   const prepared = await ctx.mail.prepare(drafts);             // CPU work, no transaction
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
  /** Composes and queues `drafts` in one transaction, then wakes the sender. */
  queue(drafts: readonly MailDraft[], opts: QueueOptions): Promise<QueuedBatch>;
  /** Composes `drafts` with the current From and a Message-ID each; no database write. */
  prepare(drafts: readonly MailDraft[]): Promise<PreparedMail[]>;
  /** Inserts prepared messages in the caller's transaction (all or none); call {@link wake} after it commits. */
  insert(trx: Kysely<Database>, prepared: readonly PreparedMail[], opts: QueueOptions): Promise<QueuedBatch>;
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
export function createMailService(deps: { db: Kysely<Database>; now(): Date; sender: Pick<MailSender, 'wake'> }): MailService {
  const service: MailService = {
    async prepare(drafts) {
      return prepareMail(await loadMailSettings(deps.db), drafts, deps.now());
    },
    async insert(trx, prepared, opts) {
      // The transport is read in the same transaction: with none set, the rows are written as not sent.
      const settings = await loadMailSettings(trx);
      return insertMail(trx, prepared, { ...opts, now: deps.now(), transport: settings.transport });
    },
    async queue(drafts, opts) {
      const prepared = await service.prepare(drafts);
      const batch = await deps.db.transaction().execute((trx) => service.insert(trx, prepared, opts));
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
export { renderProvisioningMail, renderTestMail, QR_CONTENT_ID, PROVISIONING_TEMPLATE, type MailTemplate, type ProvisioningMailInput } from './templates';
export { batchReport, batchSummary, batchCsv, listBatches } from './report';
