import { z } from 'zod';
import { createApi, type Invoke, type Subscribe } from '../../../shared/ipc/create-api';
import type { EventName } from '../../../shared/ipc/contract';

/**
 * The browser host's transport: when the page is not inside Electron (no preload, so no
 * `window.gatepass`), the same contract is spoken over HTTP to the host on 127.0.0.1.
 * Calls are POST <base>/ipc/<channel> with a JSON body and the page key; events arrive as an
 * event stream on POST <base>/events, read with fetch.
 */

const UNREACHABLE = {
  ok: false,
  error: { code: 'SERVER_UNREACHABLE', message: 'The console host is not answering' },
} as const;

/**
 * Reads the host's reply. The host always answers with a JSON envelope, even on 401/404,
 * so the status is not inspected; anything that is not JSON (a proxy page, a dead host)
 * becomes SERVER_UNREACHABLE instead of a parse error.
 */
export async function envelopeFromResponse(res: Response): Promise<unknown> {
  try {
    return (await res.json()) as unknown;
  } catch {
    // Not JSON: whatever answered is not our host.
    return UNREACHABLE;
  }
}

/** The header that carries the page key on every console call. */
export const PAGE_KEY_HEADER = 'x-gatepass-page-key';

/** The host's answer to a page asking for its key. */
const PageKeyAnswerSchema = z.object({ ok: z.literal(true), data: z.object({ pageKey: z.string().min(1) }) });
/** The host's refusal of a page key it does not know (forgotten after many newer pages): ask for a new one. */
const PageKeyRefusalSchema = z.object({ ok: z.literal(false), error: z.object({ code: z.literal('PAGE_KEY_REQUIRED') }) });

function isPageKeyRefusal(envelope: unknown): boolean {
  return PageKeyRefusalSchema.safeParse(envelope).success;
}

/** Thrown by {@link PageKey.get} when the host refuses a key; carries the host's envelope for the UI. */
class PageKeyRefused extends Error {
  constructor(readonly envelope: unknown) {
    super('The console host refused a page key');
  }
}

/**
 * This page's key for the browser host. The host's session cookie is sent by the browser on its
 * own; the key is not: it is asked for once when the page loads and held only here, in memory
 * (never in storage, a cookie or the address), so the cookie alone drives nothing.
 */
export interface PageKey {
  /** The key, asking the host for one if there is none yet. Rejects with the host's refusal. */
  get(): Promise<string>;
  /** After the host refused `stale`: one new key, however many calls were refused with it. */
  renew(stale: string): Promise<string>;
}

/** Builds the page key over fetch (POST `<base>/page-key`); `fetchFn` and `base` exist so it can run outside a page. */
export function createPageKey(fetchFn: typeof fetch = fetch, base = ''): PageKey {
  let pending: Promise<string> | null = null;
  // The value `pending` resolved to; null while it is on its way.
  let known: string | null = null;

  function ask(): Promise<string> {
    known = null;
    const asked = (async () => {
      const res = await fetchFn(`${base}/page-key`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-gatepass-request': '1' },
        body: '{}',
      });
      const envelope = await envelopeFromResponse(res);
      const answer = PageKeyAnswerSchema.safeParse(envelope);
      if (!answer.success) throw new PageKeyRefused(envelope);
      return answer.data.data.pageKey;
    })();
    pending = asked;
    asked.then(
      (key) => {
        if (pending === asked) known = key;
      },
      // A refusal or a dead host is not kept: the next call asks again.
      () => {
        if (pending === asked) pending = null;
      },
    );
    return asked;
  }

  return {
    get: () => pending ?? ask(),
    // Decided synchronously, so calls refused together share the one new key.
    renew: (stale) => (pending && known !== stale ? pending : ask()),
  };
}

/** What a call answers when it could not get a page key: the host's refusal, or unreachable. */
function envelopeOfKeyFailure(err: unknown): unknown {
  return err instanceof PageKeyRefused ? err.envelope : UNREACHABLE;
}

/**
 * Builds `invoke` over fetch; `fetchFn` and `base` (the console's path on the host) exist so it
 * can run outside a page. With `pageKey`, every call carries the page's key, and a call refused
 * for a forgotten key (refused before it ran) is sent once more with a new one.
 */
