import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptionsWithoutStdio } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** The repository root (scripts/crash/ is two levels down). */
export const REPO = join(import.meta.dirname, '..', '..');

/** mulberry32: a small seeded generator, so a run can be repeated with its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` kill points in [0, 1), each uniform over its own n-th of the range and shuffled
 * (stratified sampling): each point is uniform over the whole range, and even a short
 * run lands early, midway and late instead of by chance all in one place.
 */
export function stratifiedPoints(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.map((stratum) => (stratum + random()) / n);
}

/** How many of `fractions` fall in each tenth of [0, 1). */
export function deciles(fractions: readonly number[]): number[] {
  const bins = new Array<number>(10).fill(0);
  for (const f of fractions) bins[Math.min(9, Math.max(0, Math.floor(f * 10)))]!++;
  return bins;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** min / median / max of a list of milliseconds, as one short text. */
export function spread(ms: readonly number[]): string {
  if (ms.length === 0) return 'none';
  return `min ${Math.round(Math.min(...ms))} ms, median ${Math.round(median(ms))} ms, max ${Math.round(Math.max(...ms))} ms`;
}

/** A child process whose output is collected, with a way to wait for a line. */
export interface Child {
  proc: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the time (performance.now()) the first line matching `re` arrived; rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (if still running) and wait for the exit. */
  kill(): Promise<void>;
}

export function startChild(cmd: string, args: readonly string[], opts: SpawnOptionsWithoutStdio = {}): Child {
  const proc = spawn(cmd, args, { cwd: REPO, ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: (t: number) => void }> = [];
  const onData = (c: Buffer) => {
    const t = performance.now();
    out += c.toString();
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.re.test(out)) waiters.splice(i, 1)[0]!.resolve(t);
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  proc.stdin.end();
  const exited = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    proc,
    output: () => out,
    exited,
    waitFor(re, timeoutMs) {
      if (re.test(out)) return Promise.resolve(performance.now());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms; output: ${out.slice(-2000)}`)), timeoutMs);
        const done = (t: number) => {
          clearTimeout(timer);
          resolve(t);
        };
        waiters.push({ re, resolve: done });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`exited (${code ?? signal}) before ${re}; output: ${out.slice(-2000)}`));
        });
      });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Throws once the run's time budget is spent, so a run never goes on unbounded. */
export function deadline(maxMs: number): { check(what: string): void; left(): number } {
  const end = performance.now() + maxMs;
  return {
    check(what) {
      if (performance.now() > end) throw new Error(`time budget of ${Math.round(maxMs / 1000)} s spent before ${what}`);
    },
    left: () => end - performance.now(),
  };
}

/** `--name value` options of a script, as numbers or strings. */
export function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
