import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, relative, resolve, sep } from 'node:path';
import { isChannel, type EventName } from '../shared/ipc/contract';
import { createConsoleCore, type ConsoleCore } from '../main/console-core';
import type { Keychain } from '../main/services/keychain';
import { createDownloads } from './downloads';

/** Options of {@link startWebHost}. */
export interface WebHostOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  userDataDir: string;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  embedded?: boolean;
  logger?: (line: string) => void;
  /** Tests inject a keychain; the default is the OS keychain. */
  credentials?: Keychain;
  seedDemo?: number;
}

/** A running browser host. `url` carries the one-time launch token: print it, never log it elsewhere. */
export interface WebHost {
  url: string;
  origin: string;
  close(): Promise<void>;
}

const SESSION_COOKIE = 'gp_session';
/** The header that carries a page's key (see {@link startWebHost}). */
const PAGE_KEY_HEADER = 'x-gatepass-page-key';
/** Pages one session may hold keys for (tabs, reloads); beyond this the oldest key is forgotten and its page asks again. */
const MAX_PAGE_KEYS = 256;
const BODY_LIMIT = 20 * 1024 * 1024;
// users:import carries up to 20 MB of CSV text; JSON escaping (quotes, CR/LF) can double it.
const IMPORT_BODY_LIMIT = 48 * 1024 * 1024;
const SSE_KEEPALIVE_MS = 25_000;

// The renderer needs only its own scripts, styles and images (QR codes are inline SVG/data:).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** On every answer; static assets override cache-control. */
const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  // Never let another page frame the console (clickjacking); CSP frame-ancestors covers modern browsers.
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

// Ours rather than @fastify/send's: its mime table says application/javascript for .js.
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const UNAUTHORISED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gatepass</title></head>
<body><h1>Gatepass console</h1><p>Open the link printed in the terminal.</p>
<p>Each link works once; run <code>gatepass console</code> again for a new one.
A console already open keeps working at its own address (<code>/console/…/</code>).</p></body></html>`;

/** The `*` of `/ipc/*` and `/downloads/*`, percent-decoded by Fastify's router. */
interface WildcardParams {
  '*': string;
}

