import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSigninPayload } from '../shared/qr-payload';
import { createServerClient } from '../main/services/server-client';
import { startWebHost, type WebHost } from './host';
import { zbarRead } from '../test-support/zbar';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json(): unknown;
}

/** Raw HTTP, so the test controls Host, Origin and the exact path bytes (fetch would normalise them). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        ok({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json: () => JSON.parse(buf.toString('utf8')) });
      });
    });
    req.on('error', fail);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

let root: string;
let rendererDir: string;
let host: WebHost;
let port: number;
let token: string;
let cookie: string;
let firstRedeem: Reply;
/** Where the launch redirect sends the browser: the console and its calls live under this path. */
let scope: string;
/** The page key a console page holds in memory, as the page gets it at load. */
let pageKey: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gp-webhost-'));
  rendererDir = join(root, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Gatepass</title><script type="module" src="/assets/app.js"></script>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("gatepass");');
  // Something a path traversal would love to read, next to the renderer folder.
  await writeFile(join(root, 'secret.txt'), 'TOP-SECRET-FILE');

  host = await startWebHost({ port: 0, userDataDir: join(root, 'user-data'), rendererDir, embedded: true, seedDemo: 20 });
  const url = new URL(host.url);
  port = Number(url.port);
  token = url.searchParams.get('t') ?? '';
  firstRedeem = await raw(port, 'GET', `/?t=${encodeURIComponent(token)}`);
  cookie = String(firstRedeem.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  scope = String(firstRedeem.headers.location ?? '/').replace(/\/$/, '');
  pageKey = ((await raw(port, 'POST', `${scope}/page-key`, bootstrapHeaders(), '{}')).json() as { data?: { pageKey?: string } }).data?.pageKey ?? '';
}, 120_000);

afterAll(async () => {
  await host?.close();
  await rm(root, { recursive: true, force: true });
});

/** What the page sends to get its page key: the cookie, its own Origin and the custom header. */
const bootstrapHeaders = (): Record<string, string> => ({ cookie, 'x-gatepass-request': '1', 'content-type': 'application/json', origin: `http://127.0.0.1:${port}` });
const ipcHeaders = (): Record<string, string> => ({ ...bootstrapHeaders(), 'x-gatepass-page-key': pageKey });
async function ipc(channel: string, input: unknown = {}): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
  const r = await raw(port, 'POST', `${scope}/ipc/${channel}`, ipcHeaders(), JSON.stringify(input));
  return r.json() as { ok: boolean; data?: unknown; error?: { code: string; message: string } };
}

