import { test, expect, type Page } from '@playwright/test';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { contract } from '../src/shared/ipc/contract';
import { addServerInUi, startCli, startStack, type Stack, type Started } from './support';

// Issue 12, point 1: cookies are not bound to a port, so every other server on 127.0.0.1 that the
// browser talks to was sent the console's session cookie, and the host accepted calls without an
// Origin: a local process that recorded the cookie could drive the console. Here a plain HTTP
// "recorder" on another port of 127.0.0.1 is visited by the same browser as the console, and
// whatever it records is replayed the way a process would (any headers, no Origin or a forged one).

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

let stack: Stack;
let recorder: Server;
let recorderOrigin: string;
const recorded: Recorded[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  stack = await startStack('Plant 12', 3);
  recorder = createServer((req, res) => {
    recorded.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    // Its page makes the browser ask it for more (an image), as any local web app's page does.
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Another local server</title><img src="/pixel.gif" alt=""><p>Recorded.</p>');
  });
  await new Promise<void>((ok) => recorder.listen(0, '127.0.0.1', ok));
  recorderOrigin = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((ok) => (recorder ? recorder.close(() => ok()) : ok()));
  await stack?.stop();
});

/** A request as a local process sends it: exactly these headers, so no Origin unless one is forged in. */
function replay(url: string, headers: Record<string, string>, body = '{}'): Promise<{ status: number; json: { ok?: boolean; error?: { code?: string } } }> {
  return new Promise((ok, fail) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, json: JSON.parse(text) as { ok?: boolean; error?: { code?: string } } }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** The console's tree has the server: loaded from main, so the call that lists it worked. */
async function expectServerListed(page: Page): Promise<void> {
  await expect(page.getByRole('tree').getByRole('treeitem', { name: /Plant 12/ }).first()).toBeVisible();
}

test('a server on another port of 127.0.0.1 is sent no session cookie, and nothing it records drives the console', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const keysSent = new Set<string>();
  const streams: string[] = [];
  page.on('request', (r) => {
    const key = r.headers()['x-gatepass-page-key'];
    if (key) keysSent.add(key);
    if (r.url().endsWith('/events')) streams.push(`${r.method()} ${new URL(r.url()).pathname} ${key ? 'with' : 'without'} key`);
  });
  await page.goto(stack.consoleUrl);
  await expect(page.getByText('No servers yet. Use Add server.')).toBeVisible();
  const home = new URL(page.url());
  // The launch link is traded for a cookie of this launch's own path, and the console lives under it.
  expect(home.pathname).toMatch(/^\/console\/[A-Za-z0-9_-]{43}\/$/);
  const consoleOrigin = home.origin;

  // The administrator, in the same browser, uses another local web app: its pages and what they ask for,
  // including the very paths the console's calls used to have.
  const other = await context.newPage();
  for (const path of ['/', '/ipc/servers:list', '/events', '/console/', '/downloads/x']) await other.goto(`${recorderOrigin}${path}`);
  await other.evaluate(async () => {
    await fetch('/ipc/servers:list', { method: 'POST', credentials: 'include', body: '{}' });
  });
  await expect.poll(() => recorded.filter((r) => r.url === '/pixel.gif').length).toBeGreaterThanOrEqual(1);
  expect(recorded.length).toBeGreaterThanOrEqual(7);
  await other.close();

  // What it recorded: no session cookie, and not the console's path.
  const captured = [...new Set(recorded.map((r) => r.headers.cookie ?? ''))];
  expect(captured.join('; ')).not.toContain('gp_session');
  expect(JSON.stringify(recorded)).not.toContain(home.pathname);

  // Replayed by a process to every console channel, with no Origin or with the console's own forged
  // in (and the custom header): nothing runs.
  const noOrigin = { 'x-gatepass-request': '1', 'content-type': 'application/json' };
  const forged = { ...noOrigin, origin: consoleOrigin };
  const channels = Object.keys(contract);
  expect(channels.length).toBeGreaterThan(50);
  for (const cookie of captured) {
    for (const path of [...channels.map((c) => `/ipc/${c}`), '/page-key', '/events']) {
      for (const headers of [{ cookie }, { ...noOrigin, cookie }, { ...forged, cookie }]) {
        const r = await replay(`${consoleOrigin}${path}`, headers);
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBeGreaterThanOrEqual(400);
        expect(r.json.ok, path).toBe(false);
      }
    }
  }

  // Even the cookie itself, taken out of the browser's jar, is refused without the page's Origin and key.
  const jar = await context.cookies(home.href);
  const session = jar.find((c) => c.name === 'gp_session');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: home.pathname.replace(/\/$/, '') });
  const stolen = `gp_session=${session!.value}`;
  for (const path of ['ipc/servers:list', 'ipc/servers:add', 'events', 'page-key']) {
    expect((await replay(new URL(path, home).href, { cookie: stolen, 'x-gatepass-request': '1' })).json, path).toMatchObject({ ok: false, error: { code: 'ORIGIN_REQUIRED' } });
  }
  for (const path of ['ipc/servers:list', 'ipc/servers:add', 'events']) {
    expect((await replay(new URL(path, home).href, { ...forged, cookie: stolen })).json, path).toMatchObject({ ok: false, error: { code: 'PAGE_KEY_REQUIRED' } });
  }

  // The page's key went with its calls (the event stream too) and lives nowhere else: not in its
  // storage, cookies or address.
  expect(streams).toEqual([`POST ${home.pathname}events with key`]);
  expect(keysSent.size).toBe(1);
  const [key] = [...keysSent];
  // Evaluated in the page as text: the e2e type-check has no DOM library.
  const kept = await page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, url: location.href, loaded: performance.getEntries().map((e) => e.name), history: history.state })');
  expect(kept).not.toContain(key);
  expect(JSON.stringify(await context.cookies())).not.toContain(key);
  expect(await page.evaluate<string>('document.cookie')).toBe('');

  // The console itself still works: a second tab hears the first add a server (the event stream),
  // and a reload gets a fresh key and keeps the session.
  const second = await context.newPage();
  await second.goto(home.href);
  await expect(second.getByText('No servers yet. Use Add server.')).toBeVisible();
  await addServerInUi(page, 'Plant 12', stack.serverUrl);
  await expectServerListed(second);
  await page.reload();
  await expectServerListed(page);
  expect(keysSent.size).toBe(2);
  await context.close();
});

