import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { GatepassError } from '../shared/errors';
import { decodeSigninPayload } from '../shared/qr-payload';
import { appVersion } from '../main/app-version';
import { createServerClient } from '../main/services/server-client';
import { userDataDir } from '../main/services/settings';

/** Exit codes, stable for scripts. */
export const EXIT = { OK: 0, FAILED: 1, BAD_INPUT: 2 } as const;

const EXIT_HELP = `
Exit codes:
  0  success
  1  the server refused, could not be reached, or something failed
  2  bad input (options, or a QR text that is not a Gatepass sign-in code)`;

/** A failure the CLI reports as `gatepass: <message> (<CODE>)` with its exit code. */
class CliFailure extends Error {
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

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new InvalidArgumentError('a whole number from 0 to 1000000');
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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

/** The `gatepass` command line: server, console, device. */
export function buildProgram(): Command {
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
    .option('--name <name>', 'server name shown in the console')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { db: string; port: number; host: string; seedDemo?: number; name?: string }) => {
      const { startServer } = await import('../server/index');
      const db = /^postgres(ql)?:\/\//i.test(o.db) ? o.db : resolve(o.db);
      const srv = await startServer({
        db,
        port: o.port,
        host: o.host,
        ...(o.name ? { name: o.name } : {}),
        ...(o.seedDemo !== undefined ? { seedDemo: o.seedDemo } : {}),
        logger: (line) => console.log(line),
      });
      console.log(`Gatepass server "${srv.name}" listening on ${srv.url}`);
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

  const device = program.command('device').description('Act as a device (to check sign-in codes)').addHelpText('after', EXIT_HELP);
  device
    .command('signin')
    .description('Sign in with a scanned QR text, as the Gatepass app would')
    .requiredOption('--qr-text <text>', "the QR code's text, or - to read it from stdin")
    .option('--timeout <ms>', 'give up after this many milliseconds', count, 15_000)
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { qrText: string; timeout: number }) => {
      const text = o.qrText === '-' ? await readStdin() : o.qrText;
      let payload;
      try {
        payload = decodeSigninPayload(text);
      } catch (err) {
        if (err instanceof GatepassError) throw new CliFailure(err.code, err.message, EXIT.BAD_INPUT);
        throw err;
      }
      const client = createServerClient(payload.server, { timeoutMs: o.timeout });
      try {
        const session = await client.call('qrSignin', { body: { login: payload.login, credential: payload.credential } });
        const name = await client.call('serverInfo').then(
          (i) => i.name,
          () => payload.server,
        );
        console.log(`Signed in to ${name} as ${session.user.login} (${session.user.displayName || session.user.login})`);
      } catch (err) {
        if (err instanceof GatepassError) throw new CliFailure(err.code, err.message, err.code === 'VALIDATION_FAILED' ? EXIT.BAD_INPUT : EXIT.FAILED);
        throw err;
      }
    });

  return program;
}

/** Runs the CLI; resolves with the exit code instead of exiting, so it can be tested. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if (err instanceof CliFailure) {
      console.error(`gatepass: ${err.message} (${err.code})`);
      return err.exitCode;
    }
    if (err instanceof GatepassError) {
      console.error(`gatepass: ${err.message} (${err.code})`);
      return err.code === 'VALIDATION_FAILED' || err.code === 'PAYLOAD_INVALID' ? EXIT.BAD_INPUT : EXIT.FAILED;
    }
    console.error(`gatepass: ${err instanceof Error ? err.message : String(err)} (INTERNAL)`);
    return EXIT.FAILED;
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