/** A refusal thrown where replying is not possible (body parser, symlink guard); `code` is for the envelope under /ipc/. */
class Refusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The browser host: serves the renderer and binds the console contract over HTTP, on
 * 127.0.0.1 only. A per-launch random token (printed once) buys a session cookie
 * (HttpOnly, SameSite=Strict) scoped to a random path of this launch, under which the whole
 * console lives: cookies are not bound to a port, and a cookie for `/` would be sent to every
 * other server on 127.0.0.1. Every console call (ipc, the event stream, asking for a page key)
 * must carry the host's own Origin (none is refused: a browser's fetch always sends it, a
 * replaying process need not), a custom header (so a cross-site form cannot forge it), and Host
 * `127.0.0.1:<port>` (DNS rebinding guard); ipc and events also need the key of a page, which
 * each page asks for once at load and holds only in memory. Downloads are one-time tickets
 * handed out by an ipc call. Fastify routes and reads bodies, @fastify/static serves files,
 * @fastify/cookie parses the Cookie header; the guards above are ours.
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const log = opts.logger ?? (() => {});
  const rendererRoot = resolve(opts.rendererDir);
  let realRendererRoot: string | null = null;
  let launchToken: Buffer | null = randomBytes(32);
  let sessionId: Buffer | null = null;
  // The console's path for this launch: only the launch token's redirect names it, and the
  // session cookie is scoped to it, so the browser sends that cookie to no other server.
  const scopePath = `/console/${randomBytes(32).toString('base64url')}`;
  // Requests under scopePath; Fastify routes them with the prefix removed (rewriteUrl).
  const inScope = new WeakSet<IncomingMessage>();
  // SHA-256 of each page key issued, oldest first: a lookup by digest tells nothing about a key's bytes.
  const pageKeys = new Set<string>();
  // Known once listening; no request can arrive before that.
  let origin = '';
  let expectedHost = '';
  const sse = new Set<ServerResponse>();

  const downloads = createDownloads(scopePath);
  let core: ConsoleCore | null = null;
  const emit = (event: EventName, payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sse) res.write(frame);
  };

  const app = Fastify({
    // Fastify's own logger stays off: it would log URLs, and the launch URL carries the token.
    logger: false,
    // close() also drops keep-alive and event-stream connections instead of waiting for them.
    forceCloseConnections: true,
    // Routes are written without the per-launch path; a request outside it is routed as sent and
    // has no session (hasSession), whatever cookie it carries.
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      if (!url.startsWith('/', scopePath.length) || !equalText(url.slice(0, scopePath.length), scopePath)) return url;
      inScope.add(req);
      return url.slice(scopePath.length);
    },
    // A malformed URL (bad percent-encoding) is refused before any hook runs.
    frameworkErrors: (_err, req, reply) => {
      reply.headers(SECURITY_HEADERS);
      if (isCallPath(req.url)) return refuse(reply, 400, 'VALIDATION_FAILED', 'Malformed request URL');
      return sendText(reply, 400, 'Bad request');
    },
  });
  // Slow-loris protection for a local server is cheap: cap header time.
  app.server.headersTimeout = 20_000;

  await app.register(fastifyCookie);

  app.addHook('onRequest', async (req, reply) => {
    reply.headers(SECURITY_HEADERS);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
    if (req.headers.host !== expectedHost) {
      return refuse(reply, 403, 'FORBIDDEN_SENDER', 'Requests must be addressed to 127.0.0.1 with this port');
    }
    if (isCallPath(req.url)) {
      if (req.method !== 'POST') return refuse(reply.header('allow', 'POST'), 405, 'VALIDATION_FAILED', 'Use POST');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(reply.header('allow', 'GET, HEAD'), 405, 'VALIDATION_FAILED', 'Method not allowed');
    }
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    // @fastify/static's refusals (a non-canonical or undecodable path) and our symlink guard.
    if (status >= 400 && status < 500) return sendText(reply, status, STATUS_CODES[status] ?? 'Bad request');
    return internalError(err, req, reply);
  });
  // Reached only from @fastify/static (no such file): every other path has a route.
  app.setNotFoundHandler((_req, reply) => sendText(reply, 404, 'Not found'));

  await app.register(async (ipc) => {
    // Every body is read as JSON whatever its Content-Type: the custom header, not the type, keeps forms out.
    ipc.removeAllContentTypeParsers();
    ipc.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
      const limit = bodyLimitOf(req);
      if (body.length > limit) return done(new Refusal(413, 'VALIDATION_FAILED', tooLargeMessage(limit)));
      if (body.length === 0) return done(null, {});
      try {
        done(null, JSON.parse(body.toString('utf8')) as unknown);
      } catch {
        done(new Refusal(400, 'VALIDATION_FAILED', 'Request body is not valid JSON'));
      }
    });
    ipc.setErrorHandler((err: FastifyError, req, reply) => {
      if (err instanceof Refusal) return refuse(reply, err.statusCode, err.code, err.message);
      // Fastify stopped reading a chunked body at the route's (larger) limit.
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return refuse(reply, 413, 'VALIDATION_FAILED', tooLargeMessage(bodyLimitOf(req)));
      const status = err.statusCode ?? 500;
      if (status >= 400 && status < 500) return refuse(reply, status, 'VALIDATION_FAILED', err.message);
      return internalError(err, req, reply);
    });
    // Fastify stops reading at the larger limit; each channel's own limit is checked as well (ipcGuard, parser).
    ipc.post<{ Params: WildcardParams }>('/ipc/*', { bodyLimit: IMPORT_BODY_LIMIT, onRequest: ipcGuard }, async (req) =>
      core!.dispatch(req.params['*'], req.body ?? {}),
    );

    // A page asks once at load; its key lives in its memory only (no storage, cookie or URL), so
    // what the browser keeps and sends by itself (the cookie) never drives the console alone.
    ipc.post('/page-key', { onRequest: (req, reply) => callGuard(req, reply, false) }, async () => {
      const pageKey = randomBytes(32).toString('base64url');
      pageKeys.add(digestOf(pageKey));
      if (pageKeys.size > MAX_PAGE_KEYS) pageKeys.delete(pageKeys.values().next().value!);
      return { ok: true, data: { pageKey } };
    });

    // POST read with fetch, not an EventSource's GET: browsers send no Origin with a same-origin
    // GET, and an EventSource cannot add the page key.
    ipc.post('/events', { onRequest: (req, reply) => callGuard(req, reply, true) }, (_req, reply) => {
      // Held open outside Fastify's reply cycle, so the security headers are written here too.
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      res.write(': connected\n\n');
      sse.add(res);
      // Comments keep proxies and the browser from timing out an idle stream.
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
      keepAlive.unref();
      // The response's close, not the request's: a request with a body may report close once it is read.
      res.on('close', () => {
        clearInterval(keepAlive);
        sse.delete(res);
      });
    });
  });

  // A navigation (<a download>) can carry no header and sends no Origin with GET: the link is a
  // one-time ticket that only an ipc call (Origin, page key) hands out.
  app.get<{ Params: WildcardParams }>('/downloads/*', { onRequest: downloadGuard }, (req, reply) => {
    const id = req.params['*'];
    const file = /^[A-Za-z0-9_-]{16,128}$/.test(id) ? downloads.take(id) : null;
    if (!file) return refuse(reply, 404, 'NOT_FOUND', 'This download has already been used or has expired');
    const stream = createReadStream(file.path);
    // Served once: the secrets in it do not stay on disk, whether the download finished or broke off.
    stream.once('close', () => void file.discard());
    return reply
      .headers({ 'content-type': file.contentType, 'content-length': String(file.bytes), 'content-disposition': contentDisposition(file.fileName) })
      .send(stream);
  });

  await app.register(async (pages) => {
    pages.addHook('onRequest', pageGuard);
    await pages.register(fastifyStatic, {
      root: rendererRoot,
      decorateReply: false,
      // Content types and caching are ours (setHeaders); validators would serve neither rule,
      // and ranges are of no use for a bundle of a few small files.
      contentType: false,
      cacheControl: false,
      etag: false,
      lastModified: false,
      acceptRanges: false,
      setHeaders: (reply, path) => {
        reply.header('content-type', MIME[extname(path).toLowerCase()] ?? 'application/octet-stream');
        // Vite's assets/ names carry a content hash; everything else keeps no-store.
        if (relative(rendererRoot, path).startsWith(`assets${sep}`)) reply.header('cache-control', 'private, max-age=31536000, immutable');
      },
      // @fastify/send follows symlinks: refuse a file whose real path leaves the renderer folder.
      onFile: async (path) => {
        realRendererRoot ??= await fs.realpath(rendererRoot);
        const real = await fs.realpath(path);
        if (!real.startsWith(realRendererRoot + sep)) throw new Refusal(404, 'NOT_FOUND', 'Outside the renderer folder');
      },
    });
  });

  function hasSession(req: FastifyRequest): boolean {
    if (!sessionId || !inScope.has(req.raw)) return false;
    const value = req.cookies[SESSION_COOKIE];
    return value !== undefined && equalSecret(value, sessionId);
  }

  function hasPageKey(req: FastifyRequest): boolean {
    const given = req.headers[PAGE_KEY_HEADER];
    return typeof given === 'string' && given.length === 43 && pageKeys.has(digestOf(given));
  }

  /** Every console call: the host's own Origin, the session, the custom header and (but for asking for one) a page key. */
  async function callGuard(req: FastifyRequest, reply: FastifyReply, needsPageKey: boolean): Promise<FastifyReply | undefined> {
    const reqOrigin = req.headers.origin;
    // A browser's fetch POST always sends Origin; a request without one comes from something else.
    if (reqOrigin === undefined) return refuse(reply, 403, 'ORIGIN_REQUIRED', 'Console calls must come from the console page: this request has no Origin header');
    if (reqOrigin !== origin) return refuse(reply, 403, 'FORBIDDEN_SENDER', 'Requests from other origins are refused');
    if (!hasSession(req)) return refuse(reply, 401, 'AUTH_REQUIRED', 'Open the link printed in the terminal');
    // A custom header cannot be sent cross-origin without a CORS preflight, which we never grant.
    if (req.headers['x-gatepass-request'] !== '1') return refuse(reply, 403, 'FORBIDDEN_SENDER', 'Missing the x-gatepass-request header');
    if (needsPageKey && !hasPageKey(req)) return refuse(reply, 403, 'PAGE_KEY_REQUIRED', 'This page has no valid page key: reload the page');
    return undefined;
  }

  async function ipcGuard(req: FastifyRequest<{ Params: WildcardParams }>, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const refused = await callGuard(req, reply, true);
    if (refused) return refused;
    const channel = req.params['*'];
    if (!isChannel(channel)) return refuse(reply, 404, 'UNKNOWN_CHANNEL', `Unknown channel: ${channel.slice(0, 64)}`);
    // Refused before the upload is read, when the client declares its size.
    const limit = bodyLimitOf(req);
    if (Number(req.headers['content-length'] ?? 0) > limit) return refuse(reply, 413, 'VALIDATION_FAILED', tooLargeMessage(limit));
    return undefined;
  }

  async function downloadGuard(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && reqOrigin !== origin) return refuse(reply, 403, 'FORBIDDEN_SENDER', 'Requests from other origins are refused');
    return hasSession(req) ? undefined : refuse(reply, 401, 'AUTH_REQUIRED', 'Open the link printed in the terminal');
  }

  async function pageGuard(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const { t } = req.query as { t?: string | string[] };
    if (t !== undefined && !inScope.has(req.raw) && req.url.startsWith('/?')) return redeemLaunchToken(Array.isArray(t) ? (t[0] ?? '') : t, reply);
    return hasSession(req) ? undefined : sendHtml(reply, 401, UNAUTHORISED_PAGE);
  }

  function redeemLaunchToken(given: string, reply: FastifyReply): FastifyReply {
    // One use only: after this the token in the terminal's scrollback is worthless.
    if (!launchToken || !equalSecret(given, launchToken)) return sendHtml(reply, 401, UNAUTHORISED_PAGE);
    launchToken = null;
    sessionId = randomBytes(32);
    // RFC 6265: HttpOnly keeps it from scripts; SameSite=Strict keeps other sites from using it.
    // Neither binds it to this port (§8.5): every server on 127.0.0.1 is the same site. The random
    // Path does: the browser sends the cookie only to requests under it, which no other server sees.
    // Written out rather than by reply.setCookie(), whose serializer puts Path first: this attribute
    // order is the one host.test.ts pins.
    reply.header('set-cookie', `${SESSION_COOKIE}=${sessionId.toString('base64url')}; HttpOnly; SameSite=Strict; Path=${scopePath}`);
    // Drop the token from the address bar (and from history) at once.
    return reply.redirect(`${scopePath}/`, 302);
  }

  function internalError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
    log(`web host: ${req.method} ${safePath(req.url)} failed: ${err.message}`);
    return refuse(reply, 500, 'INTERNAL', 'Internal error');
  }

  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  expectedHost = `127.0.0.1:${port}`;

  try {
    core = await createConsoleCore({
      userDataDir: opts.userDataDir,
      host: 'web',
      embedded: opts.embedded ?? true,
      saveTarget: async () => ({ kind: 'download', via: downloads }),
      emit,
      logger: log,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.seedDemo !== undefined ? { seedDemo: opts.seedDemo } : {}),
    });
  } catch (err) {
    await app.close();
    throw err;
  }

  log(`web host listening on ${origin}`);
  const url = `${origin}/?t=${launchToken.toString('base64url')}`;

  return {
    url,
    origin,
    async close() {
      for (const res of sse) res.end();
      sse.clear();
      await app.close();
      await core?.close();
      await downloads.close();
    },
  };
}

