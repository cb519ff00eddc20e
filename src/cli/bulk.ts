import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { CsvError, describePasswordsFileErrors, parsePasswordsFile } from '../shared/passwords-file';
import type { PasswordMode } from '../shared/ipc/contract';
import type { User } from '../shared/model/user';
import { saveBundle, type BundleProgress } from '../main/services/export/save';
import { importUsers } from '../main/services/users/csv-import';
import type { AdminCall } from '../main/services/connections';
import { writeFileAtomic } from '../main/services/files/atomic-write';
import { generateQrJob } from '../main/services/issuing/issue-job';
import { printJson } from './output';
import { adminSession, badInput, firstLine, passwordFromStdin, secondFactorFrom } from './sign-in';

/** Options of `gatepass export`, as commander parses them. */
export interface ExportCliOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  /** The administrator's authenticator code, when the account has two-step verification. */
  otp?: string;
  recoveryCode?: string;
  users: string;
  mode: 'same' | 'template' | 'unique';
  password?: string;
  passwordFile?: string;
  prefix: string;
  /** "Start from" as parseTemplateStart read it: "001" is start 1, padded to 3 digits. */
  start?: { start: number; digits?: number };
  postfix: string;
  passwordsFile?: string;
  format: 'pdf' | 'zip';
  configFiles?: boolean;
  omitBroken?: boolean;
  pageSize: 'A4' | 'Letter';
  layout: 'single' | 'badges';
  out: string;
}

/** Options of `gatepass users import`. */
export interface ImportCliOptions {
  server: string;
  login: string;
  passwordStdin?: boolean;
  otp?: string;
  recoveryCode?: string;
  report?: string;
  json?: boolean;
}

// Same codes as EXIT in index.ts (kept here so this module does not import the entry point).
const OK = 0;
const PARTIAL = 3;

