import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ComposeInput } from './compose';
import type { SmtpServerSettings } from './settings';
import { replyText } from './smtp-reply';

/**
 * The SMTP transport's thread (docs/mail.md, "Transports" and "Throughput"). Building each
 * message's MIME and driving the pooled SMTP connections is most of the CPU a big send costs;
 * in the server's main thread it competed with sign-ins and with the outbox's own database
 * work, and a busy main thread kept every message alive longer (more of it promoted into the
 * old heap). Here nodemailer runs in a worker thread of its own; the sender in the main thread
 * still decides what is sent and records every outcome, exactly as before: a message goes to
 * the thread only when the sender holds a slot for it, and the slot is held until its outcome
 * is recorded.
 */

/** What the thread is started with. The password stays in this process's memory, as before. */
export interface SmtpThreadInit {
  smtp: SmtpServerSettings;
  password: string | null;
  maxConnections: number;
}

/** Messages to the thread. */
export type ToSmtpThread = { type: 'send'; id: number; input: ComposeInput; envelope: { from: string; to: string } } | { type: 'close' };

/** Replies from the thread: each send's outcome, and the end of a close. */
export type FromSmtpThread = { type: 'sent'; id: number; reply: string } | { type: 'failed'; id: number; transient: boolean; reply: string } | { type: 'closed' };

/** A send's outcome as the transport turns it into a resolved reply or a SendError. */
export type SmtpThreadOutcome = { ok: true; reply: string } | { ok: false; transient: boolean; reply: string };

/**
 * The thread holds at most the pool's connections and the messages on them; a small young
 * generation makes it collect each message's garbage early rather than grow its heap.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 };

function hereDir(): string {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    // A CommonJS bundle rewrites import.meta; fall back to the CJS global.
    return typeof __dirname === 'string' ? __dirname : process.cwd();
  }
}

/**
 * Where the thread's code is: out/main/mail-worker.js, the bundle's own entry
 * (electron.vite.config.ts), beside this code or one folder up (a shared chunk); from src/
 * (tests, benchmarks) smtp-worker.ts beside this file. Null when neither is found: the
 * transport then sends from the main thread.
 */
export function smtpThreadFile(): { file: string; ts: boolean } | null {
  const here = hereDir();
  const candidates = [
    { file: path.join(here, 'mail-worker.js'), ts: false },
    { file: path.join(here, '..', 'mail-worker.js'), ts: false },
    { file: path.join(here, 'smtp-worker.ts'), ts: true },
  ];
  return candidates.find((c) => existsSync(c.file)) ?? null;
}

/** A TypeScript worker from src/: tsx's loader registered in the new thread first (Node 20 ignores `--import` in a worker's execArgv). */
function tsWorker(file: string, workerData: SmtpThreadInit): Worker {
  const tsxApi = pathToFileURL(createRequire(file).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits: THREAD_LIMITS });
}

/** One SMTP thread: sends go in, outcomes come back by id. */
export class SmtpThread {
  private readonly pending = new Map<number, (o: SmtpThreadOutcome) => void>();
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private onClosed: (() => void) | null = null;
  private everAnswered = false;
  /** Set when close() ends the thread itself. */
  private ending = false;
  /** Why the thread stopped on its own (it crashed or could not load), or null while it runs. */
  private dead: string | null = null;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: FromSmtpThread) => {
      this.everAnswered = true;
      if (m.type === 'closed') {
        this.onClosed?.();
        return;
      }
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      done?.(m.type === 'sent' ? { ok: true, reply: m.reply } : { ok: false, transient: m.transient, reply: m.reply });
    });
    worker.on('error', (err) => this.stopped(`the mail thread failed: ${err.message}`));
    // A reply that cannot be read leaves its send without an answer: the thread is ended instead.
    worker.on('messageerror', () => {
      this.stopped('the mail thread sent a reply that could not be read');
      void worker.terminate();
    });
    worker.on('exit', (code) => {
      this.stopped(this.ending ? 'the mail thread was closed before the relay answered' : `the mail thread stopped (exit code ${code})`);
      this.onClosed?.();
    });
  }

  /** Starts a thread from its code (found by {@link smtpThreadFile}, or given). */
  static start(init: SmtpThreadInit, code: { file: string; ts: boolean }): SmtpThread {
    return new SmtpThread(code.ts ? tsWorker(code.file, init) : new Worker(code.file, { workerData: init, resourceLimits: THREAD_LIMITS }));
  }

  /** Whether the thread ever answered: one that stops before it did could not load. */
  get answered(): boolean {
    return this.everAnswered;
  }

  /** False once the thread stopped or is closing: the transport starts another for the next message. */
  get usable(): boolean {
    return this.dead === null && this.closing === null;
  }

  /** Every message in flight fails as transient (it is tried again): the thread is gone. */
  private stopped(why: string): void {
    if (this.dead !== null) return;
    this.dead = replyText(why);
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const done of waiting) done({ ok: false, transient: true, reply: this.dead });
  }

  send(input: ComposeInput, envelope: { from: string; to: string }): Promise<SmtpThreadOutcome> {
    if (!this.usable) return Promise.resolve({ ok: false, transient: true, reply: this.dead ?? 'the mail thread is closing' });
    const id = this.nextId++;
    return new Promise((done) => {
      try {
        this.worker.postMessage({ type: 'send', id, input, envelope } satisfies ToSmtpThread);
      } catch (err) {
        // Not copyable to the thread: nothing was handed over, so nothing waits for an answer.
        done({ ok: false, transient: false, reply: replyText(`the message could not be handed to the mail thread: ${err instanceof Error ? err.message : String(err)}`) });
        return;
      }
      this.pending.set(id, done);
      // Referenced while a message is on its way, so the process does not exit under it.
      this.worker.ref();
    });
  }

  /**
   * Closes the pool and ends the thread. nodemailer's close lets the delivery on each connection
   * finish, and the thread answers once they have; a thread that has not answered within
   * `graceMs` (a relay that stopped responding) is ended, and what it still had fails as
   * transient: the outbox tries those messages again.
   */
  close(graceMs = 10_000): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      if (this.dead !== null) {
        done();
        return;
      }
      const timer = setTimeout(done, graceMs);
      this.onClosed = () => {
        clearTimeout(timer);
        done();
      };
      this.worker.ref();
      this.worker.postMessage({ type: 'close' } satisfies ToSmtpThread);
    }).then(async () => {
      this.ending = true;
      await this.worker.terminate();
    });
    return this.closing;
  }
}
