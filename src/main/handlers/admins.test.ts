import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminSummary } from '../../shared/api/admins';
import { startServer } from '../../server/index';
import { call } from '../../server/test-support/client';
import { startTestConsole, type TestConsole } from '../test-support/console';
import { runConsoleInKeyring } from '../test-support/keyring';

/**
 * Issue 12 in the console's main process, against a real server: the Administrators section's
 * channels list, add (policy-checked, logins unique ignoring case), disable and enable (never
 * yourself; a disabled administrator cannot sign in and their open console is signed out) and
 * change passwords (your own needs the current one and the console keeps signing in with the
 * new one; another's ends their sessions).
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const OPS_PASSWORD = 'Amber-Lantern-7731';

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let c: TestConsole;
let ops: AdminSummary;

/** The refusal of a console call: its stable code and message. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error & { code: string },
  );
  if (!err) throw new Error('the call was not refused');
  return { code: err.code, message: err.message };
}

/** Whether this login and password sign in at the server itself (the API an administrator's console uses). */
async function signsIn(login: string, password: string): Promise<{ ok: boolean; code: string | null }> {
  const res = await call(server.url, 'adminSignin', { body: { login, password } });
  return { ok: res.ok, code: res.ok ? null : res.error.code };
}

/** The status of the test console's server in its tree. */
async function statusIn(t: TestConsole): Promise<string | undefined> {
  return (await t.call<Array<{ id: string; status: string }>>('servers:list', {})).find((s) => s.id === t.serverId)?.status;
}

