import type { z } from 'zod';
import type { ProvisioningMailResultsSchema, SendProvisioningMailSchema } from '../../../shared/api/provisioning';
import { GatepassError } from '../../../shared/errors';
import { encodeProvisioningPayload, provisioningLink, qrImageUrlFor } from '../../../shared/provisioning-payload';
import { toCount, type AdminCaller, type ServiceContext } from '../../context';
import type { MailDraft } from '../../mail/index';
import { renderProvisioningMail } from '../../mail/index';
import { loadMailSettings } from '../../mail/settings';
import { qrPng } from '../../qr/png';
import { recordAudit } from '../audit/service';
import { describeSeconds, getProvisioningSettings, ISSUE_GROUP, issueCodesInTransaction, newProvisionCode } from './service';

type MailResult = z.output<typeof ProvisioningMailResultsSchema>['results'][number];

/** Users read per query while the messages are built. */
const READ_CHUNK = 500;

/**
 * "Send provisioning email" (POST /api/v1/provisioning/mail): for each user with an e-mail
 * address, a new provisioning code and the message that carries it (the QR embedded as a cid:
 * image by default, `url4` the QR image URL, the plain text with the provisioning link).
 *
 * The codes and their messages commit together, all or none: the messages are built and
 * addressed first (no write), then one transaction locks the users (ISSUE_GROUP at a time, in
 * id order), stores the codes' hashes (voiding earlier codes) and inserts the messages of the
 * users who got one into the outbox as one batch, which the senders deliver after the commit;
 * a message is not sent after its code expires. Refused per user, audited: no e-mail address
 * (NO_EMAIL_ADDRESS; their earlier code is left as it was), may not use mobile authentication
 * (NOT_ENTITLED), disabled (FORBIDDEN), unknown (NOT_FOUND). With no mail transport set nothing
 * is issued (MAIL_NOT_CONFIGURED).
 */
export async function sendProvisioningMail(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof SendProvisioningMailSchema>,
): Promise<z.output<typeof ProvisioningMailResultsSchema>> {
  if ((await loadMailSettings(ctx.db)).transport === 'none') {
    throw new GatepassError('MAIL_NOT_CONFIGURED', 'This server has no mail transport: set up SMTP (or a folder) in the mail settings first; no code was issued');
  }
  const settings = await getProvisioningSettings(ctx);
  const validity = input.validitySeconds ?? settings.codeValiditySeconds;
  const ids = [...new Set(input.userIds)];
  const results = new Map<string, MailResult>();
  const codes = new Map<string, string>();
  const emails = new Map<string, string>();
  const drafts: MailDraft[] = [];
  // What the message says: the transaction stores an expiry a moment later, so the message never promises more.
  const validUntil = new Date(ctx.now().getTime() + validity * 1000);
  for (let i = 0; i < ids.length; i += READ_CHUNK) {
    const chunk = ids.slice(i, i + READ_CHUNK);
    const users = await ctx.db.selectFrom('users').select(['id', 'login', 'display_name', 'email', 'mobile_allowed', 'disabled_at']).where('id', 'in', chunk).execute();
    for (const u of users) {
      // Who may not get a code is decided in the transaction, under the user's lock.
      if (toCount(u.mobile_allowed) !== 1 || u.disabled_at !== '') continue;
      if (!u.email) {
        results.set(u.id, { ok: false, userId: u.id, login: u.login, code: 'NO_EMAIL_ADDRESS', message: `${u.login} has no e-mail address: add one, or hand over the QR code another way` });
        continue;
      }
      const code = newProvisionCode();
      codes.set(u.id, code);
      emails.set(u.id, u.email);
      const payload = encodeProvisioningPayload({ server: ctx.publicUrl(), serverId: ctx.serverId, login: u.login, code, tlsPin: ctx.tlsPin });
      const content = renderProvisioningMail({
        displayName: u.display_name,
        login: u.login,
        serverName: ctx.serverName,
        qrPngBytes: qrPng(payload),
        qrUrl: qrImageUrlFor(settings.qrCodeUrl, payload),
        link: provisioningLink(payload),
        validUntil,
        qrImage: input.qrImage,
      });
      drafts.push({ to: u.email, toName: u.display_name || u.login, ref: u.id, content, expiresAt: validUntil });
    }
  }
  const prepared = await ctx.mail.prepare(drafts);
  const issuable = ids.filter((id) => !results.has(id));
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const issued = [];
    for (let i = 0; i < issuable.length; i += ISSUE_GROUP) {
      issued.push(...(await issueCodesInTransaction(trx, ctx, caller.login, issuable.slice(i, i + ISSUE_GROUP), validity, settings.qrCodeUrl, codes)));
    }
    // Only the messages of users who got a code: a user refused under the lock gets none.
    const ok = new Set(issued.filter((r) => r.ok).map((r) => r.userId));
    const mine = prepared.filter((p) => p.ref !== null && ok.has(p.ref));
    const queued = mine.length > 0 ? await ctx.mail.insert(trx, mine, { kind: 'provisioning', createdBy: caller.login }) : null;
    return { issued, queued };
  });
  if (outcome.queued) ctx.mail.wake();
  const messageOf = new Map((outcome.queued?.messages ?? []).map((m) => [m.ref, m.messageId]));
  for (const r of outcome.issued) {
    results.set(
      r.userId,
      r.ok ? { ok: true, userId: r.userId, login: r.login, to: emails.get(r.userId) ?? '', messageId: messageOf.get(r.userId) ?? '', expiresAt: r.expiresAt } : r,
    );
  }
  const ordered = ids.map((id) => results.get(id)!);
  const queued = ordered.filter((r) => r.ok).length;
  const batchId = outcome.queued?.batchId ?? null;
  await recordAudit(ctx.db, ctx.now(), {
    actor: caller.login,
    action: 'provision.send',
    detail: `${queued} provisioning mail(s) queued${batchId ? ` (batch ${batchId})` : ''}, ${ordered.length - queued} user(s) refused; codes valid ${describeSeconds(validity)}`,
  });
  return { batchId, queued, refused: ordered.length - queued, results: ordered };
}