describe('the browser host launch and session', () => {
  it('is reachable only on 127.0.0.1 and prints a URL with a 32-byte launch token', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${port}`);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('trades the launch token for an HttpOnly, SameSite=Strict session cookie scoped to a per-launch path, and drops it from the address bar', () => {
    expect(firstRedeem.status).toBe(302);
    // Issue 12: cookies are not bound to a port, so a cookie for Path=/ went to every server on
    // 127.0.0.1. Scoped to a random path of this launch, the browser sends it to no other server.
    expect(firstRedeem.headers.location).toMatch(/^\/console\/[A-Za-z0-9_-]{43}\/$/);
    const setCookie = String(firstRedeem.headers['set-cookie']?.[0]);
    expect(setCookie).toMatch(/^gp_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/console\/[A-Za-z0-9_-]{43}$/);
    expect(setCookie.endsWith(`Path=${scope}`)).toBe(true);
    expect(setCookie).not.toContain(token);
  });

  it('accepts the launch token only once', async () => {
    const again = await raw(port, 'GET', `/?t=${encodeURIComponent(token)}`);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('shows a page saying to open the printed link to a browser without the cookie', async () => {
    const r = await raw(port, 'GET', '/');
    expect(r.status).toBe(401);
    expect(r.body.toString()).toContain('Open the link printed in the terminal');
  });

  it('serves the renderer with the strict CSP and security headers once signed in', async () => {
    const r = await raw(port, 'GET', `${scope}/`, { cookie });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toContain('<title>Gatepass</title>');
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    const js = await raw(port, 'GET', `${scope}/assets/app.js`, { cookie });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('refuses paths that climb out of the renderer folder', async () => {
    const paths = ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%5c%2e%2e%5csecret.txt', '/..%00/secret.txt'];
    for (const path of [...paths, ...paths.map((p) => `${scope}${p}`)]) {
      const r = await raw(port, 'GET', path, { cookie });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body.toString(), path).not.toContain('TOP-SECRET-FILE');
    }
  });
});

describe('the browser host IPC guard', () => {
  it('answers a call without the session cookie with 401 AUTH_REQUIRED', async () => {
    const r = await raw(port, 'POST', `${scope}/ipc/servers:list`, { 'x-gatepass-request': '1', origin: `http://127.0.0.1:${port}`, 'x-gatepass-page-key': pageKey }, '{}');
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
  });

  it('refuses a call from another Origin with 403 FORBIDDEN_SENDER', async () => {
    const r = await raw(port, 'POST', `${scope}/ipc/servers:list`, { ...ipcHeaders(), origin: 'https://evil.example' }, '{}');
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('refuses a request addressed to another Host name (DNS rebinding) with 403', async () => {
    for (const h of [`evil.example:${port}`, `localhost:${port}`, '127.0.0.1']) {
      const r = await raw(port, 'POST', `${scope}/ipc/servers:list`, { ...ipcHeaders(), host: h }, '{}');
      expect(r.status, h).toBe(403);
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    }
  });

  it('refuses a call without the x-gatepass-request header', async () => {
    const { 'x-gatepass-request': _omit, ...headers } = ipcHeaders();
    const r = await raw(port, 'POST', `${scope}/ipc/servers:list`, headers, '{}');
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });

  it('answers an unknown channel with 404 UNKNOWN_CHANNEL', async () => {
    const r = await raw(port, 'POST', `${scope}/ipc/shell:exec`, ipcHeaders(), '{}');
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('answers a body that is not JSON with VALIDATION_FAILED', async () => {
    const r = await raw(port, 'POST', `${scope}/ipc/servers:list`, ipcHeaders(), '{not json');
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('does not open the event stream without the cookie', async () => {
    const r = await raw(port, 'POST', `${scope}/events`, { origin: `http://127.0.0.1:${port}`, 'x-gatepass-request': '1', 'x-gatepass-page-key': pageKey });
    expect(r.status).toBe(401);
  });
});

describe('the browser host when its cookie reaches another server on 127.0.0.1 (issue 12)', () => {
  it('answers the cookie outside its per-launch path as if there were none', async () => {
    // A server on another port is sent requests for paths of its own; replayed here, none is the console's.
    const page = await raw(port, 'GET', '/', { cookie });
    expect(page.status).toBe(401);
    expect(page.body.toString()).toContain('Open the link printed in the terminal');
    const unscoped = await raw(port, 'POST', '/ipc/servers:list', ipcHeaders(), '{}');
    expect(unscoped.status).toBe(401);
    expect(unscoped.json()).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    // Near misses of the path are no console path at all.
    const nearMisses = ['/console/ipc/servers:list', `${scope}x/ipc/servers:list`, `${scope}/../ipc/servers:list`, `/console/${'A'.repeat(43)}/ipc/servers:list`, `${scope.toUpperCase()}/ipc/servers:list`, `/x${scope}/ipc/servers:list`];
    for (const path of nearMisses) {
      const r = await raw(port, 'POST', path, ipcHeaders(), '{}');
      expect(r.status, path).toBe(405);
      expect(r.json(), path).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    for (const path of [`/console/${'A'.repeat(43)}/`, `${scope}`, `${scope}x/`]) {
      const r = await raw(port, 'GET', path, { cookie });
      expect(r.status, path).toBe(401);
      expect(r.body.toString(), path).toContain('Open the link printed in the terminal');
    }
  });

  it('refuses every console call that carries the cookie but no Origin with 403 ORIGIN_REQUIRED', async () => {
    const { origin: _omit, ...noOrigin } = ipcHeaders();
    for (const path of [`${scope}/ipc/servers:list`, `${scope}/ipc/app:info`, `${scope}/events`, `${scope}/page-key`]) {
      const r = await raw(port, 'POST', path, noOrigin, '{}');
      expect(r.status, path).toBe(403);
      expect(r.json(), path).toMatchObject({ ok: false, error: { code: 'ORIGIN_REQUIRED' } });
    }
  });

  it('refuses a call with the cookie and the right Origin but without a page key the host issued, with 403 PAGE_KEY_REQUIRED', async () => {
    const { 'x-gatepass-page-key': _omit, ...noKey } = ipcHeaders();
    const keys = [undefined, '', randomBytes(32).toString('base64url'), pageKey.slice(0, -1), `${pageKey}, ${pageKey}`];
    for (const key of keys) {
      for (const path of [`${scope}/ipc/servers:list`, `${scope}/events`]) {
        const r = await raw(port, 'POST', path, key === undefined ? noKey : { ...noKey, 'x-gatepass-page-key': key }, '{}');
        expect(r.status, `${path} ${key}`).toBe(403);
        expect(r.json(), `${path} ${key}`).toMatchObject({ ok: false, error: { code: 'PAGE_KEY_REQUIRED' } });
      }
    }
  });

  it('issues a page key only to a same-origin call with the cookie and the custom header, one per page, and calls with it work', async () => {
    expect(Buffer.from(pageKey, 'base64url')).toHaveLength(32);
    const second = await raw(port, 'POST', `${scope}/page-key`, bootstrapHeaders(), '{}');
    expect(second.status).toBe(200);
    const secondKey = (second.json() as { data: { pageKey: string } }).data.pageKey;
    expect(secondKey).not.toBe(pageKey);
    // Two tabs of one browser each hold their own key; both work.
    for (const key of [pageKey, secondKey]) {
      const r = await raw(port, 'POST', `${scope}/ipc/app:info`, { ...bootstrapHeaders(), 'x-gatepass-page-key': key }, '{}');
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ ok: true, data: { host: 'web' } });
    }
    const { cookie: _c, ...noCookie } = bootstrapHeaders();
    const { 'x-gatepass-request': _x, ...noHeader } = bootstrapHeaders();
    const refusals: Array<[Record<string, string>, number, string]> = [
      [noCookie, 401, 'AUTH_REQUIRED'],
      // A page on another port of 127.0.0.1 is same-site (so SameSite=Strict does not stop it), not same-origin.
      [{ ...bootstrapHeaders(), origin: `http://127.0.0.1:${port + 1}` }, 403, 'FORBIDDEN_SENDER'],
      [{ ...bootstrapHeaders(), origin: 'null' }, 403, 'FORBIDDEN_SENDER'],
      [noHeader, 403, 'FORBIDDEN_SENDER'],
    ];
    for (const [headers, status, code] of refusals) {
      const r = await raw(port, 'POST', `${scope}/page-key`, headers, '{}');
      expect(r.status, code).toBe(status);
      expect(r.json()).toEqual({ ok: false, error: { code, message: expect.any(String) } });
    }
    // GET carries no Origin from a browser: an EventSource, <img> or link cannot reach either.
    for (const path of [`${scope}/page-key`, `${scope}/events`]) {
      const r = await raw(port, 'GET', path, bootstrapHeaders());
      expect(r.status, path).toBe(405);
      expect(r.headers.allow, path).toBe('POST');
    }
  });

  it('forgets the oldest page key beyond 256 open pages', async () => {
    const mint = async () => ((await raw(port, 'POST', `${scope}/page-key`, bootstrapHeaders(), '{}')).json() as { data: { pageKey: string } }).data.pageKey;
    const first = await mint();
    const call = (key: string) => raw(port, 'POST', `${scope}/ipc/app:info`, { ...bootstrapHeaders(), 'x-gatepass-page-key': key }, '{}');
    expect((await call(first)).status).toBe(200);
    let last = first;
    for (let i = 0; i < 256; i++) last = await mint();
    expect((await call(first)).json()).toMatchObject({ ok: false, error: { code: 'PAGE_KEY_REQUIRED' } });
    expect((await call(last)).status).toBe(200);
    // The page this file plays was forgotten too: like the real page, it asks for a new key.
    pageKey = await mint();
  });
});

describe('the whole flow through the browser host', () => {
  it('lists the embedded local server, pages its users, generates codes for 3 users and downloads the PDF once', async () => {
    const servers = await ipc('servers:list');
    expect(servers.ok).toBe(true);
    const list = servers.data as Array<{ id: string; name: string; embedded: boolean; status: string; url: string }>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'Local server', embedded: true, status: 'connected' });
    const serverId = list[0]!.id;

    const page = await ipc('users:list', { serverId, offset: 0, limit: 5 });
    expect(page).toMatchObject({ ok: true, data: { total: 20 } });
    const users = (page.data as { items: Array<{ id: string; login: string }> }).items;
    expect(users).toHaveLength(5);

    // Listen to progress events while exporting.
    const events: string[] = [];
    const sse = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: `${scope}/events`, headers: { host: `127.0.0.1:${port}`, ...ipcHeaders() } });
    const sseReady = new Promise<void>((ok) => {
      sse.on('response', (res) => {
        res.on('data', (c: Buffer) => events.push(c.toString()));
        ok();
      });
    });
    sse.end();
    await sseReady;

    const gen = await ipc('qr:generate', { serverId, userIds: users.slice(0, 3).map((u) => u.id), mode: { kind: 'same', password: 'Correct-Horse-42' } });
    expect(gen.ok, JSON.stringify(gen.error)).toBe(true);
    const job = gen.data as { jobId: string; codes: Array<{ status: string; login: string; qr: { size: number; path: string } | null }> };
    expect(job.codes.map((c) => c.status)).toEqual(['ok', 'ok', 'ok']);
    expect(job.codes.map((c) => c.login)).toEqual(users.slice(0, 3).map((u) => u.login));
    expect(job.codes[0]!.qr!.size).toBeGreaterThanOrEqual(21);
    // The payload (a secret) never reaches the renderer: only the QR image does.
    expect(JSON.stringify(job)).not.toMatch(/"gp":"signin"|\\"gp\\"/);

    const pathRefused = await ipc('export:save', { jobId: job.jobId, format: 'pdf', path: join(root, 'chosen.pdf') });
    expect(pathRefused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const saved = await ipc('export:save', { jobId: job.jobId, format: 'pdf' });
    expect(saved.ok, JSON.stringify(saved.error)).toBe(true);
    const dl = saved.data as { kind: string; url: string; fileName: string; bytes: number };
    expect(dl.kind).toBe('download');
    expect(dl.fileName).toMatch(/^gatepass-qr-local-server-\d{4}-\d{2}-\d{2}\.pdf$/);

    // The link is a one-time ticket under the per-launch path; without the cookie, outside the
    // path or asked for by another origin, it is refused and stays valid for the page.
    expect(dl.url).toMatch(new RegExp(`^${scope}/downloads/[A-Za-z0-9_-]{43}$`));
    const refusedDownloads: Array<[string, Record<string, string>, number]> = [
      [dl.url, {}, 401],
      [dl.url.slice(scope.length), { cookie }, 401],
      [dl.url, { cookie, origin: `http://127.0.0.1:${port + 1}` }, 403],
    ];
    for (const [path, headers, status] of refusedDownloads) expect((await raw(port, 'GET', path, headers)).status, `${path} ${JSON.stringify(headers)}`).toBe(status);
    const file = await raw(port, 'GET', dl.url, { cookie });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['content-disposition']).toBe(`attachment; filename="${dl.fileName}"; filename*=UTF-8''${dl.fileName}`);
    expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(file.body.length).toBe(dl.bytes);

    const again = await raw(port, 'GET', dl.url, { cookie });
    expect(again.status).toBe(404);
    // The job stays until its popup is closed: it saves again, then qr:discard forgets it.
    expect(await ipc('export:save', { jobId: job.jobId, format: 'pdf' })).toMatchObject({ ok: true, data: { kind: 'download' } });
    expect(await ipc('qr:discard', { jobId: job.jobId })).toMatchObject({ ok: true });
    expect(await ipc('export:save', { jobId: job.jobId, format: 'pdf' })).toMatchObject({ ok: false, error: { code: 'JOB_NOT_FOUND' } });

    sse.destroy();
    expect(events.join('')).toMatch(/event: export:progress\ndata: \{"jobId":"[^"]+","done":3,"total":3,"phase":"writing"\}\n\n/);

    // A real scanner reads the first card, and a device signs in with what it read.
    const pdf = join(root, 'codes.pdf');
    await writeFile(pdf, file.body);
    execFileSync('/usr/bin/pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', pdf, join(root, 'page')]);
    const png = (await readdir(root)).find((f) => f.startsWith('page') && f.endsWith('.png'))!;
    const payload = decodeSigninPayload(zbarRead(join(root, png)) ?? '');
    expect(payload.login).toBe(users[0]!.login);
    expect(payload.server).toBe(list[0]!.url);
    const device = await createServerClient(payload.server).call('qrSignin', { body: { login: payload.login, credential: payload.credential } });
    expect(device.user.login).toBe(users[0]!.login);
  });

  it('downloads per-user PDFs with their .usr files as one ZIP that passes unzip -t', async () => {
    const serverId = ((await ipc('servers:list')).data as Array<{ id: string }>)[0]!.id;
    const users = ((await ipc('users:list', { serverId, offset: 5, limit: 2 })).data as { items: Array<{ id: string; login: string }> }).items;
    const gen = await ipc('qr:generate', { serverId, userIds: users.map((u) => u.id), mode: { kind: 'unique', passwords: { [users[0]!.id]: 'Strong-Pass-71', [users[1]!.id]: 'Strong-Pass-72' } } });
    expect(gen.ok, JSON.stringify(gen.error)).toBe(true);
    const saved = await ipc('export:save', { jobId: (gen.data as { jobId: string }).jobId, format: 'zip', includeConfig: true });
    const dl = saved.data as { kind: string; url: string; fileName: string };
    expect(dl.fileName).toMatch(/^gatepass-qr-local-server-\d{4}-\d{2}-\d{2}\.zip$/);
    const file = await raw(port, 'GET', dl.url, { cookie });
    expect(file.headers['content-type']).toBe('application/zip');
    const zip = join(root, 'download.zip');
    await writeFile(zip, file.body);
    execFileSync('/usr/bin/unzip', ['-t', zip]);
    const names = execFileSync('/usr/bin/zipinfo', ['-1', zip], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(names).toEqual(users.flatMap((u) => [`${u.login}.pdf`, `${u.login}.usr`]).sort());
  });

  it('reports app info for the web host with the keychain state', async () => {
    const info = await ipc('app:info');
    expect(info).toMatchObject({ ok: true, data: { host: 'web', version: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
  });

  it('writes no password or token into the saved server list', async () => {
    const text = await readFile(join(root, 'user-data', 'servers.json'), 'utf8');
    expect(text).not.toContain('Correct-Horse-42');
    expect(Object.keys(JSON.parse(text).servers[0]).sort()).toEqual(['embedded', 'id', 'login', 'name', 'url']);
  });
});

describe('the browser host on Fastify keeps its answers', () => {
  it('refuses encoded traversal and symlinks that leave the renderer folder', async () => {
    await symlink(join(root, 'secret.txt'), join(rendererDir, 'assets', 'leak.txt'));
    await symlink(root, join(rendererDir, 'outside'));
    for (const path of ['/assets/..%2fsecret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/leak.txt', '/outside/secret.txt']) {
      const r = await raw(port, 'GET', `${scope}${path}`, { cookie });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.body.toString(), path).not.toContain('TOP-SECRET-FILE');
      expect(r.headers['content-security-policy'], path).toContain("default-src 'none'");
    }
  });

  it('answers HEAD on an asset with its headers and no body, and caches only assets', async () => {
    const head = await raw(port, 'HEAD', `${scope}/assets/app.js`, { cookie });
    expect(head.status).toBe(200);
    expect(head.body).toHaveLength(0);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength('console.log("gatepass");')));
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(head.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    const index = await raw(port, 'HEAD', `${scope}/index.html`, { cookie });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
  });

  it('answers a missing file with 404 and a static request without the cookie with the 401 page', async () => {
    const missing = await raw(port, 'GET', `${scope}/assets/missing.js`, { cookie });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
    const page = await raw(port, 'GET', `${scope}/assets/app.js`);
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toContain('Open the link printed in the terminal');
  });

  it('refuses a body over 20 MB with 413 in the envelope shape, declared or chunked', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(21 * 1024 * 1024) });
    const declaredOrChunked: Record<string, string>[] = [{ 'content-length': String(Buffer.byteLength(big)) }, {}];
    for (const headers of declaredOrChunked) {
      const r = await raw(port, 'POST', `${scope}/ipc/servers:list`, { ...ipcHeaders(), ...headers }, big);
      expect(r.status).toBe(413);
      expect(r.json()).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'Request body is larger than 20 MB' } });
    }
  });

  it('lets users:import carry a body over 20 MB to the dispatcher', async () => {
    // 12 MB of line breaks escape to 24 MB of JSON.
    const body = JSON.stringify({ serverId: 'no-such-server', csv: '\n'.repeat(12 * 1024 * 1024) });
    const r = await raw(port, 'POST', `${scope}/ipc/users%3Aimport`, ipcHeaders(), body);
    expect(r.status).toBe(200);
    expect(r.json()).toHaveProperty('ok');
  });

  it('answers other methods with 405 and Allow, in the envelope shape', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND']) {
      const r = await raw(port, method, `${scope}/ipc/servers:list`, ipcHeaders());
      expect(r.status, method).toBe(405);
      expect(r.headers.allow, method).toBe('POST');
      expect(r.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    const put = await raw(port, 'PUT', `${scope}/index.html`, { cookie });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
  });

  it('answers a malformed URL with 400', async () => {
    expect((await raw(port, 'GET', `${scope}/%zz`, { cookie })).status).toBe(400);
    const r = await raw(port, 'POST', `${scope}/ipc/%zz`, ipcHeaders(), '{}');
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('reads the first gp_session cookie only, and refuses oversize cookies', async () => {
    const forgedFirst = await raw(port, 'POST', `${scope}/ipc/app:info`, { ...ipcHeaders(), cookie: `gp_session=forged; ${cookie}` }, '{}');
    expect(forgedFirst.status).toBe(401);
    const realFirst = await raw(port, 'POST', `${scope}/ipc/app:info`, { ...ipcHeaders(), cookie: `${cookie}; gp_session=forged; other=1` }, '{}');
    expect(realFirst.status).toBe(200);
    const long = await raw(port, 'POST', `${scope}/ipc/app:info`, { ...ipcHeaders(), cookie: `gp_session=${'A'.repeat(4096)}` }, '{}');
    expect(long.status).toBe(401);
    expect(long.json()).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    const huge = await raw(port, 'GET', `${scope}/`, { cookie: `${cookie}; pad=${'x'.repeat(64 * 1024)}` });
    expect(huge.status).toBe(431);
  });
});
