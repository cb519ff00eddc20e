import { Command, Option } from 'commander';
import pMap from 'p-map';
import type { User } from '../shared/model/user';
import type { AdminCall } from '../main/services/connections';
import { printJson } from './output';
import { adminSession, badInput, passwordFromStdin, secondFactorFrom } from './sign-in';

/** Same codes as EXIT in index.ts (kept here so this module does not import the entry point). */
const OK = 0;
const FAILED = 1;
const PARTIAL = 3;

interface AdminOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  json?: boolean;
}

async function signIn(o: AdminOptions) {
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  return adminSession(o.server, o.login, password, factor);
}

/** `gatepass users list`: every matching user, paged from the server (search, 2FA filter). */
export async function usersListCommand(o: AdminOptions & { twoStep?: 'enabled' | 'disabled'; search?: string; limit?: number }): Promise<number> {
  const session = await signIn(o);
  try {
    const items: User[] = [];
    let total = 0;
    const want = o.limit ?? Number.POSITIVE_INFINITY;
    for (let offset = 0; items.length < want; offset += 500) {
      const page = await session.call('listUsers', {
        query: { offset, limit: Math.min(500, want - items.length), sort: 'login', order: 'asc', ...(o.search ? { search: o.search } : {}), ...(o.twoStep ? { totp: o.twoStep } : {}) },
      });
      total = page.total;
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= total) break;
    }
    if (o.json) {
      printJson({ ok: true, total, items });
      return OK;
    }
    const rows = items.map((u) => [u.login, u.displayName, u.email, u.totpEnabled ? 'on' : 'off', u.disabledAt ? 'disabled' : 'active']);
    const head = ['LOGIN', 'NAME', 'EMAIL', '2FA', 'STATUS'];
    const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    console.log(`${items.length} of ${total} user(s) on ${session.name}`);
    return OK;
  } finally {
    await session.close();
  }
}

/** The users behind logins (case-insensitive), in the order given; unknown logins are bad input. */
async function usersByLogin(call: AdminCall, spec: string): Promise<User[]> {
  const logins = [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
  if (logins.length === 0) throw badInput('--users needs at least one login');
  const found = await pMap(
    logins,
    async (login) => {
      const page = await call('listUsers', { query: { search: login, limit: 500 } });
      return page.items.find((u) => u.login.toLowerCase() === login.toLowerCase()) ?? null;
    },
    { concurrency: 4 },
  );
  const missing = logins.filter((_, i) => found[i] === null);
  if (missing.length > 0) throw badInput(`No such users on the server: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? `, and ${missing.length - 10} more` : ''}`);
  return found.filter((u): u is User => u !== null);
}

/**
 * `gatepass users 2fa remove|recovery-codes`: an administrator helps locked-out users, each
 * user on their own. Exit 0 when every user was done, 1 when none was, 3 when some were.
 */
export async function usersTwoStepCommand(action: 'remove' | 'recovery-codes' | 'reset-attempts', o: AdminOptions & { users: string }): Promise<number> {
  const session = await signIn(o);
  try {
    const users = await usersByLogin(session.call, o.users);
    const apiAction = action === 'remove' ? 'remove' : action === 'recovery-codes' ? 'regenerateRecoveryCodes' : 'resetAttempts';
    const results = [];
    for (let i = 0; i < users.length; i += 1000) {
      const res = await session.call('userTwoStepActions', { body: { action: apiAction, userIds: users.slice(i, i + 1000).map((u) => u.id) } });
      results.push(...res.results);
    }
    const done = results.filter((r) => r.ok).length;
    const firstRefusal = results.find((r) => !r.ok);
    if (o.json) {
      printJson({
        ok: done === results.length,
        ...(firstRefusal ? { code: firstRefusal.code, message: firstRefusal.message } : {}),
        results: results.map((r) => ({ login: r.login, ok: r.ok, changed: r.changed, ...(r.recoveryCodes ? { recoveryCodes: r.recoveryCodes } : {}), ...(r.ok ? {} : { code: r.code, message: r.message }) })),
      });
    } else {
      for (const r of results) {
        if (!r.ok) {
          console.error(`  ${r.login ?? r.userId}: ${r.message ?? 'refused'} (${r.code ?? 'FAILED'})`);
          continue;
        }
        if (apiAction === 'regenerateRecoveryCodes') {
          console.log(`${r.login}: new recovery codes (every earlier code stopped working; shown only now):`);
          for (const c of r.recoveryCodes ?? []) console.log(`  ${c}`);
        } else if (apiAction === 'remove') {
          console.log(`${r.login}: ${r.changed ? 'two-step verification removed' : 'had no two-step verification'}`);
        } else {
          console.log(`${r.login}: ${r.changed ? 'may try codes again' : 'had nothing to reset'}`);
        }
      }
      console.log(`${done} of ${results.length} user(s) done on ${session.name}`);
    }
    // Every user refused: the command was refused (each user's code is printed above, or in the JSON).
    return done === results.length ? OK : done === 0 ? FAILED : PARTIAL;
  } finally {
    await session.close();
  }
}

function withAdmin(cmd: Command): Command {
  return cmd
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <admin>', 'administrator login')
    .option('--password-stdin', "read the administrator's password from stdin (required)")
    .option('--otp <code>', "the administrator's authenticator code, when the account has two-step verification")
    .option('--recovery-code <code>', 'an administrator recovery code instead of --otp')
    .option('--json', 'print one JSON object as the last line');
}

/** Adds `list` and `2fa remove|recovery-codes|reset-attempts` to the `users` command. */
export function addUsersCommands(users: Command, state: { exitCode: number }, helpText: string): void {
  withAdmin(users.command('list').description('List users, all pages, optionally only those with or without two-step verification'))
    .addOption(new Option('--2fa <state>', 'only users with two-step verification on (enabled) or off (disabled)').choices(['enabled', 'disabled']))
    .option('--search <text>', 'case-insensitive part of login, name or email')
    .option('--limit <n>', 'at most this many users', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw badInput('--limit is a whole number from 1');
      return n;
    })
    .addHelpText('after', `\nWith --json: {"ok", "total", "items"}.${helpText}`)
    .action(async (o: AdminOptions & { '2fa'?: 'enabled' | 'disabled'; search?: string; limit?: number }) => {
      state.exitCode = await usersListCommand({ ...o, ...(o['2fa'] ? { twoStep: o['2fa'] } : {}) });
    });
  const twoStep = users.command('2fa').description("Help users with two-step verification (each user on their own, audited)").addHelpText('after', helpText);
  const actions = [
    ['remove', "Remove users' two-step verification and recovery codes (they sign in with the password alone, or enrol again)"],
    ['recovery-codes', 'Make new recovery codes for users who lost theirs (shown once); every earlier code stops working'],
    ['reset-attempts', 'Let users locked after 100 wrong codes try again'],
  ] as const;
  for (const [name, description] of actions) {
    withAdmin(twoStep.command(name).description(description))
      .requiredOption('--users <logins>', 'logins separated by commas')
      .addHelpText('after', `\nWith --json: {"ok", "results": [{"login", "ok", "changed", ...}]}.${helpText}`)
      .action(async (o: AdminOptions & { users: string }) => {
        state.exitCode = await usersTwoStepCommand(name, o);
      });
  }
}
