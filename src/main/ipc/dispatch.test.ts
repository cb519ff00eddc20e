import { describe, expect, it } from 'vitest';
import { contract } from '../../shared/ipc/contract';
import { createDispatcher, type Handlers } from './dispatch';

/** Handlers for every channel that say which one ran; individual tests override one. */
function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const all: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(contract)) all[name] = async () => ({ ran: name });
  return { ...(all as unknown as Handlers), ...overrides };
}

describe('the IPC dispatcher', () => {
  it('refuses a payload that does not match the channel schema with VALIDATION_FAILED', async () => {
    const dispatch = createDispatcher(handlers());
    const env = await dispatch('qr:generate', { serverId: 's1', userIds: 'not-an-array' });
    expect(env.ok).toBe(false);
    if (!env.ok) {
      expect(env.error.code).toBe('VALIDATION_FAILED');
      expect(env.error.message).toMatch(/userIds/);
    }
  });

  it('refuses a channel that is not in the contract with UNKNOWN_CHANNEL', async () => {
    const dispatch = createDispatcher(handlers());
    const env = await dispatch('shell:exec', { cmd: 'rm -rf /' });
    expect(env).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('does not treat inherited object properties as channels', async () => {
    const dispatch = createDispatcher(handlers());
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(await dispatch(name, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
  });

  it('masks an unexpected handler failure as INTERNAL without its text, and reports it to the log hook', async () => {
    const seen: string[] = [];
    const dispatch = createDispatcher(
      handlers({
        'servers:list': async () => {
          throw new Error('db password is hunter2');
        },
      }),
      { onInternalError: (channel) => seen.push(channel) },
    );
    const env = await dispatch('servers:list', {});
    expect(env).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(JSON.stringify(env)).not.toContain('hunter2');
    expect(seen).toEqual(['servers:list']);
  });

  it('never throws, even when a handler throws something that is not an Error', async () => {
    const dispatch = createDispatcher(
      handlers({
        'servers:list': () => Promise.reject('a string'),
      }),
    );
    await expect(dispatch('servers:list', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    await expect(dispatch('servers:list', null)).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('passes the parsed input (with defaults filled in) to the handler and wraps its result', async () => {
    let got: unknown;
    const dispatch = createDispatcher(
      handlers({
        'audit:list': async (input) => {
          got = input;
          return { total: 0, items: [] };
        },
      }),
    );
    const env = await dispatch('audit:list', { serverId: 's1' });
    expect(env).toEqual({ ok: true, data: { total: 0, items: [] } });
    expect(got).toEqual({ serverId: 's1', offset: 0, limit: 100 });
  });
});
