import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index';
import { call, okBody } from '../../server/test-support/client';
import { enrolledUser, oathtool, testClock } from '../../server/test-support/two-step';
import { recoveryCodesText } from '../../shared/recovery-codes';
import { runCli } from '../../cli/test-support/run-cli';
import { createConsoleCore, type ConsoleCore } from '../console-core';
import { createKeychain } from '../services/keychain';
import { runConsoleInKeyring } from '../test-support/keyring';

/**
 * Issue 9 in the console's main process, against a real server on a clock the test moves, with
 * codes from oathtool: an administrator's own enrolment and recovery codes (saved as .txt by
 * main), sign-in and reconnect with the code (never kept), mandatory two-step verification with
 * its acknowledged count and the enrolment-only session, and help for users.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const STEP = 30_000;
const clock = testClock();

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let serverDb: string;
let adminSecret = '';
let adminCodes: string[] = [];
let savedTo = '';

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } };
interface ServerView {
  id: string;
  status: string;
  statusMessage?: string;
  graceEndsAt?: string;
  recoveryCodesLeft?: number | null;
}

async function core(name: string): Promise<ConsoleCore> {
  return createConsoleCore({
    userDataDir: join(dir, name),
    host: 'web',
    // What a save dialog answers: the path the administrator picked.
    saveTarget: async (suggested) => ({ kind: 'path', path: (savedTo = join(dir, suggested)) }),
    emit: () => {},
    credentials: createKeychain({ load: () => Promise.reject(new Error('no Secret Service here')) }),
  });
}

async function ok<T>(c: ConsoleCore, channel: string, input: unknown): Promise<T> {
  const env = (await c.dispatch(channel, input)) as Env<T>;
  if (!env.ok) throw new Error(`${channel}: ${env.error.code} ${env.error.message}`);
  return env.data;
}

/** The code the administrator's app shows now; the clock moves a step first, so no step is used twice. */
function nextCode(secret = adminSecret): string {
  clock.advance(STEP);
  return oathtool(secret, clock.now());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-two-step-console-'));
  serverDb = join(dir, 'server.sqlite');
  server = await startServer({ db: serverDb, port: 0, name: 'Plant 9', seedDemo: 6, adminPassword: ADMIN_PASSWORD }, { hashCost: 'test', now: clock.now });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the administrator's own two-step verification", () => {
  it('enrols with a code from the app, shows 8 recovery codes once and saves them as an owner-only .txt through main', async () => {
    const c = await core('enrol');
    const { id } = await ok<ServerView>(c, 'servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false });
    expect(await ok(c, 'twoStep:account', { serverId: id })).toMatchObject({ enabled: false, kind: 'admin', login: 'admin', scope: 'full', mandatory: false });

    const start = await ok<{ secret: string; qrSvg: string; otpauthUri: string }>(c, 'twoStep:startEnrolment', { serverId: id });
    expect(start.qrSvg).toContain('<svg');
    expect(start.otpauthUri).toBe(`otpauth://totp/Plant%209:admin?secret=${start.secret}&issuer=Plant%209`);
    // A wrong code leaves it off and says why.
    expect(await c.dispatch('twoStep:confirmEnrolment', { serverId: id, code: '000000' === oathtool(start.secret, clock.now()) ? '111111' : '000000' })).toMatchObject({
      ok: false,
      error: { code: 'TOTP_CODE_INVALID' },
    });
    adminSecret = start.secret;
    const shown = await ok<{ codesId: string; recoveryCodes: string[]; generatedAt: string; login: string; serverName: string }>(c, 'twoStep:confirmEnrolment', {
      serverId: id,
      code: oathtool(adminSecret, clock.now()),
    });
    adminCodes = shown.recoveryCodes;
    expect(adminCodes).toHaveLength(8);
    expect(shown).toMatchObject({ login: 'admin', serverName: 'Plant 9' });
    expect(await ok(c, 'twoStep:account', { serverId: id })).toMatchObject({ enabled: true, recoveryCodesLeft: 8 });

    const saved = await ok<{ kind: string; path: string }>(c, 'twoStep:saveRecoveryCodes', { codesId: shown.codesId });
    expect(saved.kind).toBe('saved');
    expect(saved.path).toBe(savedTo);
    expect(saved.path).toMatch(/gatepass-recovery-codes-admin-plant-9-\d{4}-\d{2}-\d{2}\.txt$/);
    expect(await readFile(saved.path, 'utf8')).toBe(recoveryCodesText({ serverName: 'Plant 9', login: 'admin', codes: adminCodes, generatedAt: shown.generatedAt }));
    expect((await stat(saved.path)).mode & 0o077).toBe(0);

    // Once the dialog closes main forgets them: they cannot be saved again.
    await ok(c, 'twoStep:discardRecoveryCodes', { codesId: shown.codesId });
    expect(await c.dispatch('twoStep:saveRecoveryCodes', { codesId: shown.codesId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await c.close();
  });

  it('adding the server asks for the code: refused without it, added with it or with a recovery code (saying how many are left)', async () => {
    const c = await core('add-2fa');
    const input = { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false };
    expect(await c.dispatch('servers:add', input)).toMatchObject({ ok: false, error: { code: 'SECOND_FACTOR_REQUIRED' } });
    expect(await ok<unknown[]>(c, 'servers:list', {})).toEqual([]);
    expect(await c.dispatch('servers:add', { ...input, otp: '12345' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const added = await ok<ServerView>(c, 'servers:add', { ...input, otp: nextCode() });
    expect(added).toMatchObject({ status: 'connected' });
    expect(added.recoveryCodesLeft).toBeUndefined();
    expect(await ok(c, 'users:list', { serverId: added.id, limit: 1 })).toMatchObject({ total: 6 });
    await ok(c, 'servers:remove', { serverId: added.id });

    const byRecovery = await ok<ServerView>(c, 'servers:add', { ...input, recoveryCode: adminCodes[0]!.toLowerCase() });
    expect(byRecovery).toMatchObject({ status: 'connected', recoveryCodesLeft: 7 });
    // The code is not kept anywhere: nothing in the console's files holds it.
    const files = await readFile(join(dir, 'add-2fa', 'servers.json'), 'utf8');
    expect(files).not.toContain(adminCodes[0]!);
    await c.close();
  });

  it('reconnecting after the admin session expired needs the code: the tree says needs-code, Connect with the code signs in', async () => {
    const c = await core('reconnect');
    const { id } = await ok<ServerView>(c, 'servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, otp: nextCode() });
    // 13 hours on: the 12-hour admin session is over. The password is known, the code is not.
    clock.advance(13 * 60 * 60 * 1000);
    const failed = await c.dispatch('users:list', { serverId: id, limit: 1 });
    expect(failed).toMatchObject({ ok: false, error: { code: 'SECOND_FACTOR_REQUIRED' } });
    expect((failed as { error: { message: string } }).error.message).toContain('Enter the code from the authenticator app for admin');
    const [listed] = await ok<ServerView[]>(c, 'servers:list', {});
    expect(listed).toMatchObject({ status: 'needs-code', statusMessage: 'Enter the code from the authenticator app for admin' });

    // A wrong code keeps it waiting for the code, with the server's reason.
    expect(await c.dispatch('servers:connect', { serverId: id, otp: oathtool(adminSecret, new Date(clock.now().getTime() - 20 * STEP)) })).toMatchObject({
      ok: false,
      error: { code: 'TOTP_CODE_INVALID' },
    });
    expect((await ok<ServerView[]>(c, 'servers:list', {}))[0]).toMatchObject({ status: 'needs-code' });
    const code = nextCode();
    expect(await ok(c, 'servers:connect', { serverId: id, otp: code })).toMatchObject({ status: 'connected' });
    expect(await ok(c, 'users:list', { serverId: id, limit: 1 })).toMatchObject({ total: 6 });
    // The same code again is a replay: a code is good once.
    expect(await c.dispatch('servers:connect', { serverId: id, otp: code })).toMatchObject({ ok: false, error: { code: 'TOTP_CODE_REPLAYED' } });
    await c.close();
  });

  it('regenerates its recovery codes (the old ones stop working) and resyncs from two consecutive codes', async () => {
    const c = await core('own-codes');
    const { id } = await ok<ServerView>(c, 'servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, otp: nextCode() });
    const fresh = await ok<{ recoveryCodes: string[]; login: string }>(c, 'twoStep:regenerateOwnCodes', { serverId: id });
    expect(fresh.recoveryCodes).toHaveLength(8);
    expect(fresh.recoveryCodes).not.toContain(adminCodes[1]);
    const oldOne = await call(server.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD, recoveryCode: adminCodes[1] } });
    expect(oldOne.error?.code).toBe('RECOVERY_CODE_INVALID');
    adminCodes = fresh.recoveryCodes;

    // The app's clock runs 2 minutes ahead: the code it showed a moment ago and the one it shows now find the drift.
    clock.advance(STEP);
    const ahead = clock.now().getTime() + 4 * STEP;
    const resynced = await ok(c, 'twoStep:resyncOwn', { serverId: id, code1: oathtool(adminSecret, new Date(ahead - STEP)), code2: oathtool(adminSecret, new Date(ahead)) });
    expect(resynced).toEqual({ driftSteps: 4, driftSeconds: 120 });
    expect(await ok(c, 'twoStep:account', { serverId: id })).toMatchObject({ driftSteps: 4 });
    // Back to a clock that agrees with the server, for the tests after this one (past the steps just used).
    clock.advance(6 * STEP);
    const now = clock.now().getTime();
    expect(await ok(c, 'twoStep:resyncOwn', { serverId: id, code1: oathtool(adminSecret, new Date(now - STEP)), code2: oathtool(adminSecret, new Date(now)) })).toEqual({
      driftSteps: 0,
      driftSeconds: 0,
    });
    clock.advance(STEP);
    await c.close();
  });
});

describe('helping users with two-step verification', () => {
  it("shows a user's state, resyncs, resets wrong codes, makes new recovery codes once and removes it, for one user and in bulk", async () => {
    const c = await core('users');
    const { id } = await ok<ServerView>(c, 'servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, otp: nextCode() });
    const adminToken = await server.issueAdminToken();
    clock.advance(STEP);
    const alice = await enrolledUser(server.url, adminToken, 'h.alice', clock.now());
    clock.advance(STEP);
    const bob = await enrolledUser(server.url, adminToken, 'h.bob', clock.now());

    const enabled = await ok<{ total: number; items: Array<{ login: string }> }>(c, 'users:list', { serverId: id, totp: 'enabled' });
    expect(enabled.items.map((u) => u.login)).toEqual(['h.alice', 'h.bob']);
    const state = await ok<Record<string, unknown>>(c, 'twoStep:userState', { serverId: id, userId: alice.user.id });
    expect(state).toMatchObject({ enabled: true, enrolledAt: expect.any(String), driftSteps: 0, failedAttempts: 0, locked: false, recoveryCodesLeft: 8 });

    // Three wrong codes at sign-in, then the administrator lets them try again.
    for (let i = 0; i < 3; i++) await call(server.url, 'userSignin', { body: { login: 'h.alice', password: alice.password, otp: '000001' } });
    expect(await ok(c, 'twoStep:userState', { serverId: id, userId: alice.user.id })).toMatchObject({ failedAttempts: 3 });
    expect(await ok(c, 'twoStep:resetUserAttempts', { serverId: id, userId: alice.user.id })).toMatchObject({ failedAttempts: 0 });

    // Resync from two codes the user reads out, with their phone a minute behind (a few steps after the last code used).
    clock.advance(4 * STEP);
    const behind = clock.now().getTime() - 2 * STEP;
    expect(
      await ok(c, 'twoStep:resyncUser', { serverId: id, userId: alice.user.id, code1: oathtool(alice.secret, new Date(behind - STEP)), code2: oathtool(alice.secret, new Date(behind)) }),
    ).toEqual({ driftSteps: -2, driftSeconds: -60 });

    const codes = await ok<{ codesId: string; recoveryCodes: string[]; login: string }>(c, 'twoStep:regenerateUserCodes', { serverId: id, userId: alice.user.id });
    expect(codes.login).toBe('h.alice');
    expect(codes.recoveryCodes).toHaveLength(8);
    const old = await call(server.url, 'userSignin', { body: { login: 'h.alice', password: alice.password, recoveryCode: alice.recoveryCodes[0] } });
    expect(old.error?.code).toBe('RECOVERY_CODE_INVALID');
    const fresh = okBody(await call(server.url, 'userSignin', { body: { login: 'h.alice', password: alice.password, recoveryCode: codes.recoveryCodes[0] } }));
    expect(fresh).toMatchObject({ status: 'signed_in', recoveryCodesLeft: 7 });
    const saved = await ok<{ path: string }>(c, 'twoStep:saveRecoveryCodes', { codesId: codes.codesId });
    expect(await readFile(saved.path, 'utf8')).toContain('Gatepass recovery codes for h.alice on Plant 9');

    expect(await ok(c, 'twoStep:removeUser', { serverId: id, userId: alice.user.id })).toEqual({ removed: true });
    expect(await ok(c, 'twoStep:regenerateUserCodes', { serverId: id, userId: alice.user.id }).catch((e: Error) => e.message)).toContain('TOTP_NOT_ENABLED');

    // In bulk: each user on their own; one without it is "nothing to do", not a failure.
    const bulk = await ok<{ results: Array<{ login: string; ok: boolean; changed: boolean }> }>(c, 'twoStep:userAction', {
      serverId: id,
      action: 'remove',
      userIds: [alice.user.id, bob.user.id],
    });
    expect(bulk.results.map((r) => [r.login, r.ok, r.changed])).toEqual([
      ['h.alice', true, false],
      ['h.bob', true, true],
    ]);
    expect(await ok(c, 'users:list', { serverId: id, totp: 'enabled' })).toMatchObject({ total: 0 });
    const signin = okBody(await call(server.url, 'userSignin', { body: { login: 'h.bob', password: bob.password } }));
    expect(signin.status).toBe('signed_in');
    await c.close();
  });
});

describe('mandatory two-step verification from the console', () => {
  it('asks for the impact, refuses without the acknowledged count, turns on with it, and an administrator without 2FA then only enrols', async () => {
    const c = await core('mandatory');
    const { id } = await ok<ServerView>(c, 'servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, otp: nextCode() });
    const impact = await ok<{ activeUsersWithout2fa: number; users: Array<{ login: string }>; adminsWithout2fa: string[] }>(c, 'twoStep:impact', { serverId: id, limit: 500 });
    const list = await ok<{ total: number; items: Array<{ login: string }> }>(c, 'users:list', { serverId: id, totp: 'disabled', disabled: false, limit: 500 });
    expect(impact.activeUsersWithout2fa).toBe(list.total);
    expect(impact.users.map((u) => u.login)).toEqual(list.items.map((u) => u.login));
    expect(impact.adminsWithout2fa).toEqual([]);

    const refused = (await c.dispatch('twoStep:setSettings', { serverId: id, mandatory: true, graceDays: 7 })) as Env<unknown>;
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFIRMATION_REQUIRED', details: { activeUsersWithout2fa: impact.activeUsersWithout2fa } } });
    expect(await ok(c, 'twoStep:settings', { serverId: id })).toMatchObject({ mandatory: false });
    const on = await ok(c, 'twoStep:setSettings', { serverId: id, mandatory: true, graceDays: 7, refuseDeviceCredentials: true, acknowledgedUsersWithout2fa: impact.activeUsersWithout2fa });
    expect(on).toMatchObject({ mandatory: true, graceDays: 7, refuseDeviceCredentials: true, updatedBy: 'admin' });

    // The operator removes the administrator's 2FA on the database (a lost phone): the next
    // sign-in is enrolment-only, and the console says so until the administrator enrols.
    const removed = await runCli(['admin', '2fa', 'remove', '--db', serverDb, '--login', 'admin', '--json']);
    expect(removed.code).toBe(0);
    const d = await core('enrolment');
    const added = await ok<ServerView>(d, 'servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false });
    expect(added).toMatchObject({ status: 'needs-enrolment', graceEndsAt: expect.any(String) });
    expect(added.statusMessage).toContain('Two-step verification is mandatory on Plant 9');
    expect(await d.dispatch('users:list', { serverId: added.id, limit: 1 })).toMatchObject({ ok: false, error: { code: 'TOTP_ENROLMENT_REQUIRED' } });
    expect(await ok(d, 'twoStep:account', { serverId: added.id })).toMatchObject({ scope: 'enrolment', mandatory: true, enabled: false });
    const start = await ok<{ secret: string }>(d, 'twoStep:startEnrolment', { serverId: added.id });
    adminSecret = start.secret;
    await ok(d, 'twoStep:confirmEnrolment', { serverId: added.id, code: nextCode() });
    expect((await ok<ServerView[]>(d, 'servers:list', {}))[0]).toMatchObject({ status: 'connected' });
    expect(await ok(d, 'users:list', { serverId: added.id, limit: 1 })).toMatchObject({ total: expect.any(Number) });
    await ok(d, 'twoStep:setSettings', { serverId: added.id, mandatory: false, graceDays: 0 });
    await d.close();
    await c.close();
  });
});

describe('a password saved in the system keychain', () => {
  it('signs in again in the background up to the code: after a restart the server waits for the code, and Connect with it signs in', async () => {
    // A private D-Bus session with an unlocked GNOME keyring, as on a desktop. The two codes are
    // for this step and the next, both within the server's window, each good once.
    const work = await mkdtemp(join(tmpdir(), 'gp-keyring-2fa-'));
    clock.advance(STEP);
    const first = oathtool(adminSecret, clock.now());
    const second = oathtool(adminSecret, new Date(clock.now().getTime() + STEP));
    try {
      const out = (await runConsoleInKeyring(work, 'reconnect', [
        'const one = await createConsoleCore(opts);',
        `const added = await one.dispatch('servers:add', { url: ${JSON.stringify(server.url)}, login: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)}, remember: true, otp: ${JSON.stringify(first)} });`,
        'await one.close();',
        'const two = await createConsoleCore(opts);',
        'const list = await started(two);',
        "const before = await two.dispatch('users:list', { serverId: added.data?.id, limit: 1 });",
        `const connected = await two.dispatch('servers:connect', { serverId: added.data?.id, otp: ${JSON.stringify(second)} });`,
        "const after = await two.dispatch('users:list', { serverId: added.data?.id, limit: 1 });",
        'await two.close();',
        'console.log(JSON.stringify({ saved: added.ok && added.data.passwordSaved, waiting: list[0], before: before.ok ? before.data : before.error.code, connected: connected.ok && connected.data.status, after: after.ok && after.data.total }));',
      ])) as Record<string, unknown>;
      expect(out).toEqual({
        saved: true,
        waiting: expect.objectContaining({ status: 'needs-code', passwordSaved: true, statusMessage: 'Enter the code from the authenticator app for admin' }),
        before: 'SECOND_FACTOR_REQUIRED',
        connected: 'connected',
        after: expect.any(Number),
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 90_000);
});
