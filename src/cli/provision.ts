import { InvalidArgumentError, Option, type Command } from 'commander';
import { PROVISION_VALIDITY_MAX_S, PROVISION_VALIDITY_MIN_S, type ProvisioningIssueResultsSchema, type ProvisioningMailResultsSchema } from '../shared/api/provisioning';
import type { MailItem } from '../shared/model/mail';
import type { AdminSession } from './sign-in';
import type { z } from 'zod';
import { selectUsers } from './bulk';
import { printJson } from './output';
import { adminSession, passwordFromStdin, secondFactorFrom } from './sign-in';

/** Same codes as EXIT in index.ts (kept here so this module does not import the entry point). */
const OK = 0;
const FAILED = 1;
const PARTIAL = 3;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/**
 * A validity as typed: a number and a unit (`90m`, `2h`, `7d`; s, m or min, h, d), from 10
 * minutes to 30 days, as seconds. Commander shows the message of a refusal (exit 2).
 */
export function parseValidity(value: string): number {
  const m = /^(\d{1,7})\s*(s|m|min|h|d)$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a duration such as 10m, 2h or 7d (s, m, h or d)');
  const seconds = Number(m[1]) * (UNIT_SECONDS[m[2]!.toLowerCase()] ?? 0);
  if (seconds < PROVISION_VALIDITY_MIN_S || seconds > PROVISION_VALIDITY_MAX_S) throw new InvalidArgumentError('from 10 minutes (10m) to 30 days (30d)');
  return seconds;
}

interface ProvisionCodesOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  users: string;
  validity?: number;
  json?: boolean;
}

type IssueResult = z.output<typeof ProvisioningIssueResultsSchema>['results'][number];

/** Users per request: the route takes up to 10,000, smaller requests keep each answer quick. */
const CHUNK = 500;

/**
 * `gatepass provision codes`: a new provisioning code for each user, printed for a script to
 * hand out (the payload to put in a QR code, and the server's QR image URL). Each earlier
 * code of these users stops working. Exit 0 when every user got one, 3 when some did, 1 when none.
 */
export async function provisionCodesCommand(o: ProvisionCodesOptions): Promise<number> {
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  const session = await adminSession(o.server, o.login, password, factor);
  try {
    const users = await selectUsers(session.call, o.users);
    const results: IssueResult[] = [];
    for (let i = 0; i < users.length; i += CHUNK) {
      const userIds = users.slice(i, i + CHUNK).map((u) => u.id);
      const res = await session.call('issueProvisioningCodes', { body: { userIds, ...(o.validity !== undefined ? { validitySeconds: o.validity } : {}) } }, { timeoutMs: 120_000 });
      results.push(...res.results);
    }
    const issued = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    const exit = refused.length === 0 ? OK : issued.length === 0 ? FAILED : PARTIAL;
    if (o.json) {
      printJson({
        ok: exit === OK,
        issued: issued.length,
        refused: refused.length,
        results: results.map((r) =>
          r.ok
            ? { ok: true, login: r.login, payload: r.payload, qrImageUrl: r.qrImageUrl, expiresAt: r.expiresAt, replacedUnused: r.replacedUnused }
            : { ok: false, login: r.login, code: r.code, message: r.message },
        ),
      });
      return exit;
    }
    // One line per user, tab-separated, for scripts that read text: login, valid until, payload.
    for (const r of issued) console.log(`${r.login}\t${r.expiresAt}\t${r.payload}`);
    for (const r of refused) console.error(`gatepass: ${r.login ?? r.userId}: ${r.message} (${r.code})`);
    console.error(`${issued.length} provisioning code(s) issued on ${session.name}${refused.length ? `, ${refused.length} refused` : ''}; each earlier code of these users no longer works`);
    return exit;
  } finally {
    await session.close();
  }
}

interface ProvisionSendOptions extends Omit<ProvisionCodesOptions, 'json'> {
  json?: boolean;
  qrImage: 'inline' | 'url';
  wait: boolean;
  waitSeconds: number;
}

type MailResult = z.output<typeof ProvisioningMailResultsSchema>['results'][number];

/** Users per request: the route takes up to 10,000; each request is one mail batch. */
const SEND_CHUNK = 10_000;
/** Report items per page (the route's most). */
const REPORT_PAGE = 5000;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 86_400) throw new InvalidArgumentError('a whole number of seconds from 1 to 86400');
  return n;
}

/** Every item of a batch's report, page by page. */
async function batchItems(session: AdminSession, batchId: string): Promise<{ done: boolean; items: MailItem[] }> {
  const items: MailItem[] = [];
  let done = false;
  for (let offset = 0; ; offset += REPORT_PAGE) {
    const page = await session.call('getMailBatch', { params: { id: batchId }, query: { offset, limit: REPORT_PAGE } });
    done = page.batch.done;
    items.push(...page.items);
    if (page.items.length < REPORT_PAGE) return { done, items };
  }
}

