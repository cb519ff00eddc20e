import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/index';
import { createServerClient } from '../main/services/server-client';
import { spawnCli } from './test-support/run-cli';

/** What a shell reports for git or coreutils killed by SIGPIPE, and what gatepass exits with. */
const CLOSED = 141;
const HANG_MS = 20_000;

interface ClosedRun {
  code: number | null;
  /** Set when the CLI had to be killed: it did not end on its own. */
  hung: boolean;
  /** What the open stream carried, and what the closed one carried before it was closed. */
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with one of its output pipes closed by the reader, as `| head -1` does:
 * at once (`when: 'start'`, so the CLI's first write to it fails), or as soon as that
 * stream has carried text matching `when` (the first chunk: `/[^]/`).
 */
function runWithClosedOutput(args: string[], close: 'stdout' | 'stderr', when: 'start' | RegExp, stdin = ''): Promise<ClosedRun> {
  return new Promise((ok, fail) => {
    const child = spawnCli(args);
    const out = { stdout: '', stderr: '' };
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name];
      if (name === close && when === 'start') {
        stream.destroy();
        continue;
      }
      stream.on('data', (c: Buffer) => {
        out[name] += c.toString();
        if (name === close && when !== 'start' && when.test(out[name])) stream.destroy();
      });
    }
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, hung, ...out });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/** Nothing that looks like Node's report of an unhandled error. */
function expectQuiet(text: string): void {
  expect(text).not.toContain('EPIPE');
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toMatch(/Unhandled|Error:|INTERNAL/);
}

describe('a closed stdout or stderr ends gatepass quietly', () => {
  for (const args of [['export', '--help'], ['--help']]) {
    const cmd = `gatepass ${args.join(' ')}`;

    it(`${cmd} with stdout closed before it prints exits ${CLOSED}, with nothing on stderr`, async () => {
      const r = await runWithClosedOutput(args, 'stdout', 'start');
      expect(r.hung).toBe(false);
      expectQuiet(r.stderr);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(CLOSED);
    });

    it(`${cmd} | head -1: ends, with nothing on stderr`, async () => {
      const r = await runWithClosedOutput(args, 'stdout', /\n/);
      expect(r.hung).toBe(false);
      expect(r.stdout).toMatch(/^Usage: gatepass/);
      expect(r.stderr).toBe('');
      // 0 when the help fit in the pipe before the reader left, 141 when a write found it gone.
      expect([0, CLOSED]).toContain(r.code);
    });
  }

  it(`a usage error with stderr closed exits ${CLOSED} rather than crashing`, async () => {
    const r = await runWithClosedOutput(['export', '--server', 'http://127.0.0.1:9'], 'stderr', 'start');
    expect(r.hung).toBe(false);
    expect(r.code).toBe(CLOSED);
  });
});

describe('a write that throws EPIPE itself', () => {
  it(`ends the process quietly with ${CLOSED} too`, () => {
    // A stream whose write() throws (as a synchronous writer may), standing in for stdout.
    const script = `
      import { guardClosedOutput } from './src/cli/closed-output.ts';
      import { EventEmitter } from 'node:events';
      const stream = Object.assign(new EventEmitter(), {
        write() { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }); },
      });
      guardClosedOutput([stream]);
      stream.write('first line');
      process.stderr.write('still running after the failed write\\n');
      process.exitCode = 0;
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.join(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: HANG_MS });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(CLOSED);
  });
});

describe('a long command whose reader goes away', () => {
  const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let pwFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gp-cli-closed-'));
    server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'CLI closed output', adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
    const token = await server.issueAdminToken();
    const client = createServerClient(server.url);
    for (let i = 0; i < 12; i++) await client.call('createUser', { body: { login: `user.${i}`, displayName: `User ${i}` } }, token);
    pwFile = path.join(dir, 'pw.txt');
    writeFileSync(pwFile, 'Correct-Horse-42\n');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exportArgs = (out: string) => ['export', '--server', server.url, '--login', 'admin', '--password-stdin', '--users', 'all', '--mode', 'same', '--password-file', pwFile, '--out', path.join(dir, out)];
  /** Files the export left in the output folder besides the database and the password file. */
  const leftovers = () => readdirSync(dir).filter((f) => !f.startsWith('server.sqlite') && f !== 'pw.txt');

  it(`export with stderr closed stops before writing anything and exits ${CLOSED}`, async () => {
    const r = await runWithClosedOutput(exportArgs('closed-stderr.pdf'), 'stderr', 'start', `${ADMIN_PASSWORD}\n`);
    expect(r.hung).toBe(false);
    expect(r.code).toBe(CLOSED);
    expect(r.stdout).toBe('');
    expect(leftovers()).toEqual([]);
  }, 30_000);

  it('export whose progress reader leaves after the first progress line ends quietly, leaving no temp file', async () => {
    const r = await runWithClosedOutput(exportArgs('progress.pdf'), 'stderr', /Rendering .*\n/, `${ADMIN_PASSWORD}\n`);
    expect(r.hung).toBe(false);
    expectQuiet(r.stdout);
    // 141 when a later progress line found the pipe gone (the save is cancelled, so no file);
    // 0 when the save finished first (the summary goes to stdout, which is still open).
    expect([0, CLOSED]).toContain(r.code);
    expect(leftovers()).toEqual(r.code === 0 ? ['progress.pdf'] : []);
    rmSync(path.join(dir, 'progress.pdf'), { force: true });
  }, 30_000);

  it(`export with stdout closed writes its file, then exits ${CLOSED} when the summary cannot be printed`, async () => {
    const r = await runWithClosedOutput(exportArgs('closed-stdout.pdf'), 'stdout', 'start', `${ADMIN_PASSWORD}\n`);
    expect(r.hung).toBe(false);
    expectQuiet(r.stderr);
    expect(r.stderr).toContain('Rendering');
    expect(r.code).toBe(CLOSED);
    expect(leftovers()).toEqual(['closed-stdout.pdf']);
    rmSync(path.join(dir, 'closed-stdout.pdf'), { force: true });
  }, 30_000);
});
