import { describe, expect, it } from 'vitest';
import { createApi, ApiError } from '../../../shared/ipc/create-api';
import { createHttpInvoke, envelopeFromResponse } from './http-transport';

const noEvents = () => () => {};

describe('browser host transport', () => {
  it('passes the host envelope through, including an error answered with 401', async () => {
    const body = { ok: false, error: { code: 'AUTH_REQUIRED', message: 'Sign in again' } };
    const res = new Response(JSON.stringify(body), { status: 401, headers: { 'content-type': 'application/json' } });
    expect(await envelopeFromResponse(res)).toEqual(body);
  });

  it('reports a host that answers with something other than JSON as unreachable', async () => {
    const res = new Response('<html>Bad gateway</html>', { status: 502 });
    expect(await envelopeFromResponse(res)).toEqual({
      ok: false,
      error: { code: 'SERVER_UNREACHABLE', message: 'The console host is not answering' },
    });
  });

  it('posts the channel input as JSON with the CSRF header to /ipc/<channel>', async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const invoke = createHttpInvoke(async (url, init) => {
      seen.push({ url: String(url), init });
      return new Response(JSON.stringify({ ok: true, data: { total: 0, items: [] } }));
    });
    const api = createApi(invoke, noEvents);
    await expect(api.users.list({ serverId: 's1', offset: 0, limit: 200 })).resolves.toEqual({ total: 0, items: [] });
    expect(seen[0]?.url).toBe('/ipc/users%3Alist');
    expect(seen[0]?.init?.method).toBe('POST');
    expect(new Headers(seen[0]?.init?.headers).get('x-gatepass-request')).toBe('1');
    expect(JSON.parse(String(seen[0]?.init?.body))).toEqual({ serverId: 's1', offset: 0, limit: 200 });
  });

  it('turns a dead host into an ApiError with the SERVER_UNREACHABLE code the UI can show', async () => {
    const api = createApi(
      createHttpInvoke(async () => {
        throw new TypeError('fetch failed');
      }),
      noEvents,
    );
    const err = await api.servers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('SERVER_UNREACHABLE');
    expect((err as ApiError).message).toBe('The console host is not answering');
  });
});
