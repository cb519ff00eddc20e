import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/index';
import { testClock } from '../server/test-support/two-step';
import { runCli, type CliRun } from './test-support/run-cli';

// `gatepass admins ...` through the API and the operator's `gatepass admin unlock LOGIN --db`.

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
// The server's clock stands still (a CLI run takes longer than the first waits of the limits).
const clock = testClock();

let dir: string;
let db: string;
let server: Awaited<ReturnType<typeof startServer>>;

function lastJson(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}
const as = (login: string, ...rest: string[]) => ['--server', server.url, '--login', login, '--password-stdin', ...rest];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-cli-admins-'));
  db = path.join(dir, 'server.sqlite');
  server = await startServer({ db, port: 0, name: 'CLI admins', adminPassword: ADMIN_PASSWORD }, { hashCost: 'test', now: clock.now });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gatepass admins', () => {
  it('creates an administrator with a generated password shown once, who signs in and lists both', async () => {
    const made = await runCli(['admins', 'create', 'o.okafor', ...as('admin', '--json')], `${ADMIN_PASSWORD}\n`);
    expect(made.code).toBe(0);
    const json = lastJson(made) as { ok: boolean; admin: { login: string; disabledAt: string | null }; generatedPassword: string };
    expect(json).toMatchObject({ ok: true, admin: { login: 'o.okafor', disabledAt: null } });
    expect(json.generatedPassword).toMatch(/^\S{20}$/);
    const list = await runCli(['admins', 'list', ...as('o.okafor', '--json')], `${json.generatedPassword}\n`);
    expect(list.code).toBe(0);
    expect((lastJson(list) as { items: Array<{ login: string; you: boolean }> }).items.map((a) => [a.login, a.you])).toEqual([
      ['admin', false],
      ['o.okafor', true],
    ]);
    const table = await runCli(['admins', 'list', ...as('admin')], `${ADMIN_PASSWORD}\n`);
    expect(table.stdout).toMatch(/^LOGIN\s+STATE\s+2FA\s+CREATED$/m);
    expect(table.stdout).toMatch(/^admin \(you\)\s+enabled\s+off\s+/m);
  }, 60_000);

  it('refuses a password the policy refuses, with its code and exit 1, and creates nothing', async () => {
    const r = await runCli(['admins', 'create', 'p.weak', ...as('admin', '--json')], `${ADMIN_PASSWORD}\nshort\n`);
    expect(r.code).toBe(1);
    expect(lastJson(r)).toMatchObject({ ok: false, code: 'POLICY_VIOLATION' });
    const list = lastJson(await runCli(['admins', 'list', ...as('admin', '--json')], `${ADMIN_PASSWORD}\n`)) as { items: Array<{ login: string }> };
    expect(list.items.map((a) => a.login)).not.toContain('p.weak');
  }, 60_000);

  it('disables, enables and changes the password of another administrator by login', async () => {
    expect((await runCli(['admins', 'create', 'q.quinn', ...as('admin')], `${ADMIN_PASSWORD}\nQuiet-Meadow-6061\n`)).code).toBe(0);
    const off = await runCli(['admins', 'disable', 'Q.QUINN', ...as('admin', '--json')], `${ADMIN_PASSWORD}\n`);
    expect(lastJson(off)).toMatchObject({ ok: true, admin: { login: 'q.quinn' } });
    expect((lastJson(off) as { admin: { disabledAt: string | null } }).admin.disabledAt).not.toBeNull();
    expect((await runCli(['admins', 'list', ...as('q.quinn', '--json')], 'Quiet-Meadow-6061\n')).code).toBe(1);
    expect((await runCli(['admins', 'enable', 'q.quinn', ...as('admin')], `${ADMIN_PASSWORD}\n`)).stdout).toMatch(/^q\.quinn: enabled/m);
    expect((await runCli(['admins', 'password', 'q.quinn', ...as('admin')], `${ADMIN_PASSWORD}\nQuiet-Meadow-6062\n`)).code).toBe(0);
    expect((await runCli(['admins', 'list', ...as('q.quinn')], 'Quiet-Meadow-6062\n')).code).toBe(0);
    // Your own: the first line is also the current password.
    expect((await runCli(['admins', 'password', 'q.quinn', ...as('q.quinn')], 'Quiet-Meadow-6062\nQuiet-Meadow-6063\n')).code).toBe(0);
    expect((await runCli(['admins', 'list', ...as('q.quinn')], 'Quiet-Meadow-6063\n')).code).toBe(0);
    const self = await runCli(['admins', 'disable', 'admin', ...as('admin', '--json')], `${ADMIN_PASSWORD}\n`);
    expect(lastJson(self)).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    const unknown = await runCli(['admins', 'disable', 'nobody', ...as('admin', '--json')], `${ADMIN_PASSWORD}\n`);
    expect(unknown.code).toBe(2);
  }, 90_000);
});

describe('gatepass admin unlock', () => {
  it('lets a held-back administrator in at once, on the database itself', async () => {
    for (let i = 0; i < 5; i++) expect((await runCli(['admins', 'list', ...as('admin')], `guess-${i}\n`)).code).toBe(1);
    const held = await runCli(['admins', 'list', ...as('admin', '--json')], `${ADMIN_PASSWORD}\n`);
    expect(lastJson(held)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    const unlock = await runCli(['admin', 'unlock', 'admin', '--db', db, '--json']);
    expect(unlock.code).toBe(0);
    // One count: from this address (the login signed in from it before, so no count from new addresses).
    expect(lastJson(unlock)).toMatchObject({ ok: true, login: 'admin', cleared: 1 });
    expect((await runCli(['admins', 'list', ...as('admin')], `${ADMIN_PASSWORD}\n`)).code).toBe(0);
    const nobody = await runCli(['admin', 'unlock', 'nobody', '--db', db, '--json']);
    expect(nobody.code).not.toBe(0);
    expect(lastJson(nobody)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  }, 90_000);
});