async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw badInput(`Cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function allUsers(call: AdminCall): Promise<User[]> {
  const users: User[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await call('listUsers', { query: { offset, limit: 500, sort: 'login', order: 'asc' } });
    users.push(...page.items);
    if (page.items.length === 0 || users.length >= page.total) return users;
  }
}

/** `--users all` is every user in login order; otherwise the logins given, in that order. */
export async function selectUsers(call: AdminCall, spec: string): Promise<User[]> {
  const everyone = await allUsers(call);
  if (spec.trim().toLowerCase() === 'all') return everyone;
  const byLogin = new Map(everyone.map((u) => [u.login.toLowerCase(), u]));
  const logins = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (logins.length === 0) throw badInput('--users needs "all" or at least one login');
  const missing = logins.filter((l) => !byLogin.has(l.toLowerCase()));
  if (missing.length > 0) throw badInput(`No such users on the server: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? `, and ${missing.length - 10} more` : ''}`);
  return logins.map((l) => byLogin.get(l.toLowerCase())!);
}

async function modeFrom(o: ExportCliOptions, users: readonly User[]): Promise<PasswordMode> {
  switch (o.mode) {
    case 'same': {
      if ((o.password === undefined) === (o.passwordFile === undefined)) throw badInput('mode same needs exactly one of --password or --password-file');
      const password = o.password ?? firstLine(await readSecretFile(o.passwordFile!, 'the password file'));
      if (!password) throw badInput('the password is empty');
      return { kind: 'same', password };
    }
    case 'template':
      if (o.start === undefined) throw badInput('mode template needs --start <n> (and --prefix/--postfix)');
      return { kind: 'template', prefix: o.prefix, ...o.start, postfix: o.postfix };
    case 'unique': {
      if (!o.passwordsFile) throw badInput('mode unique needs --passwords-file <csv of login,password>');
      const text = await readSecretFile(o.passwordsFile, 'the passwords file');
      let file;
      try {
        file = parsePasswordsFile(text);
      } catch (err) {
        if (err instanceof CsvError) throw badInput(`${o.passwordsFile}: ${err.message}`);
        throw err;
      }
      if (file.errors.length > 0) throw badInput(`${o.passwordsFile}: ${describePasswordsFileErrors(file.errors)}`);
      const { byLogin } = file;
      const passwords: Record<string, string> = {};
      const missing: string[] = [];
      for (const u of users) {
        const pw = byLogin.get(u.login.toLowerCase());
        if (pw) passwords[u.id] = pw;
        else missing.push(u.login);
      }
      if (missing.length > 0) throw badInput(`${o.passwordsFile} has no password for ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? `, and ${missing.length - 10} more` : ''}`);
      return { kind: 'unique', passwords };
    }
  }
}

/**
 * Progress on stderr: one line rewritten with \r on a terminal; on a pipe or log file, a
 * plain line at every 10%, so logs stay readable.
 */
function progressReporter(stream: NodeJS.WriteStream): { update(p: BundleProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  let lastTenth = -1;
  let drawn = false;
  return {
    update({ done, total, phase }) {
      const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
      const text = `${phase === 'rendering' ? 'Rendering' : 'Writing'} ${done}/${total} (${pct}%)`;
      if (tty) {
        stream.write(`\r${text}\u001b[K`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(pct / 10);
      if (phase === 'rendering' && tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${text}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/** `gatepass export`: the console's engine (jobs + bundle) without the console. Returns the exit code. */
export async function exportCommand(o: ExportCliOptions): Promise<number> {
  const out = resolve(o.out);
  if (o.mode === 'same' && o.password === undefined && o.passwordFile === undefined) throw badInput('mode same needs --password or --password-file');
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  const session = await adminSession(o.server, o.login, password, factor);
  const ac = new AbortController();
  let saving = false;
  // While saving, Ctrl+C cancels (no file is left); before that nothing is written, so just stop.
  const onSignal = () => (saving ? ac.abort() : process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const users = await selectUsers(session.call, o.users);
    if (users.length === 0) throw badInput('The server has no users to issue codes for');
    const mode = await modeFrom(o, users);
    process.stderr.write(`Issuing codes for ${users.length} users on ${session.name}...\n`);
    const job = await generateQrJob({ call: session.call, serverId: session.url, serverName: session.name, serverUrl: session.url, userIds: users.map((u) => u.id), mode });
    const progress = progressReporter(process.stderr);
    saving = true;
    let written;
    try {
      written = await saveBundle(job.cards, out, {
        format: o.format,
        includeConfig: o.configFiles === true,
        omitBroken: o.omitBroken === true,
        ...(job.branding ? { branding: job.branding } : {}),
        pageSize: o.pageSize,
        layout: o.layout,
        baseName: basename(out, extname(out)) || 'gatepass-qr',
        tlsPin: job.tlsPin ?? null,
        title: `Gatepass sign-in codes: ${session.name}`,
        signal: ac.signal,
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.done();
    }
    const broken = job.codes.filter((c) => c.status !== 'ok');
    console.log(`${job.codes.length - broken.length} issued, ${broken.length} broken`);
    for (const b of broken) console.log(`  broken: ${b.login}: ${b.reason ?? 'unknown reason'} (${b.errorCode ?? 'UNKNOWN'})`);
    console.log(`Wrote ${written.path} (${written.bytes} bytes)`);
    return broken.length > 0 ? PARTIAL : OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await session.close();
  }
}

/** `gatepass users import`: the console's users:import. Returns the exit code. */
export async function usersImportCommand(file: string, o: ImportCliOptions): Promise<number> {
  const csv = await readSecretFile(file, 'the CSV file');
  const factor = secondFactorFrom(o);
  const password = await passwordFromStdin(o.passwordStdin);
  const session = await adminSession(o.server, o.login, password, factor);
  try {
    const result = await importUsers(session.call, csv);
    for (const f of result.failed) console.error(`  ${f.message} (${f.code})`);
    if (!o.json) console.log(`${result.created} created, ${result.failed.length} failed`);
    let reportPath: string | null = null;
    if (o.report) {
      const report = await writeFileAtomic(
        resolve(o.report),
        async (out) => {
          out.end(result.report);
        },
        { mode: 0o600 },
      );
      reportPath = report.path;
      if (!o.json) console.log(`Report: ${report.path}`);
    }
    // One object as the last line: each refused row by its line in the file, with its stable code.
    if (o.json) printJson({ ok: result.failed.length === 0, created: result.created, failed: result.failed.length, errors: result.failed, report: reportPath });
    return result.failed.length > 0 ? PARTIAL : OK;
  } finally {
    await session.close();
  }
}
