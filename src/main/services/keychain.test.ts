import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeychain, SessionSecrets } from './keychain';

// The real keytar, pointed at a D-Bus address where nothing listens (and no X11 to
// autolaunch one): the "fail closed" case a headless Linux box or a missing Secret
// Service hits. Vitest runs each file in its own process, so this stays local to it.
const saved = { bus: process.env.DBUS_SESSION_BUS_ADDRESS, display: process.env.DISPLAY };
beforeAll(() => {
  process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/gatepass-test-bus';
  delete process.env.DISPLAY;
});
afterAll(() => {
  if (saved.bus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = saved.bus;
  if (saved.display !== undefined) process.env.DISPLAY = saved.display;
});

describe('the OS keychain store without a Secret Service', () => {
  it('reports itself unavailable with a message that says passwords will not be saved', async () => {
    const store = createKeychain();
    const status = await store.available();
    expect(status.ok).toBe(false);
    expect(status.message).toMatch(/^No system keychain is available \(.+\): passwords will be asked once per session and not saved\.$/);
  });

  it('refuses to save a password with KEYCHAIN_UNAVAILABLE instead of writing it elsewhere', async () => {
    const store = createKeychain();
    await expect(store.set('server-1', 'Secret-123')).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
    expect(await store.get('server-1')).toBeNull();
    await expect(store.delete('server-1')).resolves.toBeUndefined();
  });

  it('reports unavailable when keytar itself cannot be loaded', async () => {
    const store = createKeychain({
      load: () => Promise.reject(new Error('Cannot find module keytar')),
    });
    const status = await store.available();
    expect(status).toEqual({
      ok: false,
      message: 'No system keychain is available (keytar could not be loaded: Cannot find module keytar): passwords will be asked once per session and not saved.',
    });
  });
});

describe('the OS keychain store with a Secret Service', () => {
  it('saves, reads back and forgets a password in an unlocked GNOME keyring', async () => {
    // A private D-Bus session with gnome-keyring unlocked, as on a desktop (TOOLCHAIN.md).
    const dir = await mkdtemp(join(tmpdir(), 'gp-keyring-'));
    const script = join(dir, 'probe.mts');
    await writeFile(
      script,
      [
        `import { createKeychain } from ${JSON.stringify(join(import.meta.dirname, 'keychain.ts'))};`,
        'const s = createKeychain();',
        'const out = { status: await s.available() };',
        "await s.set('server-1', 'Secret-123');",
        "out.read = await s.get('server-1');",
        "await s.delete('server-1');",
        "out.afterDelete = await s.get('server-1');",
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    );
    try {
      const inner = `echo -n test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null; HOME=${JSON.stringify(dir)} exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(script)}`;
      const { stdout } = await promisify(execFile)('dbus-run-session', ['--', 'bash', '-c', inner], {
        cwd: join(import.meta.dirname, '..', '..', '..'),
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
        timeout: 30_000,
      });
      const out = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(out).toEqual({ status: { ok: true }, read: 'Secret-123', afterDelete: null });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the per-session secrets', () => {
  it('keeps a password and a token per server until forgotten', () => {
    const s = new SessionSecrets();
    s.setPassword('a', 'pw');
    s.setToken('a', 'tok');
    expect([s.getPassword('a'), s.getToken('a'), s.getPassword('b')]).toEqual(['pw', 'tok', null]);
    s.clearToken('a');
    expect([s.getPassword('a'), s.getToken('a')]).toEqual(['pw', null]);
    s.forget('a');
    expect(s.getPassword('a')).toBeNull();
  });
});
