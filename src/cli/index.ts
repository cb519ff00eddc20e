import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { GatepassError } from '../shared/errors';
import { parseTemplateStart } from '../shared/password-template';
import { appVersion } from '../main/app-version';
import { userDataDir } from '../main/services/settings';
import { exportCommand, usersImportCommand, type ExportCliOptions, type ImportCliOptions } from './bulk';
import { EXIT_CLOSED_OUTPUT, endOnClosedOutput, guardClosedOutput, isClosedPipeError, outputClosed } from './closed-output';
import { printJson, wantsJson } from './output';
import { addAdminCommands } from './admin';
import { addAdminsCommands } from './admins';
import { addAgentCommands } from './agent';
import { addComputersCommands } from './computers';
import { addSessionsCommands } from './sessions';
import { addDeviceCommands } from './device';
import { addProvisionCommands } from './provision';
import { addUserCommands } from './user';
import { addUsersCommands } from './users';

/** Exit codes, stable for scripts. */
export const EXIT = { OK: 0, FAILED: 1, BAD_INPUT: 2, PARTIAL: 3, CLOSED_OUTPUT: EXIT_CLOSED_OUTPUT } as const;

const EXIT_HELP = `
Exit codes:
  0  success (for agent login: access allowed)
  1  the server refused or denied (its stable code is printed), could not be reached, or something failed
  2  bad input (options, files, or a QR text that is not a Gatepass sign-in code)
  3  partly done: some users got no code or some rows were not imported (the file is written)
  141  stdout or stderr was closed (as with \`| head\`): stopped quietly, as git does`;

/** A failure the CLI reports as `gatepass: <message> (<CODE>)` with its exit code. */
export class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function templateStart(value: string): { start: number; digits?: number } {
  const parsed = parseTemplateStart(value);
  if (!parsed) throw new InvalidArgumentError('a whole number from 0 to 1000000000 (leading zeros pad: 001)');
  return parsed;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new InvalidArgumentError('a whole number from 0 to 1000000');
  return n;
}

/** What `gatepass server` takes. */
interface ServerCliOptions {
  db: string;
  port: number;
  host: string;
  seedDemo?: number;
  name?: string;
  secretKeyFile?: string;
  smtpUrl?: string;
  mailFrom?: string;
  mailFolder?: string;
  publicUrl?: string;
  tls?: 'self-signed';
  tlsCert?: string;
  tlsKey?: string;
  tlsDir?: string;
  trustedProxy?: string[];
  allowedHost?: string[];
}

/** A repeatable option's values, also split at commas. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** The TLS options of `gatepass server`: both files, or a self-signed certificate, or none. */
function tlsOption(o: ServerCliOptions): { certFile: string; keyFile: string } | { selfSigned: true; dir?: string } | undefined {
  if (o.tls === 'self-signed') {
    if (o.tlsCert || o.tlsKey) throw new CliFailure('VALIDATION_FAILED', '--tls self-signed makes its own certificate: leave out --tls-cert and --tls-key', EXIT.BAD_INPUT);
    return { selfSigned: true, ...(o.tlsDir ? { dir: resolve(o.tlsDir) } : {}) };
  }
  if (!o.tlsCert !== !o.tlsKey) throw new CliFailure('VALIDATION_FAILED', '--tls-cert and --tls-key go together', EXIT.BAD_INPUT);
  return o.tlsCert && o.tlsKey ? { certFile: resolve(o.tlsCert), keyFile: resolve(o.tlsKey) } : undefined;
}

