import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { GatepassError } from '../../shared/errors';

/**
 * Admission to password hashing (argon2id on libuv's pool), the one cost of a sign-in that
 * grows with load. Without it, twice the rate the machine can hash makes every sign-in wait
 * behind an ever longer queue inside libuv, until clients time out: everyone fails slowly.
 * With it, a bounded number of hashes run, a bounded number of sign-ins wait, and the rest
 * are told at once: 503 SERVER_BUSY with Retry-After, so the ones admitted stay fast.
 *
 * Two classes share the slots:
 * - `interactive`: a person waiting (sign-ins, an administrator setting one password). Refused
 *   when the queue is full, when the wait it would face is already longer than `maxWaitMs`
 *   (estimated from the hashes measured so far), or when it did wait that long. A burst is
 *   absorbed up to that second; but once the queue has not emptied for `maxWaitMs` (the load
 *   goes on exceeding what the machine can hash), only `overloadWaitMs` of queue is kept
 *   (as CoDel does for packets): the same number are served either way, the slots being busy
 *   throughout, but those admitted wait a fraction of a second instead of a whole one.
 * - `batch`: an administrator's issuing run (10,000 cards). Never refused (the run is one
 *   request that must finish), and it bounds its own in-flight count; it waits without limit.
 * When both wait, a freed slot goes to them in turn, so a batch keeps at least half the slots
 * while sign-ins pour in, and sign-ins get at least half while a batch runs.
 *
 * Per process: the slots are this process's threads (replicas each have their own).
 */

/** Which queue a hash waits in. */
export type HashPriority = 'interactive' | 'batch';

/** The gate's bounds. */
export interface HashGateOptions {
  /** Hashes run at once: the threads that do them. */
  slots: number;
  /** Interactive hashes that may wait for a slot; the next one is refused at once. */
  maxQueue: number;
  /** The longest an interactive hash waits for a slot before it is refused. */
  maxWaitMs: number;
  /** The wait admitted once the queue has not emptied for `maxWaitMs` (sustained overload). */
  overloadWaitMs: number;
}

/** What the gate reports about itself (tests, logs). */
export interface HashGateState {
  running: number;
  waiting: { interactive: number; batch: number };
  /** Refusals since the start. */
  refused: number;
  /** The average hash time measured so far (ms), or null before the first. */
  averageMs: number | null;
  /** The queue has not emptied for `maxWaitMs`: only `overloadWaitMs` of it is admitted. */
  overloaded: boolean;
}

/** Runs password work within the gate's bounds. */
export interface HashGate {
  /** Runs `work` when a slot is free; an interactive call may be refused with SERVER_BUSY instead. */
  run<T>(priority: HashPriority, work: () => Promise<T>): Promise<T>;
  state(): HashGateState;
  readonly options: HashGateOptions;
}

/** libuv's pool size: what UV_THREADPOOL_SIZE says, else its default of 4. */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * The production bounds: one more hash than cores (so a core never idles while the main thread
 * writes, as batch issuing measured), leaving one pool thread for file and DNS work; sign-ins
 * wait at most a second in a burst (beyond that a person is better told to retry than left
 * hanging) and 150 ms in sustained overload (so those admitted still sign in within about one
 * hash + 200 ms, the latency target at the sizing load); at most 256 of them wait (the memory
 * bound; the waits usually refuse sooner).
 */
export function defaultHashGateOptions(cores = availableParallelism(), pool = threadPoolSize()): HashGateOptions {
  return { slots: Math.max(1, Math.min(cores + 1, pool - 1)), maxQueue: 256, maxWaitMs: 1000, overloadWaitMs: 150 };
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout | null;
}

