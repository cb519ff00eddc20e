import fc from 'fast-check';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/errors';
import { contract, type Channel } from '../../shared/ipc/contract';
import { startServer, type RunningServer } from '../../server/index';
import { FUZZ_RUNS, fromJsonSchema, inputSchema } from '../../server/test-support/fuzz';
import { createConsoleCore, type ConsoleCore } from '../console-core';
import { createKeychain } from '../services/keychain';

// Issue 12, point 7: every console channel under property-based input, through the one
// dispatcher both hosts use, against a real server. Whatever arrives, the answer is an
// envelope: data, or an error with a stable code that is not INTERNAL (an INTERNAL is a
// handler that threw where it should have refused: a crash the dispatcher caught).

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const CHANNELS = (Object.keys(contract) as Channel[]).sort();
/** Channels that would take the fuzz's own server away; they are fuzzed with other ids only. */
const NOT_WITH_OUR_SERVER = new Set<Channel>(['servers:remove']);

let dir: string;
let server: RunningServer;
let core: ConsoleCore;
let serverId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-ipc-fuzz-'));
  server = await startServer({ db: join(dir, 'server.sqlite'), port: 0, adminPassword: ADMIN_PASSWORD, seedDemo: 20 }, { hashCost: 'test' });
  core = await createConsoleCore({
    userDataDir: join(dir, 'console'),
    host: 'web',
    saveTarget: async () => ({ kind: 'cancelled' }),
    emit: () => {},
    credentials: createKeychain({ load: () => Promise.reject(new Error('no keychain here')) }),
    // A fuzzed path must never become a file on this machine.
    allowSavePath: false,
  });
  const added = await core.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false });
  if (!added.ok) throw new Error(`servers:add: ${added.error.message}`);
  serverId = (added.data as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A channel's input: shaped by its schema, with `serverId` mostly the real server so the call reaches it. */
function inputFor(channel: Channel): fc.Arbitrary<unknown> {
  const shaped = fromJsonSchema(inputSchema(contract[channel].input));
  if (NOT_WITH_OUR_SERVER.has(channel)) return shaped;
  return fc.tuple(shaped, fc.boolean()).map(([input, real]) =>
    real && input && typeof input === 'object' && !Array.isArray(input) && 'serverId' in input ? { ...input, serverId } : input,
  );
}

describe('Fuzzing every console channel', () => {
  it.each(CHANNELS)('%s answers every input with data or a stable refusal, never a crash', async (channel) => {
    await fc.assert(
      fc.asyncProperty(inputFor(channel), async (input) => {
        const env = await core.dispatch(channel, input);
        if (env.ok) return;
        expect(ERROR_CODES as readonly string[], `${channel}: ${env.error.code} ${env.error.message}`).toContain(env.error.code);
        expect(env.error.code, `${channel} crashed on ${JSON.stringify(input).slice(0, 200)}: ${env.error.message}`).not.toBe('INTERNAL');
        expect(typeof env.error.message).toBe('string');
      }),
      { numRuns: FUZZ_RUNS },
    );
  }, 300_000);

  it('refuses channels that do not exist, and payloads that are not objects, without a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 3 }), async (name, payload) => {
        const env = await core.dispatch(name, payload);
        if (Object.prototype.hasOwnProperty.call(contract, name)) return;
        expect(env).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
      }),
      { numRuns: FUZZ_RUNS },
    );
  });
});
