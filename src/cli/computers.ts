import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Computer } from '../shared/api/computers';
import { GatepassError } from '../shared/errors';
import { writeFileAtomic } from '../main/services/files/atomic-write';
import { printJson } from './output';
import { adminSession, badInput, passwordFromStdin, secondFactorFrom, type AdminSession } from './sign-in';

/** Options every `gatepass computers` command shares, as commander parses them. */
interface AdminOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  json?: boolean;
}

async function signIn(o: AdminOptions): Promise<AdminSession> {
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  return adminSession(o.server, o.login, password, factor);
}

/**
 * Checks before anything is registered that the agent file can be written where asked and
 * would not replace a file (it may be another computer's credential): a refusal here leaves no
 * computer registered without its file.
 */
async function checkOut(out: string, force: boolean): Promise<string> {
  const path = resolve(out);
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw badInput(`--out ${out} is a folder: name the file to write (e.g. ${out}/pc.agent)`);
  if (existing && !force) throw badInput(`${out} exists: choose another file, or add --force to replace it`);
  await access(dirname(path), constants.W_OK).catch(() => {
    throw badInput(`Cannot write to the folder of ${out}`);
  });
  return path;
}

/**
 * `gatepass computers add NAME`: registers a computer and writes its agent file (owner-only,
 * atomically). When the file cannot be written after all, the computer is revoked again, so no
 * credential exists that nobody holds.
 */
export async function computersAddCommand(name: string, o: AdminOptions & { out: string; force?: boolean }): Promise<void> {
  const path = await checkOut(o.out, o.force === true);
  const session = await signIn(o);
  try {
    const registered = await session.call('registerComputer', { body: { name, serverUrl: session.url } });
    try {
      await writeFileAtomic(path, async (out) => void out.end(registered.agentFile), { mode: 0o600 });
    } catch (err) {
      await session.call('revokeComputer', { params: { id: registered.computer.id } }).catch(() => undefined);
      throw err instanceof GatepassError ? new GatepassError(err.code, `${err.message}; the computer was revoked again`) : err;
    }
    if (o.json) {
      printJson({ ok: true, computer: registered.computer, file: path });
      return;
    }
    console.log(`Registered computer ${registered.computer.name} (${registered.computer.id}) on ${session.name}.`);
    console.log(`Agent file written to ${path}: it holds the computer's credential, keep it private (owner-only).`);
  } finally {
    await session.close();
  }
}

/** `gatepass computers list`: every computer (all pages), by name. */
export async function computersListCommand(o: AdminOptions & { state: 'active' | 'revoked' | 'all'; search?: string }): Promise<void> {
  const session = await signIn(o);
  try {
    const items: Computer[] = [];
    let total = 0;
    for (let offset = 0; ; offset += 500) {
      const page = await session.call('listComputers', { query: { offset, limit: 500, state: o.state, ...(o.search ? { search: o.search } : {}) } });
      total = page.total;
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= total) break;
    }
    if (o.json) {
      printJson({ ok: true, total, items });
      return;
    }
    const rows = items.map((c) => [c.name, c.registeredAt.slice(0, 16).replace('T', ' '), c.lastSeenAt?.slice(0, 16).replace('T', ' ') ?? 'never', String(c.sessions), c.revokedAt ? 'revoked' : 'active']);
    printTable(['NAME', 'REGISTERED', 'LAST SEEN', 'SESSIONS', 'STATE'], rows);
    console.log(`${items.length} computer(s) on ${session.name}`);
  } finally {
    await session.close();
  }
}

/** `gatepass computers revoke NAME|ID`: its credential stops working at once. */
export async function computersRevokeCommand(which: string, o: AdminOptions): Promise<void> {
  const session = await signIn(o);
  try {
    const page = await session.call('listComputers', { query: { search: which, limit: 500, state: 'active' } });
    const match = page.items.find((c) => c.id === which || c.name.toLowerCase() === which.toLowerCase());
    // Not a live computer's name: an id (a revoked computer's too, which answers as already revoked).
    const id: string = match ? match.id : (await session.call('getComputer', { params: { id: which } })).id;
    const r = await session.call('revokeComputer', { params: { id } });
    if (o.json) {
      printJson({ ok: true, ...r });
      return;
    }
    console.log(`Revoked ${r.computer.name}: its agent credential no longer works; ${r.sessionsEnded} client session(s) ended, ${r.passwordsVoided} pending one-time password(s) void.`);
  } finally {
    await session.close();
  }
}

/** Columns padded to their widest cell (at most 40), the last one free. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

/** The administrator sign-in options of every admin command (with --otp when the account has 2FA). */
export function withAdmin(cmd: Command): Command {
  return cmd
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <admin>', 'administrator login')
    .option('--password-stdin', "read the administrator's password from stdin (required)")
    .option('--otp <code>', "the administrator's authenticator code, when the account has two-step verification")
    .option('--recovery-code <code>', 'an administrator recovery code instead of --otp')
    .option('--json', 'print one JSON object as the last line');
}

/** Adds `computers add|list|revoke`: computers whose agents sign users in with one-time passwords by email. */
export function addComputersCommands(program: Command, helpText: string): void {
  const computers = program.command('computers').description('Register computers whose agents sign users in with one-time passwords by email').addHelpText('after', helpText);
  withAdmin(computers.command('add <name>').description("Register a computer and write its agent configuration file (docs/agent-file.md)"))
    .requiredOption('--out <file.agent>', "where to write the agent file (owner-only; it holds the computer's credential)")
    .option('--force', 'replace --out if it exists')
    .addHelpText('after', `\nWith --json: {"ok", "computer", "file"}.${helpText}`)
    .action(computersAddCommand);
  withAdmin(computers.command('list').description('List computers: name, registered, last seen, sessions, state'))
    .addOption(new Option('--state <state>', 'which computers').choices(['active', 'revoked', 'all']).default('active'))
    .option('--search <text>', 'case-insensitive part of the name')
    .addHelpText('after', `\nWith --json: {"ok", "total", "items"}.${helpText}`)
    .action(computersListCommand);
  withAdmin(computers.command('revoke <name-or-id>').description("Revoke a computer: its agent file stops working at once, its open sessions end"))
    .addHelpText('after', `\nWith --json: {"ok", "computer", "sessionsEnded", "passwordsVoided"}.${helpText}`)
    .action(computersRevokeCommand);
}
