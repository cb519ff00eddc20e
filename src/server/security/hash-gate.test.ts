import { describe, expect, it } from 'vitest';
import { GatepassError } from '../../shared/errors';
import { createHashGate, defaultHashGateOptions, threadPoolSize } from './hash-gate';

/** A piece of work the test finishes by hand, recording when it started. */
function held(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { work: () => (log.push(name), done), finish };
}

const tick = () => new Promise((r) => setImmediate(r));

async function refusal(p: Promise<unknown>): Promise<GatepassError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof GatepassError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe('hash gate', () => {
  it('runs as many as it has slots, queues up to its bound, refuses the next with SERVER_BUSY and a wait', async () => {
    const gate = createHashGate({ slots: 1, maxQueue: 1, maxWaitMs: 60_000, overloadWaitMs: 60_000 });
    const log: string[] = [];
    const a = held(log, 'a');
    const b = held(log, 'b');
    const first = gate.run('interactive', a.work);
    const second = gate.run('interactive', b.work);
    const err = await refusal(gate.run('interactive', () => Promise.resolve('never')));
    expect(err.code).toBe('SERVER_BUSY');
    expect((err.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(log).toEqual(['a']);
    expect(gate.state()).toMatchObject({ running: 1, waiting: { interactive: 1, batch: 0 }, refused: 1 });
    a.finish();
    await first;
    await tick();
    expect(log).toEqual(['a', 'b']);
    b.finish();
    await second;
    // Free again: the next one runs at once.
    await expect(gate.run('interactive', async () => 'ok')).resolves.toBe('ok');
    expect(gate.state()).toMatchObject({ running: 0, waiting: { interactive: 0, batch: 0 } });
  });

  it('refuses a sign-in that waited longer than the bound, and forgets it', async () => {
    const gate = createHashGate({ slots: 1, maxQueue: 10, maxWaitMs: 30, overloadWaitMs: 30 });
    const log: string[] = [];
    const a = held(log, 'a');
    const first = gate.run('interactive', a.work);
    const t0 = Date.now();
    const err = await refusal(gate.run('interactive', () => (log.push('late'), Promise.resolve())));
    expect(err.code).toBe('SERVER_BUSY');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(gate.state().waiting.interactive).toBe(0);
    a.finish();
    await first;
    await tick();
    // The refused one never ran, even once a slot was free.
    expect(log).toEqual(['a']);
  });

  it('refuses at once a sign-in whose wait, from the hashes measured so far, would be too long', async () => {
    const gate = createHashGate({ slots: 1, maxQueue: 100, maxWaitMs: 100, overloadWaitMs: 100 });
    // One measured hash of at least 40 ms.
    await gate.run('interactive', () => new Promise((r) => setTimeout(r, 45)));
    const log: string[] = [];
    const a = held(log, 'a');
    const first = gate.run('interactive', a.work);
    // Third in the queue: at least 3 x 40 ms > 100 ms of waiting. Refused before any timer could fire.
    const queued = [0, 1, 2].map(() => gate.run('interactive', async () => undefined).then(() => 'ran', (e: unknown) => e));
    await tick();
    expect(gate.state().refused).toBeGreaterThanOrEqual(1);
    a.finish();
    await first;
    const outcomes = await Promise.all(queued);
    expect(outcomes.at(-1)).toBeInstanceOf(GatepassError);
    expect(outcomes[0]).toBe('ran');
  });

  it('keeps a short queue once the queue has not emptied for the long wait (sustained overload)', async () => {
    const gate = createHashGate({ slots: 1, maxQueue: 100, maxWaitMs: 600, overloadWaitMs: 60 });
    // One measured hash of at least 40 ms: a second place in the queue is >= 80 ms of waiting.
    await gate.run('interactive', () => new Promise((r) => setTimeout(r, 45)));
    const log: string[] = [];
    const a = held(log, 'a');
    const first = gate.run('interactive', a.work);
    const settle = (p: Promise<unknown>) => p.then(() => 'ran', (e: unknown) => (e instanceof GatepassError ? e.code : e));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const w1 = settle(gate.run('interactive', async () => undefined));
    await sleep(300);
    // A burst: a second place is well within the long wait.
    const w2 = settle(gate.run('interactive', async () => undefined));
    expect(gate.state()).toMatchObject({ overloaded: false, waiting: { interactive: 2 } });
    await sleep(350);
    // The queue has not emptied for 600 ms (w1 ran out of time, w2 still waits): only 60 ms of queue now.
    expect(await w1).toBe('SERVER_BUSY');
    expect(gate.state()).toMatchObject({ overloaded: true, waiting: { interactive: 1 } });
    expect(await settle(gate.run('interactive', async () => undefined))).toBe('SERVER_BUSY');
    a.finish();
    await first;
    expect(await w2).toBe('ran');
    // Drained: the long wait applies again.
    expect(gate.state().overloaded).toBe(false);
    await expect(gate.run('interactive', async () => 'ok')).resolves.toBe('ok');
  });

  it('never refuses a batch, and alternates the slots between a batch and sign-ins', async () => {
    const gate = createHashGate({ slots: 1, maxQueue: 5, maxWaitMs: 60_000, overloadWaitMs: 60_000 });
    const log: string[] = [];
    const hold = held(log, 'hold');
    const holding = gate.run('interactive', hold.work);
    const runs = [
      ...['b1', 'b2', 'b3'].map((n) => gate.run('batch', async () => void log.push(n))),
      ...['i1', 'i2'].map((n) => gate.run('interactive', async () => void log.push(n))),
    ];
    hold.finish();
    await holding;
    await Promise.all(runs);
    expect(log).toEqual(['hold', 'i1', 'b1', 'i2', 'b2', 'b3']);
    // A queue bound of 0 refuses every waiting sign-in, but a batch still waits its turn.
    const strict = createHashGate({ slots: 1, maxQueue: 0, maxWaitMs: 60_000, overloadWaitMs: 60_000 });
    const h2 = held(log, 'h2');
    const holding2 = strict.run('interactive', h2.work);
    const batch = strict.run('batch', async () => 'issued');
    expect((await refusal(strict.run('interactive', async () => 'x'))).code).toBe('SERVER_BUSY');
    h2.finish();
    await holding2;
    await expect(batch).resolves.toBe('issued');
  });

  it('gives a slot back when the work fails', async () => {
    const gate = createHashGate({ slots: 1, maxQueue: 0, maxWaitMs: 1000, overloadWaitMs: 1000 });
    await expect(gate.run('interactive', () => Promise.reject(new Error('argon2 failed')))).rejects.toThrow('argon2 failed');
    await expect(gate.run('interactive', async () => 'next')).resolves.toBe('next');
  });

  it('takes one more slot than cores, leaving a pool thread free, and reads UV_THREADPOOL_SIZE', () => {
    expect(defaultHashGateOptions(2, 4)).toMatchObject({ slots: 3, maxWaitMs: 1000, overloadWaitMs: 150 });
    expect(defaultHashGateOptions(16, 4).slots).toBe(3);
    expect(defaultHashGateOptions(16, 32).slots).toBe(17);
    expect(defaultHashGateOptions(1, 1).slots).toBe(1);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: '8' })).toBe(8);
    expect(threadPoolSize({})).toBe(4);
    expect(threadPoolSize({ UV_THREADPOOL_SIZE: 'lots' })).toBe(4);
  });
});
