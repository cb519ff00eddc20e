import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { Agent } from 'node:https';
import type { z } from 'zod';
import { api, type RouteBody, type RouteName, type RouteParams, type RouteQuery, type RouteResponse } from '../../shared/api/routes';
import { ErrorBodySchema, ErrorCodeSchema, GatepassError, formatZodError } from '../../shared/errors';
import { pinnedAgent } from './tls-pin';

/** What a call sends: path parameters, query string and JSON body, each checked by the route's schema. */
export interface CallInput<N extends RouteName> {
  params?: RouteParams<N>;
  query?: RouteQuery<N>;
  body?: RouteBody<N>;
}

/** Per-call overrides; a bulk issue may need longer than the default timeout. */
export interface CallOptions {
  timeoutMs?: number;
  /** How many times a SERVER_BUSY answer is asked again after its Retry-After; default BUSY_RETRIES, 0 to see the first one. */
  busyRetries?: number;
}

/**
 * A server refuses a sign-in with SERVER_BUSY before doing any of it (hash-gate.ts: nothing checked,
 * nothing charged to the sign-in limits), so asking again after its Retry-After is safe for every
 * route (changing your own administrator password checks the current one and hashes the new one
 * in the same slot, so it too is refused whole or not at all). A few times, each wait capped: an administrator or a script waits seconds, not minutes,
 * before being told the server is busy. RATE_LIMITED is never retried: that wait is the point.
 */
export const BUSY_RETRIES = 3;
const BUSY_WAIT_CAP_MS = 5_000;

/** The console's typed client for one Gatepass server. */
export interface ServerClient {
  readonly origin: string;
  call<N extends RouteName>(name: N, input?: CallInput<N>, token?: string, options?: CallOptions): Promise<RouteResponse<N>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
// Network failures that mean "we could not talk to the server", as opposed to "it refused".
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_CANCELED',
  'ETIMEOUT',
]);

/**
 * An axios client driven by the shared route table, so the console can only call routes
 * that exist, with inputs the server will accept, and gets answers checked by the same zod
 * schemas the server answers with. Request and response bodies are never logged: they hold
 * passwords, tokens and credentials.
 */