/** Waits until every batch is done (nothing queued or sending) or the time is up. */
async function waitForBatches(session: AdminSession, batchIds: readonly string[], waitSeconds: number): Promise<void> {
  const until = Date.now() + waitSeconds * 1000;
  for (const id of batchIds) {
    for (;;) {
      const page = await session.call('getMailBatch', { params: { id }, query: { limit: 1 } });
      if (page.batch.done || Date.now() >= until) break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
  }
}

/**
 * `gatepass provision send`: "Send provisioning email" for scripts. Queues a provisioning mail
 * for each user (a new code each; earlier codes stop working), waits for the outbox to send them
 * (unless --no-wait, at most --wait-seconds), and prints the per-user report: sent, failed and
 * why, still queued, or refused. Exit 0 when every user's mail was sent (queued, with
 * --no-wait), 3 when some were not, 1 when none was.
 */
export async function provisionSendCommand(o: ProvisionSendOptions): Promise<number> {
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  const session = await adminSession(o.server, o.login, password, factor);
  try {
    const users = await selectUsers(session.call, o.users);
    const results: MailResult[] = [];
    const batches: string[] = [];
    for (let i = 0; i < users.length; i += SEND_CHUNK) {
      const userIds = users.slice(i, i + SEND_CHUNK).map((u) => u.id);
      const res = await session.call(
        'sendProvisioningMail',
        { body: { userIds, qrImage: o.qrImage, ...(o.validity !== undefined ? { validitySeconds: o.validity } : {}) } },
        { timeoutMs: 600_000 },
      );
      results.push(...res.results);
      if (res.batchId) batches.push(res.batchId);
    }
    if (o.wait) await waitForBatches(session, batches, o.waitSeconds);
    const byUser = new Map<string, MailItem>();
    for (const id of batches) for (const item of (await batchItems(session, id)).items) if (item.ref) byUser.set(item.ref, item);
    const rows = results.map((r) => {
      if (!r.ok) return { ok: false as const, login: r.login ?? r.userId, code: r.code, message: r.message };
      const item = byUser.get(r.userId);
      return { ok: true as const, login: r.login, to: r.to, status: item?.status ?? 'queued', reason: item?.reason ?? 'queued', messageId: r.messageId, expiresAt: r.expiresAt };
    });
    const count = (status: string) => rows.filter((r) => r.ok && r.status === status).length;
    const counts = { sent: count('sent'), failed: count('failed'), queued: count('queued') + count('sending'), refused: rows.filter((r) => !r.ok).length };
    const good = o.wait ? counts.sent : counts.sent + counts.queued;
    const exit = good === rows.length ? OK : good === 0 ? FAILED : PARTIAL;
    if (o.json) {
      printJson({ ok: exit === OK, batches, ...counts, results: rows });
      return exit;
    }
    // One line per user, tab-separated: login, address, status, why.
    for (const r of rows) console.log(r.ok ? `${r.login}\t${r.to}\t${r.status}\t${r.reason}` : `${r.login}\t-\trefused\t${r.message} (${r.code})`);
    const still = counts.queued ? `, ${counts.queued} still queued (the server keeps sending them; follow with the console's report)` : '';
    console.error(`Provisioning mail on ${session.name}: ${counts.sent} sent, ${counts.failed} failed${still}, ${counts.refused} refused`);
    return exit;
  } finally {
    await session.close();
  }
}

/** Adds `gatepass provision`: provisioning codes for the reference mobile client, for scripts. */
export function addProvisionCommands(program: Command, state: { exitCode: number }, helpText: string): void {
  const provision = program.command('provision').description('Mobile provisioning codes (docs/provisioning.md)').addHelpText('after', helpText);
  provision
    .command('codes')
    .description('Issue a provisioning code for each user and print it (the QR payload and its image URL); earlier codes stop working')
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <admin>', 'administrator login')
    .option('--password-stdin', "read the administrator's password from stdin (required: never on the command line)")
    .requiredOption('--users <list>', 'all, or logins separated by commas')
    .option('--validity <duration>', "how long the codes stay valid, 10m to 30d (default: the server's Provision code validity, 24h unless changed)", parseValidity)
    .option('--otp <code>', "the administrator's authenticator code, when the account has two-step verification")
    .option('--recovery-code <code>', 'an administrator recovery code instead of --otp')
    .option('--json', 'print one JSON object as the last line: {"ok", "issued", "refused", "results": [{"ok", "login", "payload", "qrImageUrl", "expiresAt"} | {"ok": false, "login", "code", "message"}]}')
    .addHelpText('after', `\nWithout --json: one line per user on stdout, tab-separated: login, valid until, payload.${helpText}`)
    .action(async (o: ProvisionCodesOptions) => {
      state.exitCode = await provisionCodesCommand(o);
    });
  provision
    .command('send')
    .description("Send provisioning email: a new code for each user, mailed with its QR code through the server's outbox; prints the per-user report")
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <admin>', 'administrator login')
    .option('--password-stdin', "read the administrator's password from stdin (required: never on the command line)")
    .requiredOption('--users <list>', 'all, or logins separated by commas')
    .option('--validity <duration>', "how long the codes stay valid, 10m to 30d (default: the server's Provision code validity, 24h unless changed)", parseValidity)
    .addOption(new Option('--qr-image <how>', 'inline: the QR travels in the message; url: only the QR image URL').choices(['inline', 'url']).default('inline'))
    .option('--no-wait', 'print the report as soon as the mails are queued, without waiting for them to be sent')
    .option('--wait-seconds <s>', 'wait at most this long for the mails to be sent', seconds, 120)
    .option('--otp <code>', "the administrator's authenticator code, when the account has two-step verification")
    .option('--recovery-code <code>', 'an administrator recovery code instead of --otp')
    .option('--json', 'print one JSON object as the last line: {"ok", "batches", "sent", "failed", "queued", "refused", "results": [{"ok", "login", "to", "status", "reason", "messageId", "expiresAt"} | {"ok": false, "login", "code", "message"}]}')
    .addHelpText(
      'after',
      `\nWithout --json: one line per user on stdout, tab-separated: login, address, status (sent, failed, queued, refused), why.\nExit 0 when every user's mail was sent (queued, with --no-wait), 3 when some were not, 1 when none was.${helpText}`,
    )
    .action(async (o: ProvisionSendOptions) => {
      state.exitCode = await provisionSendCommand(o);
    });
}
