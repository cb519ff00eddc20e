import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
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
const BODY_LIMIT = 20 * 1024 * 1024;
// users:import carries up to 20 MB of CSV text; JSON escaping (quotes, CR/LF) can double it.
const IMPORT_BODY_LIMIT = 48 * 1024 * 1024;
const SSE_KEEPALIVE_MS = 25_000;

// The renderer needs only its own scripts, styles and images (QR codes are inline SVG/data:).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
<p>Each link works once; run <code>gatepass console</code> again for a new one.</p></body></html>`;

/**
 * The browser host: serves the renderer and binds the console contract over HTTP, on
 * 127.0.0.1 only. A per-launch random token (printed once) buys a session cookie
 * (HttpOnly, SameSite=Strict); every call also needs a custom header (so a cross-site form
 * cannot forge it), a matching Origin, and Host `127.0.0.1:<port>` (DNS rebinding guard).
 */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const log = opts.logger ?? (() => {});
  const rendererRoot = resolve(opts.rendererDir);
  let launchToken: Buffer | null = randomBytes(32);
  let sessionId: Buffer | null = null;
  const sse = new Set<ServerResponse>();

  const downloads = createDownloads();
  let core: ConsoleCore | null = null;
  const emit = (event: EventName, payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of sse) res.write(frame);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`web host: ${req.method ?? '?'} ${safePath(req.url)} failed: ${err instanceof Error ? err.message : 'unknown'}`);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
      else res.destroy();
    });
  });
  // Slow-loris protection for a local server is cheap: cap header time.
  server.headersTimeout = 20_000;
  server.requestTimeout = 0;

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const expectedHost = `127.0.0.1:${port}`;

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
    await new Promise<void>((ok) => server.close(() => ok()));
    throw err;
  }

  function hasSession(req: IncomingMessage): boolean {
    if (!sessionId) return false;
    const value = readCookie(req.headers.cookie, SESSION_COOKIE);
    return value !== null && equalSecret(value, sessionId);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCommonHeaders(res);
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';

    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
    if (req.headers.host !== expectedHost) {
      return sendJson(res, 403, envelopeError('FORBIDDEN_SENDER', 'Requests must be addressed to 127.0.0.1 with this port'));
    }

    if (url.pathname.startsWith('/ipc/')) {
      if (method !== 'POST') return sendJson(res, 405, envelopeError('VALIDATION_FAILED', 'Use POST'), { Allow: 'POST' });
      return handleIpc(req, res, url);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, envelopeError('VALIDATION_FAILED', 'Method not allowed'), { Allow: 'GET, HEAD' });

    if (url.pathname === '/' && url.searchParams.has('t')) return redeemLaunchToken(url.searchParams.get('t') ?? '', res);
    if (!hasSession(req)) {
      if (url.pathname === '/events' || url.pathname.startsWith('/downloads/')) {
        return sendJson(res, 401, envelopeError('AUTH_REQUIRED', 'Open the link printed in the terminal'));
      }
      return sendHtml(res, 401, UNAUTHORISED_PAGE);
    }
    if (url.pathname === '/events') return openEvents(req, res);
    if (url.pathname.startsWith('/downloads/')) return sendDownload(res, url.pathname.slice('/downloads/'.length));
    return serveStatic(res, url.pathname, method === 'HEAD');
  }

  function redeemLaunchToken(given: string, res: ServerResponse): void {
    // One use only: after this the token in the terminal's scrollback is worthless.
    if (!launchToken || !equalSecret(given, launchToken)) return sendHtml(res, 401, UNAUTHORISED_PAGE);
    launchToken = null;
    sessionId = randomBytes(32);
    res.writeHead(302, {
      // RFC 6265: HttpOnly keeps it from scripts; SameSite=Strict keeps other sites from using it.
      'Set-Cookie': `${SESSION_COOKIE}=${sessionId.toString('base64url')}; HttpOnly; SameSite=Strict; Path=/`,
      // Drop the token from the address bar (and from history) at once.
      Location: '/',
    });
    res.end();
  }

  async function handleIpc(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const reqOrigin = req.headers.origin;
    if (reqOrigin !== undefined && reqOrigin !== origin) {
      return sendJson(res, 403, envelopeError('FORBIDDEN_SENDER', 'Requests from other origins are refused'));
    }
    if (!hasSession(req)) return sendJson(res, 401, envelopeError('AUTH_REQUIRED', 'Open the link printed in the terminal'));
    // A custom header cannot be sent cross-origin without a CORS preflight, which we never grant.
    if (req.headers['x-gatepass-request'] !== '1') {
      return sendJson(res, 403, envelopeError('FORBIDDEN_SENDER', 'Missing the x-gatepass-request header'));
    }
    let channel: string;
    try {
      channel = decodeURIComponent(url.pathname.slice('/ipc/'.length));
    } catch {
      channel = '';
    }
    if (!isChannel(channel)) {
      req.resume();
      return sendJson(res, 404, envelopeError('UNKNOWN_CHANNEL', `Unknown channel: ${channel.slice(0, 64)}`));
    }
    const limit = channel === 'users:import' ? IMPORT_BODY_LIMIT : BODY_LIMIT;
    const body = await readBody(req, limit);
    if (body === 'too-large') return sendJson(res, 413, envelopeError('VALIDATION_FAILED', `Request body is larger than ${limit / 1024 / 1024} MB`));
    let input: unknown = {};
    if (body.length > 0) {
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, envelopeError('VALIDATION_FAILED', 'Request body is not valid JSON'));
      }
    }
    const envelope = await core!.dispatch(channel, input);
    sendJson(res, 200, envelope);
  }

  function openEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    sse.add(res);
    // Comments keep proxies and the browser from timing out an idle stream.
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
    keepAlive.unref();
    req.on('close', () => {
      clearInterval(keepAlive);
      sse.delete(res);
    });
  }

  async function sendDownload(res: ServerResponse, rawId: string): Promise<void> {
    const file = /^[A-Za-z0-9_-]{16,128}$/.test(rawId) ? downloads.take(rawId) : null;
    if (!file) return sendJson(res, 404, envelopeError('NOT_FOUND', 'This download has already been used or has expired'));
    res.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': String(file.bytes),
      'Content-Disposition': contentDisposition(file.fileName),
    });
    const stream = createReadStream(file.path);
    await new Promise<void>((ok) => {
      const done = () => ok();
      stream.on('error', () => {
        res.destroy();
        done();
      });
      res.on('close', done);
      stream.pipe(res);
    });
    // Served once: the secrets in it do not stay on disk.
    await file.discard();
  }

  async function serveStatic(res: ServerResponse, pathname: string, headOnly: boolean): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, 'Bad request');
    }
    if (rel.includes('\0') || rel.includes('\\')) return sendText(res, 400, 'Bad request');
    if (rel === '/' || rel === '') rel = '/index.html';
    const full = resolve(rendererRoot, `.${rel}`);
    const inside = relative(rendererRoot, full);
    // Refuse anything that resolves outside the renderer folder (../, absolute, symlinked names are not followed out either).
    if (inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) return sendText(res, 404, 'Not found');
    let real: string;
    try {
      real = await fs.realpath(full);
      const realRoot = await fs.realpath(rendererRoot);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) return sendText(res, 404, 'Not found');
      const st = await fs.stat(real);
      if (!st.isFile()) return sendText(res, 404, 'Not found');
      const isAsset = rel.startsWith('/assets/');
      res.writeHead(200, {
        'Content-Type': MIME[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(st.size),
        // Vite's /assets/ names carry a content hash; everything else must be revalidated.
        'Cache-Control': isAsset ? 'private, max-age=31536000, immutable' : 'no-store',
      });
      if (headOnly) return void res.end();
      await new Promise<void>((ok) => {
        const s = createReadStream(real);
        s.on('error', () => {
          res.destroy();
          ok();
        });
        res.on('close', () => ok());
        s.pipe(res);
      });
    } catch {
      return sendText(res, 404, 'Not found');
    }
  }

  log(`web host listening on ${origin}`);
  const url = `${origin}/?t=${launchToken.toString('base64url')}`;

  return {
    url,
    origin,
    async close() {
      for (const res of sse) res.end();
      sse.clear();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
      await core?.close();
      await downloads.close();
    },
  };
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  // Never let another page frame the console (clickjacking); CSP frame-ancestors covers modern browsers.
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function envelopeError(code: string, message: string) {
  return { ok: false as const, error: { code, message } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)) });
  res.end(html);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      return ok('too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => ok(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Cookie value by name from a Cookie header (RFC 6265 §5.4), or null. */
function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
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

function safePath(raw: string | undefined): string {
  // Never log query strings: the launch token travels in one.
  return (raw ?? '').split('?')[0]!.slice(0, 200);
}