export function createServerClient(baseUrl: string, opts: { timeoutMs?: number; tlsPin?: string | null } = {}): ServerClient {
  const parsedBase = new URL(baseUrl);
  const origin = parsedBase.origin;
  const root = baseUrl.replace(/\/+$/, '');
  const http: AxiosInstance = axios.create({
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // A redirect could carry the Authorization header or a password to another host.
    maxRedirects: 0,
    // We read every status ourselves and parse JSON ourselves, to tell server errors from garbage.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    headers: { Accept: 'application/json' },
  });

  // With a pin, an https server is trusted by its key (see tls-pin.ts); checked before the first call.
  const pin = opts.tlsPin && parsedBase.protocol === 'https:' ? opts.tlsPin : null;
  let agent: Promise<Agent> | null = null;

  async function call<N extends RouteName>(name: N, input: CallInput<N> = {}, token?: string, options: CallOptions = {}): Promise<RouteResponse<N>> {
    const route = api[name];
    if (pin) agent ??= pinnedAgent(baseUrl, pin, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    // A failed check is not cached: the next call looks again (the server may have been fixed).
    const httpsAgent = pin ? await agent!.catch((err: unknown) => {
      agent = null;
      throw err;
    }) : undefined;
    const params = checkInput(route.params, input.params, name, 'params') as Record<string, unknown>;
    const query = checkInput(route.query, input.query, name, 'query') as Record<string, unknown>;
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
    const body = hasBody ? checkInput(route.body, input.body, name, 'body') : undefined;

    const path = route.path.replace(/:([A-Za-z_]\w*)/g, (_m, key: string) => {
      const value = params[key];
      if (value === undefined || value === null) throw new GatepassError('VALIDATION_FAILED', `Missing path parameter ${key} for ${name}`);
      try {
        return encodeURIComponent(String(value));
      } catch {
        // A lone UTF-16 surrogate has no UTF-8 form (URIError): no server id can be one.
        throw new GatepassError('VALIDATION_FAILED', `The ${key} of ${name} is not valid text`);
      }
    });
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) search.set(k, String(v));
    const qs = search.toString();
    const url = `${root}${path}${qs ? `?${qs}` : ''}`;

    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (hasBody) headers['Content-Type'] = 'application/json';

    const retries = options.busyRetries ?? BUSY_RETRIES;
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (!(err instanceof GatepassError) || err.code !== 'SERVER_BUSY' || attempt >= retries) throw err;
        await sleep(busyWaitMs(err));
      }
    }

    async function send(): Promise<RouteResponse<N>> {
      let res;
      try {
        res = await http.request<string>({
          method: route.method,
          url,
          headers,
          data: hasBody ? JSON.stringify(body ?? {}) : undefined,
          ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
          ...(httpsAgent ? { httpsAgent } : {}),
        });
      } catch (err) {
        const mapped = mapTransportError(err, origin);
        if (pin && mapped.code === 'TLS_UNTRUSTED') {
          // The pinned self-signed certificate is the agent's only trust anchor, so another key fails
          // the chain check before the pin is looked at. Look again (nothing is sent): another key is
          // TLS_PIN_MISMATCH with the key presented; the same key (an expired certificate) stays untrusted.
          agent = null;
          await pinnedAgent(baseUrl, pin, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        }
        throw mapped;
      }

      const json = parseJson(res.data);
      if (res.status >= 200 && res.status < 300) {
        const parsed = route.response.safeParse(json);
        if (!parsed.success) {
          throw new GatepassError('SERVER_ERROR', `${origin} answered ${name} with an unexpected shape: ${formatZodError(parsed.error)}`);
        }
        return parsed.data as RouteResponse<N>;
      }
      const errBody = ErrorBodySchema.safeParse(json);
      if (errBody.success) {
        const code = ErrorCodeSchema.safeParse(errBody.data.code);
        // Keep the server's code so the UI and scripts can branch on it; an unknown code is still a server error.
        if (code.success) throw new GatepassError(code.data, errBody.data.message, errBody.data.details);
        throw new GatepassError('SERVER_ERROR', `${origin}: ${errBody.data.message} (${errBody.data.code})`);
      }
      throw new GatepassError('SERVER_ERROR', `${origin} answered HTTP ${res.status} to ${name}`);
    }
  }

  return { origin, call };
}

/** The server's Retry-After (seconds, from the error's details), capped, with a little jitter so a crowd does not come back at once. */
function busyWaitMs(err: GatepassError): number {
  const seconds = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  const base = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
  return Math.min(base, BUSY_WAIT_CAP_MS) + Math.floor(Math.random() * 250);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkInput(schema: z.ZodType, value: unknown, name: string, part: string): unknown {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new GatepassError('VALIDATION_FAILED', `${name} ${part}: ${formatZodError(parsed.error)}`);
  return parsed.data;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: a proxy page or some other server; the caller reports it as SERVER_ERROR.
    return undefined;
  }
}

/** TLS failures that mean "this certificate is not one we trust", as opposed to "nobody answered". */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function mapTransportError(err: unknown, origin: string): GatepassError {
  if (err instanceof GatepassError) return err;
  if (err instanceof AxiosError) {
    // Our own pin check refused the connection: say so, not "network error".
    if (err.cause instanceof GatepassError) return err.cause;
    const code = err.code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (UNTRUSTED_CERT_CODES.has(code)) {
      return new GatepassError('TLS_UNTRUSTED', `${origin} presents a certificate this machine does not trust (${code}); trust it by its key pin instead (the server prints it at start)`);
    }
    if (UNREACHABLE_CODES.has(code) || !err.response) {
      const why = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found' : code === 'ECONNREFUSED' ? 'connection refused' : code || 'network error';
      return new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${origin}: ${why}`);
    }
  }
  return new GatepassError('SERVER_ERROR', `Unexpected failure talking to ${origin}`);
}
