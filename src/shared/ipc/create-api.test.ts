import { describe, expect, it } from 'vitest';
import { ApiError, createApi } from './create-api';
import { contract } from './contract';

const noEvents = () => () => undefined;

describe('createApi', () => {
  it('exposes one function per contract channel, grouped by domain', () => {
    const api = createApi(async () => ({ ok: true, data: null }), noEvents) as unknown as Record<string, Record<string, unknown>>;
    for (const name of Object.keys(contract)) {
      const [domain, verb] = name.split(':') as [string, string];
      expect(typeof api[domain]?.[verb]).toBe('function');
    }
  });

  it('sends the channel name and input through the transport and returns the data', async () => {
    const calls: unknown[][] = [];
    const api = createApi(async (channel, input) => {
      calls.push([channel, input]);
      return { ok: true, data: [] };
    }, noEvents);
    await expect(api.servers.list()).resolves.toEqual([]);
    expect(calls).toEqual([['servers:list', {}]]);
  });

  it('throws an ApiError carrying the stable code and message', async () => {
    const api = createApi(async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'No such user' } }), noEvents);
    const err = await api.users.get({ serverId: 's', userId: 'u' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'No such user' });
  });

  it('turns a reply that is not an envelope into an INTERNAL error instead of undefined data', async () => {
    const api = createApi(async () => 'garbage', noEvents);
    await expect(api.servers.list()).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('cannot be changed by the page once built', () => {
    const api = createApi(async () => ({ ok: true, data: null }), noEvents);
    expect(Object.isFrozen(api)).toBe(true);
  });
});