/** `gatepass console` on a user data folder of its own; the caller stops it. */
function startConsole(folder: string): Promise<Started> {
  return startCli(['console', '--port', '0', '--no-embedded'], { GATEPASS_USER_DATA: join(stack.work, folder) }, /Gatepass console: (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
}

test('a second console opened in the same browser leaves the first signed in', async ({ browser }) => {
  const context = await browser.newContext();
  const consoles: Started[] = [];
  try {
    consoles.push(await startConsole('console-a'), await startConsole('console-b'));
    const first = await context.newPage();
    await first.goto(consoles[0]!.match[1]!);
    await expect(first.getByText('No servers yet. Use Add server.')).toBeVisible();
    // Before issue 12 both consoles set gp_session for 127.0.0.1 with Path=/, so the second replaced the first.
    const second = await context.newPage();
    await second.goto(consoles[1]!.match[1]!);
    await expect(second.getByText('No servers yet. Use Add server.')).toBeVisible();
    await first.reload();
    await expect(first.getByText('No servers yet. Use Add server.')).toBeVisible();
    await second.reload();
    await expect(second.getByText('No servers yet. Use Add server.')).toBeVisible();
    expect((await context.cookies()).filter((c) => c.name === 'gp_session')).toHaveLength(2);
    // The bare address of a console is not the console: the browser sends it no cookie there.
    await first.goto(`${new URL(first.url()).origin}/`);
    await expect(first.getByText('Open the link printed in the terminal')).toBeVisible();
  } finally {
    for (const c of consoles) await c.stop();
    await context.close();
  }
});

test('a page whose key was forgotten (256 newer pages) gets a new one and carries on', async ({ browser }) => {
  const context = await browser.newContext();
  const launch = await startConsole('console-c');
  try {
    const page = await context.newPage();
    await page.goto(launch.match[1]!);
    await expect(page.getByText('No servers yet. Use Add server.')).toBeVisible();
    const home = new URL(page.url());
    // 256 newer pages of this browser each ask for a key (played here by requests with the page's cookie and Origin).
    const session = (await context.cookies(home.href)).find((c) => c.name === 'gp_session')!;
    const headers = { cookie: `gp_session=${session.value}`, origin: home.origin, 'x-gatepass-request': '1' };
    for (let i = 0; i < 256; i++) expect((await replay(new URL('page-key', home).href, headers)).status).toBe(200);
    // The old page's next call is refused for its key; it gets a new one and the call goes through.
    const answers: Array<{ status: number; key: string | undefined }> = [];
    page.on('response', (r) => {
      if (r.url().includes('/ipc/')) answers.push({ status: r.status(), key: r.request().headers()['x-gatepass-page-key'] });
    });
    await page.getByRole('button', { name: 'Add server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add server' });
    await dialog.getByLabel('Name').fill('Plant 12 again');
    await dialog.getByLabel('Server URL').fill(stack.serverUrl);
    await dialog.getByLabel('Login').fill('admin');
    await dialog.getByLabel('Password', { exact: true }).fill('not-the-password');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    // The server's own answer (a wrong password) reaches the dialog: the call ran.
    await expect(dialog.getByRole('alert')).toContainText(/password/i);
    expect(answers[0]?.status).toBe(403);
    expect(answers.some((a) => a.status === 200 && a.key !== answers[0]?.key)).toBe(true);
  } finally {
    await launch.stop();
    await context.close();
  }
});