async function list(t: TestConsole = c): Promise<AdminSummary[]> {
  return (await t.call<{ items: AdminSummary[] }>('admins:list', { serverId: t.serverId })).items;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-admins-console-'));
  server = await startServer({ db: join(dir, 'server.sqlite'), port: 0, name: 'Harbour', adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
  c = await startTestConsole({ dir, serverUrl: server.url, password: ADMIN_PASSWORD });
}, 60_000);

afterAll(async () => {
  await c?.core.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('admins:list and admins:create', () => {
  it('lists the first administrator as you, enabled, without two-step verification', async () => {
    expect(await list()).toEqual([{ id: expect.any(String), login: 'admin', createdAt: expect.any(String), disabledAt: null, twoStep: false, you: true }]);
  });

  it("refuses a password the server's policy refuses, with the policy's reason, and adds nobody", async () => {
    const weak = await refusal(c.call('admins:create', { serverId: c.serverId, login: 'Ops.Lead', password: 'lantern' }));
    expect(weak.code).toBe('POLICY_VIOLATION');
    expect(weak.message).toContain('at least 8 characters');
    expect(weak.message).toContain('an uppercase letter');
    const withLogin = await refusal(c.call('admins:create', { serverId: c.serverId, login: 'Ops.Lead', password: 'My-Ops.Lead-2048' }));
    expect(withLogin).toMatchObject({ code: 'POLICY_VIOLATION' });
    expect(withLogin.message).toContain('must not contain the login');
    expect((await list()).map((a) => a.login)).toEqual(['admin']);
  });

  it('adds an administrator who can sign in, listed by login and not as you', async () => {
    ops = await c.call<AdminSummary>('admins:create', { serverId: c.serverId, login: 'Ops.Lead', password: OPS_PASSWORD });
    expect(ops).toMatchObject({ login: 'Ops.Lead', disabledAt: null, twoStep: false, you: false });
    expect((await list()).map((a) => [a.login, a.you])).toEqual([
      ['admin', true],
      ['Ops.Lead', false],
    ]);
    expect(await signsIn('Ops.Lead', OPS_PASSWORD)).toEqual({ ok: true, code: null });
  });

  it('refuses a login that exists in another case (LOGIN_TAKEN), and adds nobody', async () => {
    const taken = await refusal(c.call('admins:create', { serverId: c.serverId, login: 'ops.lead', password: 'Other-Lantern-5512' }));
    expect(taken.code).toBe('LOGIN_TAKEN');
    expect(taken.message).toContain('ops.lead');
    expect((await list()).map((a) => a.login)).toEqual(['admin', 'Ops.Lead']);
    expect((await signsIn('ops.lead', 'Other-Lantern-5512')).ok).toBe(false);
  });
});

describe('admins:disable and admins:enable', () => {
  it('refuses to disable yourself, with the reason, and you stay enabled', async () => {
    const me = (await list()).find((a) => a.you)!;
    const refused = await refusal(c.call('admins:disable', { serverId: c.serverId, adminId: me.id }));
    expect(refused).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('You cannot disable yourself') });
    expect((await list()).find((a) => a.you)?.disabledAt).toBeNull();
  });

  it("disables another: their open console is signed out and their sign-in is refused; enabling lets them back", async () => {
    const theirs = await startTestConsole({ dir: join(dir, 'ops-1'), serverUrl: server.url, login: 'Ops.Lead', password: OPS_PASSWORD });
    try {
      expect((await list(theirs)).find((a) => a.you)?.login).toBe('Ops.Lead');
      const disabled = await c.call<AdminSummary>('admins:disable', { serverId: c.serverId, adminId: ops.id });
      expect(disabled.login).toBe('Ops.Lead');
      expect(Date.parse(disabled.disabledAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
      expect((await list()).find((a) => a.id === ops.id)?.disabledAt).toBe(disabled.disabledAt);
      // Their session ended on the server, and signing in again with the right password is refused.
      expect(await signsIn('Ops.Lead', OPS_PASSWORD)).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
      // Their console finds its session gone, tries the password it has, and is refused: it asks for a password.
      expect((await refusal(list(theirs))).code).toBe('INVALID_CREDENTIALS');
      expect(await statusIn(theirs)).toBe('needs-password');

      const enabled = await c.call<AdminSummary>('admins:enable', { serverId: c.serverId, adminId: ops.id });
      expect(enabled.disabledAt).toBeNull();
      expect(await signsIn('Ops.Lead', OPS_PASSWORD)).toEqual({ ok: true, code: null });
      await theirs.call('servers:connect', { serverId: theirs.serverId, password: OPS_PASSWORD });
      expect((await list(theirs)).map((a) => a.login)).toEqual(['admin', 'Ops.Lead']);
    } finally {
      await theirs.core.close();
    }
  });

  it('refuses an administrator that does not exist (NOT_FOUND)', async () => {
    expect((await refusal(c.call('admins:enable', { serverId: c.serverId, adminId: '00000000-0000-4000-8000-000000000000' }))).code).toBe('NOT_FOUND');
  });
});

describe('admins:setPassword', () => {
  it("changes another's password: their sessions end, the new password signs in and the old does not", async () => {
    const theirs = await startTestConsole({ dir: join(dir, 'ops-2'), serverUrl: server.url, login: 'Ops.Lead', password: OPS_PASSWORD });
    try {
      expect(await list(theirs)).toHaveLength(2);
      const weak = await refusal(c.call('admins:setPassword', { serverId: c.serverId, adminId: ops.id, password: 'short' }));
      expect(weak.code).toBe('POLICY_VIOLATION');
      const next = 'Copper-Kettle-4096';
      const changed = await c.call<AdminSummary>('admins:setPassword', { serverId: c.serverId, adminId: ops.id, password: next });
      expect(changed).toMatchObject({ login: 'Ops.Lead', you: false });
      expect((await refusal(list(theirs))).code).toBe('INVALID_CREDENTIALS');
      expect(await statusIn(theirs)).toBe('needs-password');
      expect((await signsIn('Ops.Lead', OPS_PASSWORD)).code).toBe('INVALID_CREDENTIALS');
      expect((await signsIn('Ops.Lead', next)).ok).toBe(true);
      // This console's own session goes on.
      expect(await list()).toHaveLength(2);
    } finally {
      await theirs.core.close();
    }
  });

  it('needs your current password to change your own: missing or wrong is refused, and nothing changes', async () => {
    const me = (await list()).find((a) => a.you)!;
    const missing = await refusal(c.call('admins:setPassword', { serverId: c.serverId, adminId: me.id, password: 'Silver-Birch-6620' }));
    expect(missing).toEqual({ code: 'VALIDATION_FAILED', message: expect.stringContaining('current password is required') });
    const wrong = await refusal(c.call('admins:setPassword', { serverId: c.serverId, adminId: me.id, password: 'Silver-Birch-6620', currentPassword: 'Not-The-Password-1' }));
    expect(wrong).toEqual({ code: 'INVALID_CREDENTIALS', message: expect.stringContaining('Wrong current password') });
    expect((await signsIn('admin', ADMIN_PASSWORD)).ok).toBe(true);
    expect((await signsIn('admin', 'Silver-Birch-6620')).ok).toBe(false);
  });

  it('changes your own with the current one; the console signs in again with the new one', async () => {
    const me = (await list()).find((a) => a.you)!;
    const next = 'Silver-Birch-6620';
    const changed = await c.call<AdminSummary>('admins:setPassword', { serverId: c.serverId, adminId: me.id, password: next, currentPassword: ADMIN_PASSWORD });
    expect(changed).toMatchObject({ login: 'admin', you: true });
    expect((await signsIn('admin', ADMIN_PASSWORD)).code).toBe('INVALID_CREDENTIALS');
    expect((await signsIn('admin', next)).ok).toBe(true);
    // A reconnect without a password uses what the console keeps for this session: the new one.
    const again = await c.call<{ status: string }>('servers:connect', { serverId: c.serverId });
    expect(again.status).toBe('connected');
    expect((await list()).map((a) => a.login)).toEqual(['admin', 'Ops.Lead']);
  });
});

describe('your own new password and the system keychain', () => {
  it('replaces the saved password, so the next console start signs in with the new one', async () => {
    // A private D-Bus session with an unlocked GNOME keyring, as on a desktop: add the server with
    // "remember", change your own password, then a new console start signs in from the keychain.
    const work = await mkdtemp(join(tmpdir(), 'gp-keyring-admin-'));
    const own = await startServer({ db: join(work, 'server.sqlite'), port: 0, name: 'Quay', adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
    const next = 'Walnut-Harbour-3317';
    try {
      const out = (await runConsoleInKeyring(work, 'own-password', [
        'const first = await createConsoleCore(opts);',
        `const added = await first.dispatch('servers:add', { url: ${JSON.stringify(own.url)}, login: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)}, remember: true });`,
        "const me = (await first.dispatch('admins:list', { serverId: added.data?.id })).data?.items.find((a) => a.you);",
        `const changed = await first.dispatch('admins:setPassword', { serverId: added.data?.id, adminId: me?.id, password: ${JSON.stringify(next)}, currentPassword: ${JSON.stringify(ADMIN_PASSWORD)} });`,
        'await first.close();',
        'const second = await createConsoleCore(opts);',
        'const list = await started(second);',
        "const admins = await second.dispatch('admins:list', { serverId: added.data?.id });",
        'await second.close();',
        'console.log(JSON.stringify({ saved: added.ok && added.data.passwordSaved, changed: changed.ok ? changed.data.you : changed.error, after: list[0], admins: admins.data?.items.map((a) => a.login) }));',
      ])) as Record<string, unknown>;
      expect(out).toEqual({ saved: true, changed: true, after: expect.objectContaining({ status: 'connected', passwordSaved: true }), admins: ['admin'] });
      expect((await call(own.url, 'adminSignin', { body: { login: 'admin', password: next } })).ok).toBe(true);
    } finally {
      await own.close();
      await rm(work, { recursive: true, force: true });
    }
  }, 90_000);
});
