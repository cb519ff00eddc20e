import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/connect';
import { startServer } from '../server/index';
import { loadMailSettings, writeMailSettings } from '../server/mail/settings';
import { createConsoleCore, EMBEDDED_MAIL_FOLDER, type ConsoleCore } from './console-core';
import { defaultExportName } from './services/export/save-job';
import { createKeychain } from './services/keychain';

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let dbPath: string;

// The OS keychain as this container has it: keytar loads, but there is no Secret Service.
const noKeychain = () => createKeychain({ load: () => Promise.reject(new Error('The name org.freedesktop.secrets was not provided by any .service files')) });

async function core(name: string, extra: Partial<Parameters<typeof createConsoleCore>[0]> = {}): Promise<{ core: ConsoleCore; userData: string; events: string[] }> {
  const userData = join(dir, name);
  const events: string[] = [];
  const c = await createConsoleCore({
    userDataDir: userData,
    host: 'web',
    saveTarget: async () => ({ kind: 'cancelled' }),
    emit: (e) => events.push(e),
    credentials: noKeychain(),
    ...extra,
  });
  return { core: c, userData, events };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-core-'));
  dbPath = join(dir, 'remote.sqlite');
  server = await startServer({ db: dbPath, port: 0, name: 'Plant 2', seedDemo: 10, adminPassword: ADMIN_PASSWORD });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('adding a server without a system keychain', () => {
  it('refuses "remember the password" with KEYCHAIN_UNAVAILABLE and writes nothing to the settings file', async () => {
    const { core: c, userData } = await core('no-keychain');
    const env = await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: true });
    expect(env).toMatchObject({ ok: false, error: { code: 'KEYCHAIN_UNAVAILABLE', message: expect.stringMatching(/^No system keychain is available \(.+\): passwords will be asked once per session and not saved\.$/) } });
    expect(existsSync(join(userData, 'servers.json'))).toBe(false);
    const info = await c.dispatch('app:info', {});
    expect(info).toMatchObject({ ok: true, data: { keychain: 'unavailable', keychainMessage: expect.stringContaining('not saved') } });
    await c.close();
  });

  it('keeps the password for this session only: the settings file never holds it, and the next start asks for it', async () => {
    const first = await core('session-only');
    const added = await first.core.dispatch('servers:add', { url: `${server.url}/`, login: 'admin', password: ADMIN_PASSWORD, remember: false });
    expect(added).toMatchObject({ ok: true, data: { name: 'Plant 2', url: server.url, status: 'connected', passwordSaved: false, embedded: false } });
    expect(first.events).toContain('servers:changed');
    const text = await readFile(join(first.userData, 'servers.json'), 'utf8');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect((await stat(join(first.userData, 'servers.json'))).mode & 0o077).toBe(0);
    const page = await first.core.dispatch('users:list', { serverId: (added as { data: { id: string } }).data.id, limit: 3 });
    expect(page).toMatchObject({ ok: true, data: { total: 10 } });
    await first.core.close();

    // A new session: the list is remembered, the password is not.
    const second = await core('session-only');
    const id = (added as { data: { id: string } }).data.id;
    await expect.poll(async () => ((await second.core.dispatch('servers:list', {})) as { data: Array<{ status: string }> }).data[0]?.status).toBe('needs-password');
    expect(await second.core.dispatch('users:list', { serverId: id })).toMatchObject({ ok: false, error: { code: 'AUTH_REQUIRED' } });
    expect(await second.core.dispatch('servers:connect', { serverId: id, password: 'wrong-password' })).toMatchObject({ ok: false, error: { code: 'INVALID_CREDENTIALS' } });
    expect(await second.core.dispatch('servers:connect', { serverId: id, password: ADMIN_PASSWORD })).toMatchObject({ ok: true, data: { status: 'connected' } });
    expect(await second.core.dispatch('users:list', { serverId: id })).toMatchObject({ ok: true });
    await second.core.close();
  });

  it('refuses the same server and login twice with SERVER_EXISTS', async () => {
    const { core: c } = await core('twice');
    expect(await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })).toMatchObject({ ok: true });
    expect(await c.dispatch('servers:add', { url: server.url, login: 'ADMIN', password: ADMIN_PASSWORD, remember: false })).toMatchObject({ ok: false, error: { code: 'SERVER_EXISTS' } });
    await c.close();
  });
});