export function createHttpInvoke(fetchFn: typeof fetch = fetch, base = '', pageKey?: PageKey): Invoke {
  const post = (channel: string, input: unknown, key: string | null) =>
    fetchFn(`${base}/ipc/${encodeURIComponent(channel)}`, {
      method: 'POST',
      credentials: 'same-origin',
      // The custom header makes every call a non-simple request, which the host
      // requires: a cross-site form or <img> cannot forge it (CSRF defence).
      headers: { 'content-type': 'application/json', 'x-gatepass-request': '1', ...(key ? { [PAGE_KEY_HEADER]: key } : {}) },
      body: JSON.stringify(input ?? {}),
    });

  return async (channel, input) => {
    let key: string | null = null;
    try {
      if (pageKey) key = await pageKey.get();
    } catch (err) {
      return envelopeOfKeyFailure(err);
    }
    try {
      const envelope = await envelopeFromResponse(await post(channel, input, key));
      if (!pageKey || !key || !isPageKeyRefusal(envelope)) return envelope;
      try {
        key = await pageKey.renew(key);
      } catch (err) {
        return envelopeOfKeyFailure(err);
      }
      return await envelopeFromResponse(await post(channel, input, key));
    } catch {
      // Network failure: the host is gone or restarting.
      return UNREACHABLE;
    }
  };
}

/** One event of a `text/event-stream`. */
export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * Splits event-stream text into complete events (W3C Server-Sent Events: `event:` and `data:`
 * fields, `:` comments, a blank line ends an event); `rest` is an unfinished event to prepend to
 * the next chunk.
 */
export function parseEventStream(text: string): { events: StreamEvent[]; rest: string } {
  const normalised = text.replace(/\r\n?/g, '\n');
  const blocks = normalised.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: StreamEvent[] = [];
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/**
 * Builds `subscribe` over one event stream (POST `<base>/events` read with fetch, so it carries
 * the page key and the browser sends Origin) shared by every listener; it is opened on the first
 * subscription, reopened after a drop (waiting longer each time, up to 30 s), and closed when the
 * last listener leaves.
 */
export function createStreamSubscribe(fetchFn: typeof fetch, base: string, pageKey: PageKey): Subscribe {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let stop: AbortController | null = null;

  function deliver(e: StreamEvent): void {
    const set = listeners.get(e.event as EventName);
    if (!set || set.size === 0) return;
    let payload: unknown;
    try {
      payload = JSON.parse(e.data) as unknown;
    } catch {
      // A malformed event is dropped rather than breaking every listener.
      return;
    }
    for (const l of [...set]) l(payload);
  }

  async function read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const cancel = () => {
      reader.cancel().catch(() => {});
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const { events, rest } = parseEventStream(buffered + decoder.decode(value, { stream: true }));
        buffered = rest;
        for (const e of events) deliver(e);
      }
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  /** Resolves after `ms`, or at once when the subscription ends. */
  function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((done) => {
      const end = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', end);
        done();
      };
      const timer = setTimeout(end, ms);
      signal.addEventListener('abort', end, { once: true });
    });
  }

  async function run(signal: AbortSignal): Promise<void> {
    let wait = RETRY_FIRST_MS;
    let renewed = false;
    while (!signal.aborted) {
      try {
        const key = await pageKey.get();
        const res = await fetchFn(`${base}/events`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'x-gatepass-request': '1', [PAGE_KEY_HEADER]: key },
          body: '{}',
          signal,
        });
        if (res.ok && res.body) {
          wait = RETRY_FIRST_MS;
          renewed = false;
          await read(res.body, signal);
        } else if (isPageKeyRefusal(await envelopeFromResponse(res)) && !renewed) {
          // A forgotten key: try again at once with a new one (once in a row).
          await pageKey.renew(key);
          renewed = true;
          continue;
        }
      } catch {
        // A dropped stream, a dead host or a refused key: wait and try again.
      }
      if (signal.aborted) return;
      await pause(wait, signal);
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  return (event, listener) => {
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(listener);
    if (!stop) {
      stop = new AbortController();
      void run(stop.signal);
    }
    return () => {
      set.delete(listener);
      const remaining = [...listeners.values()].reduce((n, s) => n + s.size, 0);
      if (remaining === 0 && stop) {
        stop.abort();
        stop = null;
      }
    };
  };
}

/** The console's path on the host: the folder of the page's address (the host serves it under a path of each launch). */
export function consoleBase(pathname: string): string {
  return pathname.slice(0, pathname.lastIndexOf('/'));
}

/** Installs `window.gatepass` over HTTP unless the Electron preload already did. Call before rendering. */
export function installHttpTransport(target: Window = window): void {
  if (typeof target.gatepass !== 'undefined') return;
  const fetchFn = target.fetch.bind(target);
  const base = consoleBase(target.location.pathname);
  const pageKey = createPageKey(fetchFn, base);
  // Asked for now, while the first render runs; a failure is asked again by the first call.
  pageKey.get().catch(() => {});
  target.gatepass = createApi(createHttpInvoke(fetchFn, base, pageKey), createStreamSubscribe(fetchFn, base, pageKey));
}

/** Starts a browser download of a one-time link the host made (export:save in the browser host). */
export function triggerDownload(url: string, fileName: string, doc: Document = document): void {
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  doc.body.appendChild(a);
  a.click();
  a.remove();
}
