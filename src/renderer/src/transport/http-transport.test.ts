import { describe, expect, it } from 'vitest';
import { createApi, ApiError } from '../../../shared/ipc/create-api';
import { consoleBase, createHttpInvoke, createPageKey, envelopeFromResponse, parseEventStream, PAGE_KEY_HEADER } from './http-transport';

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

describe('the page key of the browser host transport', () => {
  /** A host that issues keys k1, k2, … and accepts only the keys in `valid`; it records every request. */
  function fakeHost(valid: Set<string>) {
    const seen: { url: string; key: string | null }[] = [];
    let issued = 0;
    const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
      const key = new Headers(init?.headers).get(PAGE_KEY_HEADER);
      seen.push({ url: String(url), key });
      if (String(url).endsWith('/page-key')) {
        const pageKey = `k${++issued}`;
        valid.add(pageKey);
        return new Response(JSON.stringify({ ok: true, data: { pageKey } }));
      }
      if (!key || !valid.has(key)) return new Response(JSON.stringify({ ok: false, error: { code: 'PAGE_KEY_REQUIRED', message: 'no key' } }), { status: 403 });
      return new Response(JSON.stringify({ ok: true, data: [] }));
    }) as typeof fetch;
    return { fetchFn, seen };
  }

  it('asks for a key once under the console path, sends it with every call, and keeps it only in memory', async () => {
    const { fetchFn, seen } = fakeHost(new Set());
    const api = createApi(createHttpInvoke(fetchFn, '/console/abc', createPageKey(fetchFn, '/console/abc')), noEvents);
    await Promise.all([api.servers.list(), api.servers.list(), api.app.info()]);
    expect(seen.map((s) => s.url)).toEqual(['/console/abc/page-key', '/console/abc/ipc/servers%3Alist', '/console/abc/ipc/servers%3Alist', '/console/abc/ipc/app%3Ainfo']);
    expect(seen.slice(1).map((s) => s.key)).toEqual(['k1', 'k1', 'k1']);
  });

  it('sends calls refused for a forgotten key once more with one new key, however many were refused together', async () => {
    const valid = new Set<string>();
    const { fetchFn, seen } = fakeHost(valid);
    const api = createApi(createHttpInvoke(fetchFn, '', createPageKey(fetchFn, '')), noEvents);
    await api.servers.list();
    valid.delete('k1');
    seen.length = 0;
    await expect(Promise.all([api.servers.list(), api.app.info()])).resolves.toEqual([[], []]);
    expect(seen.filter((s) => s.url.endsWith('/page-key'))).toHaveLength(1);
    expect(seen.filter((s) => s.url.includes('/ipc/')).map((s) => s.key)).toEqual(['k1', 'k1', 'k2', 'k2']);
  });

  it('gives the host\'s refusal of a key to the call, and asks again on the next call', async () => {
    let answer: Response = new Response(JSON.stringify({ ok: false, error: { code: 'AUTH_REQUIRED', message: 'Open the link printed in the terminal' } }), { status: 401 });
    const urls: string[] = [];
    const fetchFn = (async (url: string | URL | Request) => {
      urls.push(String(url));
      return answer;
    }) as typeof fetch;
    const api = createApi(createHttpInvoke(fetchFn, '', createPageKey(fetchFn, '')), noEvents);
    const err = await api.servers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('AUTH_REQUIRED');
    answer = new Response(JSON.stringify({ ok: true, data: { pageKey: 'k9' } }));
    await api.servers.list().catch(() => {});
    expect(urls).toEqual(['/page-key', '/page-key', '/ipc/servers%3Alist']);
  });

  it('finds the console path from the page address', () => {
    expect(consoleBase('/console/AbC_-1/')).toBe('/console/AbC_-1');
    expect(consoleBase('/console/AbC_-1/index.html')).toBe('/console/AbC_-1');
    expect(consoleBase('/')).toBe('');
  });
});

describe('the event stream reader', () => {
  it('reads named events, skips comments, and keeps an unfinished event for the next chunk', () => {
    const first = parseEventStream(': connected\n\nevent: export:progress\ndata: {"done":1}\n\nevent: servers:chan');
    expect(first.events).toEqual([{ event: 'export:progress', data: '{"done":1}' }]);
    const second = parseEventStream(`${first.rest}ged\r\ndata: {}\r\n\r\n: keep-alive\n\n`);
    expect(second.events).toEqual([{ event: 'servers:changed', data: '{}' }]);
    expect(second.rest).toBe('');
  });

  it('joins data lines and ignores unknown fields', () => {
    expect(parseEventStream('id: 3\nevent: e\ndata: a\ndata:b\nretry: 10\n\n').events).toEqual([{ event: 'e', data: 'a\nb' }]);
  });
});
