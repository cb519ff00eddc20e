import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the server knows of the request a piece of code runs for, without threading it through
 * every service: the client's address (request.ip, which believes X-Forwarded-For only from
 * the trusted proxies). The audit records it on every row; sign-in limits count by it.
 */
interface RequestContext {
  source: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `next` (the rest of the request's handling) with `source` as the request's address. */
export function runWithSource(source: string, next: () => void): void {
  storage.run({ source }, next);
}

/** The current request's client address; null outside a request (the operator's CLI, a timer). */
export function requestSource(): string | null {
  return storage.getStore()?.source ?? null;
}
