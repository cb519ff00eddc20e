import type { z } from 'zod';
import type { PreviewProvisioningMailSchema, ProvisioningMailPreviewSchema, ProvisioningMailResultsSchema, SendProvisioningMailSchema } from '../../../shared/api/provisioning';
import { GatepassError } from '../../../shared/errors';
import { encodeProvisioningPayload, provisioningLink, qrImageUrlFor } from '../../../shared/provisioning-payload';
import { toCount, type AdminCaller, type ServiceContext } from '../../context';
import type { MailDraft, PreparedMail } from '../../mail/index';
import { renderProvisioningMail } from '../../mail/index';
import { effectiveFrom, loadMailSettings } from '../../mail/settings';
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
  const prepared: PreparedMail[] = [];
  // One reading of the mail settings for the whole send: every message of the batch gets the same From.
  const prepare = await ctx.mail.preparer();
  // What the message says: the transaction stores an expiry a moment later, so the message never promises more.
  const validUntil = new Date(ctx.now().getTime() + validity * 1000);
  for (let i = 0; i < ids.length; i += READ_CHUNK) {
    const chunk = ids.slice(i, i + READ_CHUNK);
    const users = await ctx.db.selectFrom('users').select(['id', 'login', 'display_name', 'email', 'mobile_allowed', 'disabled_at']).where('id', 'in', chunk).execute();
    const drafts: MailDraft[] = [];
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
      const content = renderFor(ctx, settings.qrCodeUrl, { login: u.login, displayName: u.display_name }, code, validUntil, input.qrImage);
      drafts.push({ to: u.email, toName: u.display_name || u.login, ref: u.id, content, expiresAt: validUntil });
    }
    // Addressed and sealed a chunk at a time: only the sealed messages are kept until the
    // transaction, not every user's rendered message (HTML, text, QR image) beside them.
    if (drafts.length > 0) for (const p of prepare(drafts)) prepared.push(p);
  }
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

/** One user's message with this code: the template, the QR of the payload, its URL and the link. */
function renderFor(
  ctx: ServiceContext,
  qrCodeUrl: string,
  user: { login: string; displayName: string },
  code: string,
  validUntil: Date,
  qrImage: 'inline' | 'url',
): ReturnType<typeof renderProvisioningMail> {
  const payload = encodeProvisioningPayload({ server: ctx.publicUrl(), serverId: ctx.serverId, login: user.login, code, tlsPin: ctx.tlsPin });
  return renderProvisioningMail({
    displayName: user.displayName,
    login: user.login,
    serverName: ctx.serverName,
    qrPngBytes: qrPng(payload),
    qrUrl: qrImageUrlFor(qrCodeUrl, payload),
    link: provisioningLink(payload),
    validUntil,
    qrImage,
  });
}

/**
 * A code-shaped sample (22 characters of the code alphabet) that no server ever issues: the
 * preview's QR and link carry it, so scanning a preview redeems nothing.
 */
export const PREVIEW_CODE = 'PREVIEW0NOT0A0REAL0CODE';

/**
 * POST /api/v1/provisioning/mail/preview: the message "Send provisioning email" would queue for
 * this user, rendered by the same template with {@link PREVIEW_CODE} in place of a code. Reads
 * only: nothing is issued, queued or audited. Says why the user would get none (no address,
 * may not use mobile authentication, disabled), as the send would.
 */
export async function previewProvisioningMail(
  ctx: ServiceContext,
  input: z.output<typeof PreviewProvisioningMailSchema>,
): Promise<z.output<typeof ProvisioningMailPreviewSchema>> {
  const u = await ctx.db
    .selectFrom('users')
    .select(['id', 'login', 'display_name', 'email', 'mobile_allowed', 'disabled_at'])
    .where('id', '=', input.userId)
    .executeTakeFirst();
  if (!u) throw new GatepassError('NOT_FOUND', 'No such user (deleted since the list was loaded?)');
  const settings = await getProvisioningSettings(ctx);
  const validity = input.validitySeconds ?? settings.codeValiditySeconds;
  const validUntil = new Date(ctx.now().getTime() + validity * 1000);
  const content = renderFor(ctx, settings.qrCodeUrl, { login: u.login, displayName: u.display_name }, PREVIEW_CODE, validUntil, input.qrImage);
  const from = effectiveFrom(await loadMailSettings(ctx.db));
  const refusal =
    toCount(u.mobile_allowed) !== 1
      ? { code: 'NOT_ENTITLED', message: `${u.login} may not use mobile authentication` }
      : u.disabled_at !== ''
        ? { code: 'FORBIDDEN', message: `${u.login} is disabled` }
        : !u.email
          ? { code: 'NO_EMAIL_ADDRESS', message: `${u.login} has no e-mail address: add one, or hand over the QR code another way` }
          : null;
  return {
    from: from.name ? `${from.name} <${from.address}>` : from.address,
    to: u.email || null,
    toName: u.display_name || u.login,
    subject: content.subject,
    html: content.html,
    text: content.text,
    inline: (content.inline ?? []).map((i) => ({ cid: i.cid, contentType: i.contentType, contentBase64: Buffer.from(i.content).toString('base64') })),
    validUntil: validUntil.toISOString(),
    refusal,
  };
}