/** Waits for SIGINT/SIGTERM, then runs `close` once. */
function closeOnSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((done) => {
    let closing = false;
    const stop = () => {
      if (closing) return;
      closing = true;
      close().then(done, (err: unknown) => {
        console.error(`gatepass: error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = EXIT.FAILED;
        done();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** out/renderer from the bundle (out/main/cli.js) or from the sources (src/cli/index.ts via tsx). */
function findRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'renderer'), join(here, '..', '..', 'out', 'renderer')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => console.error('gatepass: could not open a browser; open the link above yourself'));
  child.unref();
}

/** The `gatepass` command line: server, console, device, export, users, computers, agent, sessions. `state` receives an action's exit code. */
export function buildProgram(state: { exitCode: number } = { exitCode: EXIT.OK }): Command {
  const program = new Command('gatepass')
    .description('Gatepass: issue sign-in QR codes in bulk, and run the server they sign in to')
    .version(appVersion())
    .showHelpAfterError()
    .addHelpText('after', EXIT_HELP);

  program
    .command('server')
    .description('Run a Gatepass server')
    .option('--db <target>', 'SQLite file or postgres:// URL', './gatepass.sqlite')
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, 8443)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--seed-demo <count>', 'add this many demo users to an empty database', count)
    .option('--name <name>', 'server name shown in the console (and, for two-step verification, in authenticator apps)')
    .option('--secret-key-file <file>', 'the key file that seals two-step secrets and the SMTP password (default for SQLite: <db>.key beside it; or set GATEPASS_SECRET_KEY)')
    .option('--public-url <url>', 'the URL devices and mail readers reach this server at (behind a TLS proxy: its https:// URL); provisioning codes and the QR image URL name it (default: the listen URL)')
    .option('--smtp-url <url>', 'send mail through this SMTP server: smtp://[user[:password]@]host[:port] (STARTTLS required, port 587), smtps://... (implicit TLS, port 465), or smtp://...?security=none (no encryption, port 25)')
    .option('--mail-from <address>', 'the From of every message, e.g. "Gatepass <gatepass@example.org>"')
    .addOption(new Option('--mail-folder <dir>', 'write every message as an .eml file into this folder instead of sending it').conflicts('smtpUrl'))
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert (must be owner-only: chmod 600)')
    .addOption(new Option('--tls <kind>', 'self-signed: make a certificate on the first start and keep it (key 0600); clients trust it by its pin').choices(['self-signed']))
    .option('--tls-dir <dir>', 'where --tls self-signed keeps its certificate (default: beside the SQLite file; required for PostgreSQL, shared by replicas)')
    .option('--trusted-proxy <address>', "a reverse proxy (address or CIDR) whose X-Forwarded-For is believed, so per-source limits see real clients; repeat or separate with commas", collect)
    .option('--allowed-host <name>', 'a host name this server answers to (DNS rebinding guard); repeat or separate with commas. Default: the loopback names for a loopback bind, any name otherwise', collect)
    .addHelpText(
      'after',
      `
Mail settings given here are stored in the database at every start, so every replica and the
console see them (docs/mail.md). Put the SMTP password in GATEPASS_SMTP_PASSWORD rather than in
the URL: a command line is visible to other local users.
${EXIT_HELP}`,
    )
    .action(async (o: ServerCliOptions) => {
      const { normalisePublicUrl, startServer } = await import('../server/index');
      if (o.publicUrl !== undefined) {
        try {
          normalisePublicUrl(o.publicUrl);
        } catch (err) {
          throw new CliFailure('VALIDATION_FAILED', `--public-url: ${err instanceof Error ? err.message : String(err)}`, EXIT.BAD_INPUT);
        }
      }
      const db = /^postgres(ql)?:\/\//i.test(o.db) ? o.db : resolve(o.db);
      const tls = tlsOption(o);
      const smtpPassword = process.env.GATEPASS_SMTP_PASSWORD;
      const mail = {
        ...(o.smtpUrl !== undefined ? { smtpUrl: o.smtpUrl } : {}),
        ...(o.smtpUrl !== undefined && smtpPassword ? { smtpPassword } : {}),
        ...(o.mailFrom !== undefined ? { from: o.mailFrom } : {}),
        ...(o.mailFolder !== undefined ? { folder: resolve(o.mailFolder) } : {}),
      };
      const srv = await startServer({
        db,
        port: o.port,
        host: o.host,
        ...(o.name ? { name: o.name } : {}),
        ...(o.seedDemo !== undefined ? { seedDemo: o.seedDemo } : {}),
        ...(o.secretKeyFile ? { secretKeyFile: resolve(o.secretKeyFile) } : {}),
        ...(Object.keys(mail).length > 0 ? { mail } : {}),
        ...(tls ? { tls } : {}),
        ...(o.trustedProxy ? { trustedProxies: o.trustedProxy } : {}),
        ...(o.allowedHost ? { allowedHosts: o.allowedHost } : {}),
        ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
        logger: (line) => console.log(line),
      });
      console.log(`Gatepass server "${srv.name}" listening on ${srv.url}`);
      if (srv.publicUrl !== srv.url) console.log(`Devices and mail readers reach it at ${srv.publicUrl}`);
      console.log(`User portal (sign-in, two-step verification, recovery codes): ${srv.publicUrl}/portal/`);
      if (srv.tlsPin) {
        // What an administrator compares before trusting a self-signed server, and what clients pin.
        console.log(`TLS certificate${srv.tlsCreated ? ' (made now, self-signed)' : ''}: SHA-256 fingerprint ${srv.tlsFingerprint}; key pin ${srv.tlsPin}`);
      }
      if (srv.secretKeySource === null) {
        console.error('Two-step verification is unavailable: set GATEPASS_SECRET_KEY (the same on every replica; see docs/two-step.md)');
      }
      if (srv.generatedAdminPassword) {
        // Printed once, to the operator's terminal only; it is stored hashed.
        console.log(`Administrator login: admin  password: ${srv.generatedAdminPassword}  (shown once: keep it safe)`);
      }
      await closeOnSignal(() => srv.close());
    });

  program
    .command('console')
    .description('Serve the admin console to your browser on 127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, 0)
    .option('--no-embedded', 'do not start the embedded local server')
    .option('--open', 'open the console in the default browser')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { port: number; embedded: boolean; open?: boolean }) => {
      const { startWebHost } = await import('../web/host');
      const host = await startWebHost({
        port: o.port,
        userDataDir: userDataDir(),
        rendererDir: findRendererDir(),
        embedded: o.embedded,
        logger: (line) => console.error(line),
      });
      // The link carries a one-time token: it is printed here and nowhere else.
      console.log(`Gatepass console: ${host.url}`);
      if (o.open) openInBrowser(host.url);
      await closeOnSignal(() => host.close());
    });

  addDeviceCommands(program, EXIT_HELP);

  program
    .command('export')
    .description('Set passwords, issue sign-in QR codes and save them (the console\'s Generate QR Code, headless)')
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <admin>', 'administrator login')
    .option('--password-stdin', "read the administrator's password from stdin (required: never on the command line)")
    .requiredOption('--users <list>', 'all, or logins separated by commas (the template index follows this order)')
    .addOption(new Option('--mode <mode>', 'how passwords are set').choices(['same', 'template', 'unique']).makeOptionMandatory())
    .option('--password <pw>', 'mode same: the password (visible to other local users; prefer --password-file)')
    .option('--password-file <file>', 'mode same: read the password from the first line of this file')
    .option('--prefix <p>', 'mode template: text before the index', '')
    .option('--start <n>', 'mode template: the first index; leading zeros pad every index to that width (001, 002, ...)', templateStart)
    .option('--postfix <p>', 'mode template: text after the index', '')
    .option('--passwords-file <csv>', 'mode unique: CSV of login,password')
    .addOption(new Option('--format <format>', 'pdf: all codes in one PDF; zip: a PDF per user').choices(['pdf', 'zip']).default('pdf'))
    .option('--omit-broken', 'leave users whose code is broken out of the printed cards (README.txt in a ZIP still lists them)')
    .option('--config-files', 'add a <login>.usr device configuration file per user (with --format pdf the result is a ZIP: the PDF plus config/<login>.usr)')
    .addOption(new Option('--page-size <size>', 'paper size').choices(['A4', 'Letter']).default('A4'))
    .addOption(new Option('--layout <layout>', 'single: a card per page; badges: several per page').choices(['single', 'badges']).default('single'))
    .requiredOption('--out <path>', 'the file to write (written atomically, owner-only)')
    .option('--otp <code>', "the administrator's authenticator code, when the account has two-step verification")
    .option('--recovery-code <code>', 'an administrator recovery code instead of --otp')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: ExportCliOptions) => {
      state.exitCode = await exportCommand(o);
    });

  const users = program.command('users').description('Manage users on a server').addHelpText('after', EXIT_HELP);
  users
    .command('import <file.csv>')
    .description('Create users from a CSV file (login, display name, email); each row is created or reported')
    .requiredOption('--server <url>', 'the Gatepass server')
    .requiredOption('--login <admin>', 'administrator login')
    .option('--password-stdin', "read the administrator's password from stdin (required)")
    .option('--report <out.csv>', "write every row's outcome to this CSV file")
    .option('--otp <code>', "the administrator's authenticator code, when the account has two-step verification")
    .option('--recovery-code <code>', 'an administrator recovery code instead of --otp')
    .option('--json', 'print one JSON object as the last line: created, failed, and each refused row (line, login, code, message)')
    .addHelpText('after', EXIT_HELP)
    .action(async (file: string, o: ImportCliOptions) => {
      state.exitCode = await usersImportCommand(file, o);
    });
  addUsersCommands(users, state, EXIT_HELP);

  addUserCommands(program, EXIT_HELP);
  addAdminCommands(program, EXIT_HELP);
  addAdminsCommands(program, EXIT_HELP);
  addComputersCommands(program, EXIT_HELP);
  addAgentCommands(program, state, EXIT_HELP);
  addSessionsCommands(program, EXIT_HELP);
  addProvisionCommands(program, state, EXIT_HELP);

  return program;
}

/** Runs the CLI; resolves with the exit code instead of exiting, so it can be tested. */
export async function runCli(argv: readonly string[]): Promise<number> {
  // `gatepass ... | head -1`: a reader that goes away ends the command quietly (closed-output.ts).
  guardClosedOutput();
  const state = { exitCode: EXIT.OK as number };
  const program = buildProgram(state);
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(program);
  const json = wantsJson(argv);
  // A refusal with --json: one JSON object as the last line too (`user signin` promises its four keys).
  const fail = (code: string, message: string, exitCode: number): number => {
    if (json) printJson({ ok: false, code, message, ...(argv[0] === 'user' && argv[1] === 'signin' ? { recoveryCodesLeft: null } : {}) });
    return exitCode;
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (outputClosed()) return EXIT.CLOSED_OUTPUT;
    if (state.exitCode !== EXIT.OK) return state.exitCode;
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    // A write that failed on a closed pipe, or a command stopped because of one: no message.
    if (isClosedPipeError(err)) endOnClosedOutput();
    if (outputClosed()) return EXIT.CLOSED_OUTPUT;
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT.OK : fail('VALIDATION_FAILED', err.message.replace(/^error: /, ''), EXIT.BAD_INPUT);
    }
    if (err instanceof CliFailure) {
      console.error(`gatepass: ${err.message} (${err.code})`);
      return fail(err.code, err.message, err.exitCode);
    }
    if (err instanceof GatepassError) {
      console.error(`gatepass: ${err.message} (${err.code})`);
      return fail(err.code, err.message, err.code === 'VALIDATION_FAILED' || err.code === 'PAYLOAD_INVALID' ? EXIT.BAD_INPUT : EXIT.FAILED);
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`gatepass: ${message} (INTERNAL)`);
    return fail('INTERNAL', message, EXIT.FAILED);
  }
}

// Run when executed directly (node out/main/cli.js, tsx src/cli/index.ts, or via bin/gatepass.mjs).
const invoked = process.argv[1] ? pathToFileURL(resolve(process.argv[1])).href : '';
const isMain = invoked === import.meta.url || process.env.GATEPASS_CLI_MAIN === '1';
if (isMain) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
