import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

/** What a run of the CLI printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const repo = join(import.meta.dirname, '..', '..', '..');

/**
 * Runs `gatepass` from source (through tsx) as a user runs the built one. Asynchronous, so a
 * server started in the test's own process keeps answering while the CLI talks to it.
 */
export function runCli(args: string[], stdin = ''): Promise<CliRun> {
  return new Promise((ok, fail) => {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Starts `gatepass` from source with stdin, stdout and stderr piped, for tests that drive the pipes themselves. */
export function spawnCli(args: string[], env?: NodeJS.ProcessEnv): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) });
}