/** Paths answered only to POST with the console call's checks: ipc, the event stream and asking for a page key. */
function isCallPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path.startsWith('/ipc/') || path === '/events' || path === '/page-key';
}

function digestOf(pageKey: string): string {
  return createHash('sha256').update(pageKey).digest('base64url');
}

/** Constant-time comparison of two strings of public length. */
function equalText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** users:import carries a CSV file; every other call is small. */
function bodyLimitOf(req: FastifyRequest): number {
  return (req.params as WildcardParams)['*'] === 'users:import' ? IMPORT_BODY_LIMIT : BODY_LIMIT;
}

function tooLargeMessage(limit: number): string {
  return `Request body is larger than ${limit / 1024 / 1024} MB`;
}

function refuse(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ ok: false, error: { code, message } });
}

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(text);
}

/** Constant-time comparison of a base64url string against a secret. */
function equalSecret(given: string, secret: Buffer): boolean {
  const expected = Buffer.from(secret.toString('base64url'));
  const actual = Buffer.from(given);
  // Compare against something of the right length either way, so timing does not tell the length.
  if (actual.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(actual, expected);
}

/** RFC 6266 / RFC 8187: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function safePath(raw: string): string {
  // Never log query strings: the launch token travels in one.
  return raw.split('?')[0]!.slice(0, 200);
}
