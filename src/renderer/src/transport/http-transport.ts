import { createApi, type Invoke, type Subscribe } from '../../../shared/ipc/create-api';
import type { EventName } from '../../../shared/ipc/contract';

/**
 * The browser host's transport: when the page is not inside Electron (no preload, so no
 * `window.gatepass`), the same contract is spoken over HTTP to the host on 127.0.0.1.
 * Calls are POST /ipc/<channel> with a JSON body; events arrive as named SSE on /events.
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

/** Builds `invoke` over fetch; `fetchFn` and `base` exist so it can run outside a page. */
export function createHttpInvoke(fetchFn: typeof fetch = fetch, base = ''): Invoke {
  return async (channel, input) => {
    let res: Response;
    try {
      res = await fetchFn(`${base}/ipc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        credentials: 'same-origin',
        // The custom header makes every call a non-simple request, which the host
        // requires: a cross-site form or <img> cannot forge it (CSRF defence).
        headers: { 'content-type': 'application/json', 'x-gatepass-request': '1' },
        body: JSON.stringify(input ?? {}),
      });
    } catch {
      // Network failure: the host is gone or restarting.
      return UNREACHABLE;
    }
    return envelopeFromResponse(res);
  };
}

/**
 * Builds `subscribe` over one EventSource on /events shared by every listener; it is
 * opened on the first subscription and closed when the last listener leaves.
 */
export function createSseSubscribe(url = '/events', EventSourceCtor: typeof EventSource = EventSource): Subscribe {
  let source: EventSource | null = null;
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const bound = new Set<EventName>();

  function ensureSource(): EventSource {
    source ??= new EventSourceCtor(url, { withCredentials: true });
    return source;
  }

  return (event, listener) => {
    const es = ensureSource();
    let set = listeners.get(event);
    if (!set) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(listener);
    if (!bound.has(event)) {
      bound.add(event);
      es.addEventListener(event, (msg) => {
        let payload: unknown;
        try {
          payload = JSON.parse((msg as MessageEvent<string>).data) as unknown;
        } catch {
          // A malformed event is dropped rather than breaking every listener.
          return;
        }
        for (const l of listeners.get(event) ?? []) l(payload);
      });
    }
    return () => {
      set.delete(listener);
      const remaining = [...listeners.values()].reduce((n, s) => n + s.size, 0);
      if (remaining === 0 && source) {
        source.close();
        source = null;
        bound.clear();
      }
    };
  };
}

/** Installs `window.gatepass` over HTTP unless the Electron preload already did. Call before rendering. */
export function installHttpTransport(target: Window = window): void {
  if (typeof target.gatepass !== 'undefined') return;
  target.gatepass = createApi(createHttpInvoke(target.fetch.bind(target)), createSseSubscribe());
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