/** The gate; `options` are checked (whole numbers, at least one slot). */
export function createHashGate(options: HashGateOptions): HashGate {
  const { slots, maxQueue, maxWaitMs, overloadWaitMs } = options;
  if (!Number.isInteger(slots) || slots < 1) throw new Error('A hash gate needs at least one slot');
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new Error('A hash gate queue bound must be a whole number');
  if (!(maxWaitMs >= 0) || !(overloadWaitMs >= 0)) throw new Error('A hash gate wait bound must not be negative');
  let running = 0;
  /** When a sign-in last found the queue empty (served at once, or the queue drained by serving it). */
  let emptyAt = performance.now();
  let refused = 0;
  let averageMs: number | null = null;
  const queues: Record<HashPriority, Waiter[]> = { interactive: [], batch: [] };
  let lastGranted: HashPriority = 'batch';

  /** How long a sign-in joining the queue now would wait: its place, over the slots' rate. */
  function expectedWaitMs(place: number): number {
    if (averageMs === null) return 0;
    // While a batch waits too, every other slot goes to it: twice the grants before this one.
    const grants = queues.batch.length > 0 ? 2 * place : place;
    return (grants * averageMs) / slots;
  }

  function busy(): GatepassError {
    refused++;
    const seconds = Math.max(1, Math.ceil(expectedWaitMs(queues.interactive.length + 1) / 1000));
    return new GatepassError('SERVER_BUSY', `The server is busy checking other passwords: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, {
      retryAfterSeconds: seconds,
    });
  }

  function dispatch(): void {
    while (running < slots) {
      const i = queues.interactive.length > 0;
      const b = queues.batch.length > 0;
      if (!i && !b) return;
      const pick: HashPriority = i && b ? (lastGranted === 'interactive' ? 'batch' : 'interactive') : i ? 'interactive' : 'batch';
      lastGranted = pick;
      const w = queues[pick].shift()!;
      if (pick === 'interactive' && queues.interactive.length === 0) emptyAt = performance.now();
      if (w.timer) clearTimeout(w.timer);
      running++;
      w.grant();
    }
  }

  const free = () => running < slots && queues.interactive.length === 0 && queues.batch.length === 0;

  /** The queue has not emptied for maxWaitMs: the load goes on exceeding what the slots do. */
  const overloaded = () => queues.interactive.length > 0 && performance.now() - emptyAt > maxWaitMs;

  /** Whether an interactive call joining the queue now is refused at once. */
  function full(): boolean {
    const place = queues.interactive.length + 1;
    return place > maxQueue || expectedWaitMs(place) > (overloaded() ? overloadWaitMs : maxWaitMs);
  }

  function admit(priority: HashPriority): Promise<void> | null {
    if (free()) {
      running++;
      if (priority === 'interactive') emptyAt = performance.now();
      return null;
    }
    // Joining an empty queue: the last time it was empty is now.
    if (priority === 'interactive' && queues.interactive.length === 0) emptyAt = performance.now();
    if (priority === 'interactive' && full()) return Promise.reject(busy());
    return new Promise<void>((resolve, reject) => {
      const queue = queues[priority];
      const w: Waiter = { grant: resolve, timer: null };
      if (priority === 'interactive') {
        w.timer = setTimeout(() => {
          const at = queue.indexOf(w);
          if (at < 0) return;
          queue.splice(at, 1);
          reject(busy());
        }, maxWaitMs);
      }
      queue.push(w);
    });
  }

  return {
    options: { slots, maxQueue, maxWaitMs, overloadWaitMs },
    async run(priority, work) {
      const waiting = admit(priority);
      if (waiting) await waiting;
      const t0 = performance.now();
      try {
        return await work();
      } finally {
        const ms = performance.now() - t0;
        // A moving average: recent hashes count most (the machine's load changes).
        averageMs = averageMs === null ? ms : averageMs * 0.9 + ms * 0.1;
        running--;
        dispatch();
      }
    },
    state: () => ({ running, waiting: { interactive: queues.interactive.length, batch: queues.batch.length }, refused, averageMs, overloaded: overloaded() }),
  };
}
