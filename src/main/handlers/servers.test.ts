import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index';
import { createConsoleCore, type ConsoleCore } from '../console-core';
import { createKeychain } from '../services/keychain';
import { runConsoleInKeyring } from '../test-support/keyring';

/**
 * Issue 8, point 9, in main: an address that is not a Gatepass server is named as such, a
 * server can be renamed and moved to a new address (checked before anything changes), and
 * the view settings live in main's settings file. Real servers, a real plain web server.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

let dir: string;
let plant: Awaited<ReturnType<typeof startServer>>;
let moved: Awaited<ReturnType<typeof startServer>>;
let web: HttpServer;
let webUrl: string;

async function core(name: string): Promise<{ core: ConsoleCore; userData: string; events: string[] }> {
  const userData = join(dir, name);
  const events: string[] = [];
  const c = await createConsoleCore({
    userDataDir: userData,
    host: 'web',
    saveTarget: async () => ({ kind: 'cancelled' }),
    emit: (e) => events.push(e),
    credentials: createKeychain({ load: () => Promise.reject(new Error('no Secret Service here')) }),
  });
  return { core: c, userData, events };
}

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
interface ServerView {
  id: string;
  name: string;
  url: string;
  status: string;
  statusMessage?: string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-servers-'));
  plant = await startServer({ db: join(dir, 'plant.sqlite'), port: 0, name: 'Plant 6', seedDemo: 3, adminPassword: ADMIN_PASSWORD });
  moved = await startServer({ db: join(dir, 'moved.sqlite'), port: 0, name: 'Plant 6 (new hall)', seedDemo: 5, adminPassword: ADMIN_PASSWORD });
  // An ordinary web server: a page for GET, 405 for anything else, as a misconfigured proxy would.
  web = createServer((req, res) => {
    if (req.method === 'GET') res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>It works!</body></html>');
    else res.writeHead(405, { 'content-type': 'text/plain' }).end('Method Not Allowed');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await plant?.close();
  await moved?.close();
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('an address that is not a Gatepass server', () => {
  it('is refused with NOT_GATEPASS_SERVER and a sentence naming the address, and nothing is saved', async () => {
    const { core: c, userData } = await core('not-gatepass');
    const env = await c.dispatch('servers:add', { url: `${webUrl}/`, login: 'admin', password: ADMIN_PASSWORD, remember: false });
    expect(env).toEqual({
      ok: false,
      error: { code: 'NOT_GATEPASS_SERVER', message: `${webUrl} is not a Gatepass server: it does not answer /api/v1/info as one. Check the address and port.` },
    });
    await expect(readFile(join(userData, 'servers.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    // Nothing listening at all is still "cannot reach", not "not a Gatepass server".
    expect(await c.dispatch('servers:add', { url: 'http://127.0.0.1:9', login: 'admin', password: ADMIN_PASSWORD, remember: false })).toMatchObject({
      ok: false,
      error: { code: 'SERVER_UNREACHABLE' },
    });
    await c.close();
  });
});

describe('renaming a server and changing its address', () => {
  it('renames, moves to a new address after signing in there, keeps the session password, and survives a restart', async () => {
    const first = await core('edit');
    const added = (await first.core.dispatch('servers:add', { url: plant.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as Env<ServerView>;
    if (!added.ok) throw new Error(added.error.message);
    const id = added.data.id;

    const renamed = (await first.core.dispatch('servers:update', { serverId: id, name: '  Hall B  ' })) as Env<ServerView>;
    expect(renamed).toMatchObject({ ok: true, data: { name: 'Hall B', url: plant.url, status: 'connected' } });
    expect(await first.core.dispatch('servers:update', { serverId: id, name: '   ' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'Name is required' } });

    // Refusals leave the server as it was: not a Gatepass server, the wrong password there.
    expect(await first.core.dispatch('servers:update', { serverId: id, url: webUrl })).toMatchObject({ ok: false, error: { code: 'NOT_GATEPASS_SERVER' } });
    expect(await first.core.dispatch('servers:update', { serverId: id, url: moved.url, password: 'not-the-password' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_CREDENTIALS' },
    });
    const unchanged = (await first.core.dispatch('servers:list', {})) as Env<ServerView[]>;
    expect(unchanged.ok && unchanged.data[0]).toMatchObject({ name: 'Hall B', url: plant.url, status: 'connected' });

    // The password this session knows signs in at the new address; the list then comes from there.
    first.events.length = 0;
    const movedView = (await first.core.dispatch('servers:update', { serverId: id, url: `${moved.url}/` })) as Env<ServerView>;
    expect(movedView).toMatchObject({ ok: true, data: { id, name: 'Hall B', url: moved.url, status: 'connected' } });
    expect(first.events).toContain('servers:changed');
    expect(await first.core.dispatch('users:list', { serverId: id, limit: 1 })).toMatchObject({ ok: true, data: { total: 5 } });
    const saved = await readFile(join(first.userData, 'servers.json'), 'utf8');
    expect(saved).toContain(moved.url);
    expect(saved).not.toContain(plant.url);
    expect(saved).not.toContain(ADMIN_PASSWORD);
    await first.core.close();

    const second = await core('edit');
    const list = (await second.core.dispatch('servers:list', {})) as Env<ServerView[]>;
    expect(list.ok && list.data).toEqual([expect.objectContaining({ id, name: 'Hall B', url: moved.url })]);
    await second.core.close();
  });

  it('refuses to move a server onto another one already in the list, and the local server’s address', async () => {
    const c = await createConsoleCore({
      userDataDir: join(dir, 'embedded-edit'),
      host: 'web',
      embedded: true,
      seedDemo: 2,
      saveTarget: async () => ({ kind: 'cancelled' }),
      emit: () => {},
      credentials: createKeychain({ load: () => Promise.reject(new Error('no Secret Service here')) }),
    });
    const a = (await c.dispatch('servers:add', { url: plant.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as Env<ServerView>;
    const b = (await c.dispatch('servers:add', { url: moved.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as Env<ServerView>;
    if (!a.ok || !b.ok) throw new Error('add failed');
    expect(await c.dispatch('servers:update', { serverId: b.data.id, url: plant.url })).toMatchObject({ ok: false, error: { code: 'SERVER_EXISTS' } });
    const local = ((await c.dispatch('servers:list', {})) as { data: Array<ServerView & { embedded: boolean }> }).data.find((s) => s.embedded)!;
    expect(await c.dispatch('servers:update', { serverId: local.id, url: plant.url })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await c.dispatch('servers:update', { serverId: local.id, name: 'This PC' })).toMatchObject({ ok: true, data: { name: 'This PC', embedded: true } });
    await c.close();
  });

  it('keeps the password saved in the system keychain with the server when its address changes', async () => {
    // A private D-Bus session with an unlocked GNOME keyring, as on a desktop: add with "remember",
    // move, then a new console start signs in at the new address with what the keychain holds.
    const work = await mkdtemp(join(tmpdir(), 'gp-keyring-move-'));
    try {
      const out = (await runConsoleInKeyring(work, 'moved', [
        'const first = await createConsoleCore(opts);',
        `const added = await first.dispatch('servers:add', { url: ${JSON.stringify(plant.url)}, login: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)}, remember: true });`,
        `const moved = await first.dispatch('servers:update', { serverId: added.data?.id, url: ${JSON.stringify(moved.url)} });`,
        'await first.close();',
        'const second = await createConsoleCore(opts);',
        'const list = await started(second);',
        "const users = await second.dispatch('users:list', { serverId: added.data?.id, limit: 1 });",
        'await second.close();',
        'console.log(JSON.stringify({ added: added.ok && added.data.passwordSaved, moved: moved.ok ? moved.data.url : moved.error, after: list[0], total: users.data?.total }));',
      ])) as Record<string, unknown>;
      expect(out).toEqual({
        added: true,
        moved: moved.url,
        after: expect.objectContaining({ url: moved.url, status: 'connected', passwordSaved: true }),
        total: 5,
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('the saved view', () => {
  it('keeps the open node and the hidden columns in the settings file, beside the servers, across restarts', async () => {
    const first = await core('prefs');
    expect(await first.core.dispatch('prefs:get', {})).toEqual({ ok: true, data: { view: null, hiddenUserColumns: [] } });
    const added = (await first.core.dispatch('servers:add', { url: plant.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as Env<ServerView>;
    if (!added.ok) throw new Error(added.error.message);
    const view = { serverId: added.data.id, section: 'audit' };
    // Two quick changes, as a click on a node and one on a column: both are kept.
    await Promise.all([first.core.dispatch('prefs:set', { view }), first.core.dispatch('prefs:set', { hiddenUserColumns: ['email', 'sessions'] })]);
    expect(await first.core.dispatch('prefs:set', { bogus: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await first.core.dispatch('prefs:set', { hiddenUserColumns: ['login'] })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await first.core.close();

    const second = await core('prefs');
    expect(await second.core.dispatch('prefs:get', {})).toEqual({ ok: true, data: { view, hiddenUserColumns: ['email', 'sessions'] } });
    // The server list is still there beside them.
    expect(((await second.core.dispatch('servers:list', {})) as { data: ServerView[] }).data.map((s) => s.id)).toEqual([added.data.id]);
    await second.core.close();
  });
});
