import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CardData, RenderConfig } from './card-layout';

/** Messages to an export worker. */
export type WorkerRequest =
  | { type: 'init'; cfg: RenderConfig }
  | { type: 'pages'; id: number; pages: Array<{ pageIndex: number; firstCard: number; cards: CardData[] }> }
  | { type: 'docs'; id: number; start: number; cards: CardData[] };

/** Replies from an export worker, in the order of its requests. */
export type WorkerReply =
  | { id: number; ok: true; chunks: Array<{ bytes: Uint8Array; contentAt: number }> }
  | { id: number; ok: true; docs: Uint8Array[] }
  | { id: number; ok: false; error: string };

/** Two threads: this machine kind has 2 cores and the main thread mostly waits on the disk (PERF-NOTES). */
export const EXPORT_THREADS = 2;

/**
 * A worker holds one batch at a time: a small young generation makes it collect each
 * batch's garbage early instead of growing its heap (100,000 pages: about 60 MB less RSS).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

let missingLogged = false;

function hereDir(): string {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    // A CommonJS bundle rewrites import.meta; fall back to the CJS global.
    return typeof __dirname === 'string' ? __dirname : process.cwd();
  }
}

/**
 * Where the worker's code is: worker.ts beside this file when running from src/
 * (vitest, tsx), or out/main/export-worker.js, the bundle's own entry (electron.vite.config.ts),
 * whether this code sits in out/main/*.js or a shared chunk below it. Null when not found.
 */
export function workerFile(): { file: string; ts: boolean } | null {
  const here = hereDir();
  const candidates: Array<{ file: string; ts: boolean }> = [
    { file: path.join(here, 'export-worker.js'), ts: false },
    { file: path.join(here, '..', 'export-worker.js'), ts: false },
    { file: path.join(here, 'worker.ts'), ts: true },
  ];
  for (const c of candidates) if (existsSync(c.file)) return c;
  if (!missingLogged) {
    missingLogged = true;
    console.warn(`[export] worker file not found near ${here}; rendering in the main thread`);
  }
  return null;
}

/**
 * From src/ the worker is TypeScript: a bootstrap registers tsx's loader in the new thread
 * (loaders are per thread, and `--import` in a worker's execArgv is not honoured on Node 20)
 * and then imports the worker module. Only tests and the bench run this path.
 */
function tsWorker(file: string): Worker {
  // tsx's ESM API (index.mjs beside the CommonJS entry that require.resolve finds).
  const tsxApi = pathToFileURL(createRequire(file).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
}

/**
 * A small pool of export worker threads. Requests go to the worker with the fewest in
 * flight; each reply resolves its own promise, so the caller can await batches in order.
 */
export class RenderPool {
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  private readonly load: number[];
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on('message', (reply: WorkerReply) => {
        this.load[i] = (this.load[i] ?? 1) - 1;
        const p = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        p?.resolve(reply);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`export worker exited with code ${code}`));
      });
    });
  }

  /** Starts `threads` workers configured with `cfg`, or returns null when the worker file is missing. */
  static start(cfg: RenderConfig, threads = EXPORT_THREADS): RenderPool | null {
    const wf = workerFile();
    if (!wf) return null;
    const workers: Worker[] = [];
    for (let i = 0; i < threads; i++) {
      const w = wf.ts ? tsWorker(wf.file) : new Worker(wf.file, { resourceLimits: WORKER_LIMITS });
      w.postMessage({ type: 'init', cfg } satisfies WorkerRequest);
      workers.push(w);
    }
    return new RenderPool(workers);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Sends one request (without its id) to the least busy worker. */
  request(msg: Omit<Extract<WorkerRequest, { type: 'pages' }>, 'id'> | Omit<Extract<WorkerRequest, { type: 'docs' }>, 'id'>): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if ((this.load[i] ?? 0) < (this.load[best] ?? 0)) best = i;
    const id = this.nextId++;
    this.load[best] = (this.load[best] ?? 0) + 1;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[best]?.postMessage({ ...msg, id });
    });
  }

  /** Stops the workers; pending requests are dropped. */
  async close(): Promise<void> {
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
