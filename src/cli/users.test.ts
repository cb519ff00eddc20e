import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/index';
import { enrol, enrolledUser, oathtool, testClock } from '../server/test-support/two-step';
import { createServerClient } from '../main/services/server-client';
import { runCli, type CliRun } from './test-support/run-cli';

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const STEP = 30_000;
const clock = testClock();

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let adminToken: string;
const enrolled: Record<string, Awaited<ReturnType<typeof enrolledUser>>> = {};
let adminSecret = '';
const client = () => createServerClient(server.url);

function lastJson(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}
const admin = (...rest: string[]) => ['--server', server.url, '--login', 'admin', '--password-stdin', ...rest];
const cli = (args: string[]) => runCli(args, `${ADMIN_PASSWORD}\n`);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-cli-users-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'CLI users', adminPassword: ADMIN_PASSWORD, seedDemo: 30 }, { hashCost: 'test', now: clock.now });
  adminToken = await server.issueAdminToken();
  for (const login of ['k.on1', 'k.on2', 'k.on3']) {
    clock.advance(STEP);
    enrolled[login] = await enrolledUser(server.url, adminToken, login, clock.now());
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gatepass users list', () => {
  it('--2fa enabled and disabled give what the server filters, every page, with the total', async () => {
    const on = await cli(['users', 'list', ...admin('--2fa', 'enabled', '--json')]);
    expect(on.code).toBe(0);
    const json = lastJson(on) as { ok: boolean; total: number; items: Array<{ login: string; totpEnabled: boolean }> };
    expect(json.ok).toBe(true);
    expect(json.total).toBe(3);
    expect(json.items.map((u) => u.login)).toEqual(['k.on1', 'k.on2', 'k.on3']);
    const off = lastJson(await cli(['users', 'list', ...admin('--2fa', 'disabled', '--json')])) as { total: number; items: Array<{ totpEnabled: boolean }> };
    const api = await client().call('listUsers', { query: { totp: 'disabled' } }, adminToken);
    expect(off.total).toBe(api.total);
    expect(off.items).toHaveLength(api.total);
    expect(off.items.every((u) => !u.totpEnabled)).toBe(true);
  });

  it('--search narrows it, and without --json prints a table with the 2FA column', async () => {
    const r = await cli(['users', 'list', ...admin('--search', 'K.ON')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^LOGIN +NAME +EMAIL +2FA +STATUS$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/)[0])).toEqual(['k.on1', 'k.on2', 'k.on3']);
    expect(lines[1]).toMatch(/ on +active$/);
    expect(lines.at(-1)).toBe('3 of 3 user(s) on CLI users');
  });

  it('exits 2 for a --2fa value it does not know', async () => {
    const r = await cli(['users', 'list', ...admin('--2fa', 'maybe', '--json')]);
    expect(r.code).toBe(2);
    expect(lastJson(r)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });
});

