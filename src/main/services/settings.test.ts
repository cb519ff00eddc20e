import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSettingsStore, userDataDir, type SavedServer } from './settings';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const plant: SavedServer = { id: 'a1', name: 'Plant 2', url: 'https://gp.plant2.example:8443', login: 'admin', embedded: false };

describe('the saved server list', () => {
  it('starts empty when there is no file yet', async () => {
    expect(await createSettingsStore(dir).load()).toEqual([]);
  });

  it('reads back what it wrote, in a file only the owner can read', async () => {
    const store = createSettingsStore(dir);
    await store.save([plant, { id: 'b2', name: 'Local server', url: '', login: 'admin', embedded: true }]);
    expect(await createSettingsStore(dir).load()).toEqual([plant, { id: 'b2', name: 'Local server', url: '', login: 'admin', embedded: true }]);
    expect((await stat(store.path)).mode & 0o077).toBe(0);
    // No temp files left behind by the atomic write.
    expect(await readdir(dir)).toEqual(['servers.json']);
  });

  it('removes the temp file a save killed midway left in the folder, and nothing else', async () => {
    // What a console killed during a save leaves: a hidden temp file, untouched for two days.
    const leftover = join(dir, '.gatepass-0123456789abcdef.tmp');
    await writeFile(leftover, '{"version":1,"servers":[');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    await utimes(leftover, twoDaysAgo, twoDaysAgo);
    // And one named as earlier versions of the console named theirs, a day old too.
    const older = join(dir, '.servers.json.0123456789ab.tmp');
    await writeFile(older, '{"version":1,');
    await utimes(older, twoDaysAgo, twoDaysAgo);
    // A fresh one of that name may be a save under way: left alone.
    await writeFile(join(dir, '.servers.json.ba9876543210.tmp'), '{');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await createSettingsStore(dir).save([plant]);
    expect((await readdir(dir)).sort()).toEqual(['.servers.json.ba9876543210.tmp', 'notes.txt', 'servers.json']);
  });

  it('keeps only the saved fields, so a password passed along by mistake is never written', async () => {
    const store = createSettingsStore(dir);
    await store.save([{ ...plant, password: 'Secret-123' } as SavedServer]);
    expect(await readFile(store.path, 'utf8')).not.toContain('Secret-123');
  });

  it('moves a corrupt file aside, logs a warning, and starts with an empty list', async () => {
    const lines: string[] = [];
    const store = createSettingsStore(dir, (l) => lines.push(l));
    await writeFile(store.path, '{"version":1,"servers":[{"id":');
    expect(await store.load()).toEqual([]);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith('servers.json.corrupt-'))).toBe(true);
    expect(files).not.toContain('servers.json');
    expect(lines.join('\n')).toMatch(/warning: settings file .* was unreadable/);
  });

  it('treats a well-formed file of the wrong shape as corrupt too', async () => {
    const store = createSettingsStore(dir, () => {});
    await writeFile(store.path, JSON.stringify({ version: 1, servers: [{ id: 'x' }] }));
    expect(await store.load()).toEqual([]);
  });
});

describe('the user data folder', () => {
  it('follows GATEPASS_USER_DATA when set', () => {
    expect(userDataDir({ GATEPASS_USER_DATA: '/tmp/gp-x' }, 'linux')).toBe('/tmp/gp-x');
  });
  it('uses XDG_CONFIG_HOME or ~/.config on Linux', () => {
    expect(userDataDir({ HOME: '/home/ann', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/Gatepass');
    expect(userDataDir({ HOME: '/home/ann' }, 'linux')).toBe('/home/ann/.config/Gatepass');
  });
  it('uses Application Support on macOS and APPDATA on Windows, as Electron does', () => {
    expect(userDataDir({ HOME: '/Users/ann' }, 'darwin')).toBe('/Users/ann/Library/Application Support/Gatepass');
    expect(userDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32')).toBe(join('C:\\Users\\ann\\AppData\\Roaming', 'Gatepass'));
  });
});
