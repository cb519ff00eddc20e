import { GatepassError } from '../../../shared/errors';
import type { MailBatch, MailSettingsChange, MailSettingsView } from '../../../shared/model/mail';
import type { AdminCaller, ServiceContext } from '../../context';
import { failUnsendable } from '../../mail/outbox';
import { batchCsv, batchReport, batchSummary, listBatches } from '../../mail/report';
import { describeSettings, hasStoredPassword, loadMailSettings, mailSettingsView, settingsChange, writeMailSettings } from '../../mail/settings';
import { renderTestMail } from '../../mail/templates';
import { recordAudit } from '../audit/service';

/** GET /api/v1/mail/settings: never the password, only whether one is set. */
export function getMailSettings(ctx: ServiceContext): Promise<MailSettingsView> {
  return mailSettingsView(ctx.db);
}

/**
 * PUT /api/v1/mail/settings: one transaction for the settings, the password and the audit
 * line. Choosing no transport fails what is queued at once (it has nowhere to go); the
 * sender of every replica picks the new transport up within its poll interval.
 */
export async function setMailSettings(ctx: ServiceContext, caller: AdminCaller, input: MailSettingsChange): Promise<MailSettingsView> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    const current = await loadMailSettings(trx);
    const change = settingsChange(current, await hasStoredPassword(trx), input);
    await writeMailSettings(trx, change, caller.login, now, ctx.secrets);
    await recordAudit(trx, now, { actor: caller.login, action: 'mail.settings_update', detail: describeSettings(change.settings, change.password) });
    if (change.settings.transport === 'none') await failUnsendable(trx, now);
  });
  ctx.mail.settingsChanged();
  return mailSettingsView(ctx.db);
}

/** POST /api/v1/mail/test: a test message through the outbox, like any other. */
export async function sendTestMail(ctx: ServiceContext, caller: AdminCaller, to: string, serverName: string): Promise<{ batch: MailBatch; messageId: string }> {
  const now = ctx.now();
  const content = renderTestMail({ serverName, sentBy: caller.login, at: now });
  const queued = await ctx.mail.queue([{ to, content }], { kind: 'test', createdBy: caller.login });
  await recordAudit(ctx.db, now, { actor: caller.login, action: 'mail.test', target: to, detail: `batch ${queued.batchId}` });
  const batch = await batchSummary(ctx.db, queued.batchId);
  if (!batch) throw new GatepassError('INTERNAL', 'The test message was queued but its batch is gone');
  return { batch, messageId: queued.messages[0]!.messageId };
}

function notFound(): never {
  throw new GatepassError('NOT_FOUND', 'No such mail batch (finished batches are kept for 90 days)');
}

export { listBatches };

/** GET /api/v1/mail/batches/:id */
export async function getMailBatch(ctx: ServiceContext, id: string, q: Parameters<typeof batchReport>[2]) {
  return (await batchReport(ctx.db, id, q)) ?? notFound();
}

/** GET /api/v1/mail/batches/:id/csv */
export async function getMailBatchCsv(ctx: ServiceContext, id: string) {
  return (await batchCsv(ctx.db, id)) ?? notFound();
}
