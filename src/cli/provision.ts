import { InvalidArgumentError, type Command } from 'commander';
import { PROVISION_VALIDITY_MAX_S, PROVISION_VALIDITY_MIN_S, type ProvisioningIssueResultsSchema } from '../shared/api/provisioning';
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
}