describe('gatepass users 2fa', () => {
  it('recovery-codes makes a new set per user, shown once: the new codes work, the old ones stop', async () => {
    const e = enrolled['k.on1']!;
    const r = await cli(['users', '2fa', 'recovery-codes', ...admin('--users', 'k.on1', '--json')]);
    expect(r.code).toBe(0);
    const out = lastJson(r) as { ok: boolean; results: Array<{ login: string; ok: boolean; recoveryCodes: string[] }> };
    expect(out.ok).toBe(true);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).toMatchObject({ login: 'k.on1', ok: true });
    const fresh = out.results[0]!.recoveryCodes;
    expect(fresh).toHaveLength(8);
    const old = await client().call('userSignin', { body: { login: 'k.on1', password: e.password, recoveryCode: e.recoveryCodes[0]! } }).catch((err: { code: string }) => err.code);
    expect(old).toBe('RECOVERY_CODE_INVALID');
    const ok = await client().call('userSignin', { body: { login: 'k.on1', password: e.password, recoveryCode: fresh[0]! } });
    expect(ok).toMatchObject({ status: 'signed_in', recoveryCodesLeft: 7 });
  });

  it('remove turns 2FA off for the users given; one without it is done too, and says so', async () => {
    const r = await cli(['users', '2fa', 'remove', ...admin('--users', 'k.on2,a.berg')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('k.on2: two-step verification removed');
    expect(r.stdout).toContain('a.berg: had no two-step verification');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('2 of 2 user(s) done on CLI users');
    const list = await client().call('listUsers', { query: { totp: 'enabled' } }, adminToken);
    expect(list.items.map((u) => u.login)).toEqual(['k.on1', 'k.on3']);
  });

  it('exits 3 when only some users could be done, 1 when none could, 2 for an unknown login', async () => {
    const some = await cli(['users', '2fa', 'recovery-codes', ...admin('--users', 'k.on3,a.berg', '--json')]);
    expect(some.code).toBe(3);
    expect(lastJson(some)).toMatchObject({ ok: false, code: 'TOTP_NOT_ENABLED', results: [{ login: 'k.on3', ok: true }, { login: 'a.berg', ok: false, code: 'TOTP_NOT_ENABLED' }] });
    const none = await cli(['users', '2fa', 'recovery-codes', ...admin('--users', 'a.berg', '--json')]);
    expect(none.code).toBe(1);
    expect(lastJson(none)).toMatchObject({ ok: false, code: 'TOTP_NOT_ENABLED' });
    const unknown = await cli(['users', '2fa', 'remove', ...admin('--users', 'k.on3,no.such', '--json')]);
    expect(unknown.code).toBe(2);
    expect(lastJson(unknown)).toEqual({ ok: false, code: 'VALIDATION_FAILED', message: 'No such users on the server: no.such' });
    // Nothing was removed for the known one either: bad input stops the command before it acts.
    expect((await client().call('userTwoStep', { params: { id: enrolled['k.on3']!.user.id } }, adminToken)).enabled).toBe(true);
  });
});

describe('admin commands when the administrator has two-step verification', () => {
  it('need --otp (or --recovery-code): without it exit 1 SECOND_FACTOR_REQUIRED, with it they work', async () => {
    clock.advance(STEP);
    const { secret, recoveryCodes } = await enrol(server.url, adminToken, clock.now());
    adminSecret = secret;
    const without = await cli(['users', 'list', ...admin('--2fa', 'enabled', '--json')]);
    expect(without.code).toBe(1);
    expect(lastJson(without)).toMatchObject({ ok: false, code: 'SECOND_FACTOR_REQUIRED' });
    clock.advance(STEP);
    const withCode = await cli(['users', 'list', ...admin('--2fa', 'enabled', '--otp', oathtool(secret, clock.now()), '--json')]);
    expect(withCode.code).toBe(0);
    expect(lastJson(withCode)).toMatchObject({ ok: true, total: 2 });
    const withRecovery = await cli(['users', '2fa', 'remove', ...admin('--users', 'k.on3', '--recovery-code', recoveryCodes[0]!, '--json')]);
    expect(withRecovery.code).toBe(0);
    expect(lastJson(withRecovery)).toMatchObject({ ok: true, results: [{ login: 'k.on3', ok: true, changed: true }] });
  });
});

describe('gatepass admin 2fa (the server operator, on the database)', () => {
  const signin = (extra: Record<string, string>) => client().call('adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD, ...extra } });
  const codeOf = (p: Promise<unknown>) => p.then(
    () => 'OK',
    (err: { code?: string }) => err.code ?? 'ERROR',
  );

  it('reset-attempts lets an administrator locked after 100 wrong codes try again', async () => {
    clock.advance(STEP);
    const right = new Set([-1, 0, 1].map((d) => oathtool(adminSecret, new Date(clock.now().getTime() + d * STEP))));
    const wrong = ['000000', '111111', '222222', '333333'].find((c) => !right.has(c))!;
    for (let i = 0; i < 100; i++) {
      clock.advance(3_600_000);
      expect(await codeOf(signin({ otp: wrong }))).toBe('TOTP_CODE_INVALID');
    }
    clock.advance(3_600_000);
    expect(await codeOf(signin({ otp: oathtool(adminSecret, clock.now()) }))).toBe('TOTP_LOCKED');
    const db = path.join(dir, 'server.sqlite');
    const r = await runCli(['admin', '2fa', 'reset-attempts', '--db', db, '--login', 'admin', '--json']);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toEqual({ ok: true, changed: true, message: 'admin may try codes again' });
    expect(await codeOf(signin({ otp: oathtool(adminSecret, clock.now()) }))).toBe('OK');
  });

  it('remove gives an administrator who lost the app and the codes a password sign-in again, audited', async () => {
    const db = path.join(dir, 'server.sqlite');
    const r = await runCli(['admin', '2fa', 'remove', '--db', db, '--login', 'admin']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('Two-step verification removed for admin: they sign in with the password and should enrol again');
    const session = await signin({});
    expect(session.secondFactor).toBeNull();
    const audit = await client().call('listAudit', { query: { actor: 'server operator' } }, session.token);
    expect(audit.items.map((i) => i.action)).toEqual(['totp.remove', 'totp.reset_attempts']);
    const unknown = await runCli(['admin', '2fa', 'remove', '--db', db, '--login', 'nobody', '--json']);
    expect(unknown.code).toBe(1);
    expect(lastJson(unknown)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});
