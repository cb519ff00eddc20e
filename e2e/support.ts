import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cli = join(root, 'out', 'main', 'cli.js');

export interface Started {
  proc: ChildProcess;
  match: RegExpMatchArray;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts one of the project's own commands (`gatepass server`, `gatepass console`) and waits
 * for the line that says it is ready, so tests use exactly what a user runs.
 */
export function startCli(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<Started> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gatepass ${args[0]} did not become ready in ${timeoutMs} ms. Output:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({
          proc,
          match: m,
          output: () => out,
          stop: () =>
            new Promise<void>((res) => {
              if (proc.exitCode !== null) return res();
              proc.once('exit', () => res());
              proc.kill('SIGTERM');
              setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gatepass ${args[0]} exited early with ${code}. Output:\n${out}`));
    });
  });
}