describe('the admin session', () => {
  it('signs in again once when the server ended the session, and the call succeeds', async () => {
    const { core: c } = await core('resignin');
    const added = (await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as { data: { id: string } };
    // End every admin session on the server, as an expiry or a server-side sign-out would.
    const db = new Database(dbPath);
    db.prepare('DELETE FROM admin_sessions').run();
    db.close();
    expect(await c.dispatch('users:list', { serverId: added.data.id, limit: 1 })).toMatchObject({ ok: true, data: { total: 10 } });
    await c.close();
  });

  it('reports a server that went away as unreachable with its address', async () => {
    const other = await startServer({ db: join(dir, 'other.sqlite'), port: 0, name: 'Short-lived', adminPassword: ADMIN_PASSWORD });
    const { core: c } = await core('unreachable');
    const added = (await c.dispatch('servers:add', { url: other.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as { data: { id: string } };
    await other.close();
    const env = await c.dispatch('users:list', { serverId: added.data.id });
    expect(env).toMatchObject({ ok: false, error: { code: 'SERVER_UNREACHABLE', message: expect.stringContaining(new URL(other.url).origin) } });
    const list = (await c.dispatch('servers:list', {})) as { data: Array<{ status: string }> };
    expect(list.data[0]!.status).toBe('unreachable');
    await c.close();
  });
});

describe('the embedded local server', () => {
  it('is added once as "Local server", needs no password, and keeps its users across restarts', async () => {
    const first = await core('embedded', { embedded: true, seedDemo: 7 });
    const list1 = (await first.core.dispatch('servers:list', {})) as { data: Array<{ id: string; name: string; embedded: boolean; status: string; url: string }> };
    expect(list1.data).toEqual([expect.objectContaining({ name: 'Local server', embedded: true, status: 'connected', passwordSaved: false })]);
    expect(list1.data[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await first.core.dispatch('servers:remove', { serverId: list1.data[0]!.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await first.core.close();

    const second = await core('embedded', { embedded: true, seedDemo: 7 });
    const list2 = (await second.core.dispatch('servers:list', {})) as { data: Array<{ id: string }> };
    expect(list2.data.map((s) => s.id)).toEqual([list1.data[0]!.id]);
    // Demo users were seeded once, not again on the second start.
    expect(await second.core.dispatch('users:list', { serverId: list2.data[0]!.id })).toMatchObject({ ok: true, data: { total: 7 } });
    await second.core.close();
  });

  it('writes its mail as .eml files into the user data folder, and keeps an administrator\'s later choice', async () => {
    const { core: c, userData } = await core('embedded-mail', { embedded: true, seedDemo: 1 });
    await c.close();
    const h = openDatabase(join(userData, 'embedded-server.sqlite'));
    try {
      expect(await loadMailSettings(h.db)).toMatchObject({ transport: 'folder', folder: join(userData, EMBEDDED_MAIL_FOLDER), updatedBy: 'command line' });
      // An administrator turns mail off in the console: a restart must not turn the folder back on.
      await h.db.transaction().execute(async (trx) => {
        const current = await loadMailSettings(trx);
        await writeMailSettings(trx, { settings: { ...current, transport: 'none' }, password: undefined }, 'admin', new Date(), null);
      });
    } finally {
      await h.close();
    }
    const again = await core('embedded-mail', { embedded: true, seedDemo: 1 });
    await again.core.close();
    const h2 = openDatabase(join(userData, 'embedded-server.sqlite'));
    try {
      expect(await loadMailSettings(h2.db)).toMatchObject({ transport: 'none', folder: join(userData, EMBEDDED_MAIL_FOLDER), updatedBy: 'admin' });
    } finally {
      await h2.close();
    }
  });

  it('writes an export to a given path only when the host allows it (CLI, tests), owner-only', async () => {
    const { core: c } = await core('export-path', { embedded: true, seedDemo: 3, allowSavePath: true });
    const [srv] = ((await c.dispatch('servers:list', {})) as { data: Array<{ id: string }> }).data;
    const users = ((await c.dispatch('users:list', { serverId: srv!.id })) as { data: { items: Array<{ id: string }> } }).data.items;
    const job = (await c.dispatch('qr:generate', { serverId: srv!.id, userIds: [users[0]!.id, 'no-such-user'], mode: { kind: 'same', password: 'Correct-Horse-42' } })) as {
      ok: boolean;
      data: { jobId: string; codes: Array<{ status: string; errorCode?: string }> };
    };
    expect(job.data.codes.map((x) => [x.status, x.errorCode])).toEqual([
      ['ok', undefined],
      ['broken', 'NOT_FOUND'],
    ]);
    const out = join(dir, 'cards.pdf');
    const saved = await c.dispatch('export:save', { jobId: job.data.jobId, format: 'pdf', path: out });
    expect(saved).toMatchObject({ ok: true, data: { kind: 'saved', path: out } });
    expect((await readFile(out)).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await stat(out)).mode & 0o077).toBe(0);
    await c.close();
  });

  it('keeps the cards of a failed policy check as broken with the reason', async () => {
    const { core: c } = await core('policy', { embedded: true, seedDemo: 2 });
    const [srv] = ((await c.dispatch('servers:list', {})) as { data: Array<{ id: string }> }).data;
    const users = ((await c.dispatch('users:list', { serverId: srv!.id })) as { data: { items: Array<{ id: string }> } }).data.items;
    const job = (await c.dispatch('qr:generate', { serverId: srv!.id, userIds: users.map((u) => u.id), mode: { kind: 'same', password: 'short' } })) as {
      data: { codes: Array<{ status: string; errorCode?: string; reason?: string; qr: unknown }> };
    };
    for (const code of job.data.codes) expect(code).toMatchObject({ status: 'broken', errorCode: 'POLICY_VIOLATION', reason: expect.any(String), qr: null });
    await c.close();
  });
});

describe('the default export file name', () => {
  it('names the server and the date, safely', () => {
    expect(defaultExportName('Local server', new Date(2025, 2, 7))).toBe('gatepass-qr-local-server-2025-03-07.pdf');
    expect(defaultExportName('Plant 2: A/B', new Date(2025, 11, 31))).toBe('gatepass-qr-plant-2_-a_b-2025-12-31.pdf');
  });
});

describe('changing the password policy from the console', () => {
  it('saves the new policy on the server, policy:get returns it, and a password it now forbids is refused', async () => {
    const { core: c } = await core('policy-set');
    const added = (await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as { data: { id: string } };
    const serverId = added.data.id;
    // policy:get also carries the server's common-password list; policy:set takes the rules only.
    const { commonPasswords, ...before } = ((await c.dispatch('policy:get', { serverId })) as { data: Record<string, unknown> }).data;
    expect(commonPasswords).toEqual(expect.arrayContaining(['password1']));
    // 17 characters with every class: the default policy accepts it, a 20-character minimum does not.
    const weak = 'Amber-Falcon-2026';
    try {
      const stricter = { ...before, minLength: 20, requireSymbol: true };
      expect(await c.dispatch('policy:set', { serverId, policy: stricter })).toEqual({ ok: true, data: stricter });
      expect(await c.dispatch('policy:get', { serverId })).toEqual({ ok: true, data: { ...stricter, commonPasswords } });
      const refused = await c.dispatch('users:create', { serverId, login: 'policy.check', password: weak });
      expect(refused).toMatchObject({ ok: false, error: { code: 'POLICY_VIOLATION', message: expect.stringContaining('at least 20 characters') } });
    } finally {
      await c.dispatch('policy:set', { serverId, policy: before });
      await c.close();
    }
  });

  it('refuses a minimum above the maximum with VALIDATION_FAILED and leaves the policy as it was', async () => {
    const { core: c } = await core('policy-invalid');
    const added = (await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as { data: { id: string } };
    const serverId = added.data.id;
    const before = ((await c.dispatch('policy:get', { serverId })) as { data: Record<string, unknown> }).data;
    const env = await c.dispatch('policy:set', { serverId, policy: { ...before, minLength: 50, maxLength: 10 } });
    expect(env).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('Minimum length must not exceed maximum length') } });
    expect(await c.dispatch('policy:get', { serverId })).toEqual({ ok: true, data: before });
    await c.close();
  });
});
