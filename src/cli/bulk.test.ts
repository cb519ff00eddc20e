import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verify } from '@node-rs/argon2';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/index';
import { createServerClient } from '../main/services/server-client';
import { runCli } from './test-support/run-cli';

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const LOGINS = ['a.one', 'b.two', 'come-3', 'd.four', 'e.five'];

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;

const cli = (args: string[], stdin = `${ADMIN_PASSWORD}\n`) => runCli(args, stdin);

const base = () => ['--server', server.url, '--login', 'admin', '--password-stdin'];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-cli-bulk-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'CLI bulk', adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
  const token = await server.issueAdminToken();
  const client = createServerClient(server.url);
  for (const login of LOGINS) await client.call('createUser', { body: { login, displayName: `User ${login}` } }, token);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gatepass export', () => {
  it('exits 0 when every user got a code, with progress lines on stderr and a summary', async () => {
    const out = path.join(dir, 'two.pdf');
    const pwFile = path.join(dir, 'pw.txt');
    writeFileSync(pwFile, 'Correct-Horse-42\n');
    const r = await cli(['export', ...base(), '--users', 'a.one,b.two', '--mode', 'same', '--password-file', pwFile, '--format', 'pdf', '--page-size', 'Letter', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 issued, 0 broken');
    // Not a terminal: plain lines at each 10% step, no carriage returns.
    expect(r.stderr).toContain('Rendering 1/2 (50%)\nRendering 2/2 (100%)\n');
    expect(r.stderr).not.toContain('\r');
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    expect(statSync(out).mode & 0o077).toBe(0);
  }, 30_000);

  it('exits 3 and still writes the ZIP when some users are broken, naming them and the reason', async () => {
    const out = path.join(dir, 'all.zip');
    const r = await cli(['export', ...base(), '--users', 'all', '--mode', 'template', '--prefix', 'Welcome-', '--start', '1', '--postfix', '-Qz', '--format', 'zip', '--config-files', '--out', out]);
    expect(r.code).toBe(3);
    // --users all is login order: a.one, b.two, come-3 (Welcome-3-Qz contains its login), ...
    expect(r.stdout).toContain('4 issued, 1 broken');
    expect(r.stdout).toMatch(/ {2}broken: come-3: .*login.* \(POLICY_VIOLATION\)/);
    expect(spawnSync('unzip', ['-t', out]).status).toBe(0);
    expect(execFileSync('zipinfo', ['-1', out], { encoding: 'utf8' }).split('\n').filter((n) => n.endsWith('.usr'))).toHaveLength(4);
  }, 30_000);

  it('takes unique passwords from a CSV file of login,password', async () => {
    const out = path.join(dir, 'unique.pdf');
    const file = path.join(dir, 'passwords.csv');
    writeFileSync(file, 'login,password\r\nd.four,"Pass,Word-41"\r\ne.five,Pass-Word-51\r\n');
    const r = await cli(['export', ...base(), '--users', 'd.four,e.five', '--mode', 'unique', '--passwords-file', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 issued, 0 broken');
  }, 30_000);

  it('pads template numbers to the width of a Start from with leading zeros', async () => {
    const out = path.join(dir, 'padded.pdf');
    const r = await cli(['export', ...base(), '--users', 'a.one,b.two', '--mode', 'template', '--prefix', 'Depot-', '--start', '009', '--postfix', '-Qz', '--out', out]);
    expect(r.code).toBe(0);
    // The passwords the server now holds for them (argon2id hashes in the SQLite file): 009 and 010.
    const db = new Database(path.join(dir, 'server.sqlite'), { readonly: true });
    try {
      const hashOf = (login: string) => (db.prepare('select password_hash from users where login = ?').get(login) as { password_hash: string }).password_hash;
      expect(await verify(hashOf('a.one'), 'Depot-009-Qz')).toBe(true);
      expect(await verify(hashOf('b.two'), 'Depot-010-Qz')).toBe(true);
      expect(await verify(hashOf('b.two'), 'Depot-10-Qz')).toBe(false);
    } finally {
      db.close();
    }
    const bad = await cli(['export', ...base(), '--users', 'a.one,b.two', '--mode', 'template', '--start', '-01', '--out', path.join(dir, 'bad.pdf')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('leading zeros pad');
  }, 30_000);

  it('leaves broken users out of the printed cards with --omit-broken', async () => {
    const out = path.join(dir, 'omit.pdf');
    // come-3's password contains its login: broken.
    const r = await cli(['export', ...base(), '--users', 'a.one,come-3', '--mode', 'template', '--prefix', 'Welcome-', '--start', '2', '--postfix', '-Qz', '--omit-broken', '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('1 issued, 1 broken');
    expect(execFileSync('pdfinfo', [out], { encoding: 'utf8' })).toMatch(/Pages:\s+1\b/);
  }, 30_000);

  it('refuses a passwords file that gives one login two passwords (exit 2), naming the lines', async () => {
    const file = path.join(dir, 'twice.csv');
    writeFileSync(file, 'd.four,Pass-Word-41\nD.FOUR,Pass-Word-42\ne.five,Pass-Word-51\n');
    const r = await cli(['export', ...base(), '--users', 'd.four,e.five', '--mode', 'unique', '--passwords-file', file, '--out', path.join(dir, 'twice.pdf')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 2 gives D.FOUR a password again (first on line 1)');
    expect(existsSync(path.join(dir, 'twice.pdf'))).toBe(false);
  }, 30_000);

  it('exits 2 with VALIDATION_FAILED for template mode with one user, and writes nothing', async () => {
    const out = path.join(dir, 'one.pdf');
    const r = await cli(['export', ...base(), '--users', 'a.one', '--mode', 'template', '--start', '1', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gatepass: .*at least 2 users \(VALIDATION_FAILED\)\n$/m);
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  it('exits 2 for an unknown login and 1 for a wrong administrator password', async () => {
    const unknown = await cli(['export', ...base(), '--users', 'a.one,nobody', '--mode', 'same', '--password', 'Correct-Horse-42', '--out', path.join(dir, 'x.pdf')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No such users on the server: nobody (VALIDATION_FAILED)');
    const wrong = await cli(['export', ...base(), '--users', 'a.one', '--mode', 'same', '--password', 'Correct-Horse-42', '--out', path.join(dir, 'y.pdf')], 'wrong-password\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^gatepass: .+ \(INVALID_CREDENTIALS\)\n$/);
    expect(wrong.stderr).not.toContain('wrong-password');
    expect(readdirSync(dir).filter((f) => f === 'x.pdf' || f === 'y.pdf' || f.endsWith('.tmp'))).toEqual([]);
  }, 30_000);

  it('refuses to run without --password-stdin (exit 2)', async () => {
    const r = await cli(['export', '--server', server.url, '--login', 'admin', '--users', 'all', '--mode', 'same', '--password', 'x', '--out', path.join(dir, 'z.pdf')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--password-stdin');
  }, 30_000);
});

describe('gatepass users import', () => {
  it('creates each good row, prints each bad row with its error, writes the report, and exits 3', async () => {
    const csv = path.join(dir, 'people.csv');
    writeFileSync(csv, '\uFEFFlogin,display name,email\r\nf.six,"Six, F.",f@example.com\r\ng.seven,Gee\r\nf.six,Dup,\r\na.one,Exists,\r\n');
    const report = path.join(dir, 'report.csv');
    const r = await cli(['users', 'import', csv, ...base(), '--report', report]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('2 created, 2 failed');
    expect(r.stderr).toContain('Line 4: login "f.six" appears earlier in the file (DUPLICATE_IN_FILE)');
    expect(r.stderr).toMatch(/Line 5: .* \(LOGIN_TAKEN\)/);
    const lines = readFileSync(report, 'utf8').trim().split('\r\n');
    expect(lines.map((l) => l.split(',').slice(0, 4).join(','))).toEqual(['line,login,status,code', '2,f.six,created,', '3,g.seven,created,', '4,f.six,failed,DUPLICATE_IN_FILE', '5,a.one,failed,LOGIN_TAKEN']);
  }, 30_000);

  it('with --json, prints one object as the last line: what was created and each refused row with its line and code', async () => {
    const csv = path.join(dir, 'more.csv');
    // Line 3: a login with a right-to-left override in it (it would show as another name).
    writeFileSync(csv, 'login,display name,email\nh.eight,Aitch,h@example.com\ni.ni\u202Ene,Eye,\nh.eight,Again,\n');
    const r = await cli(['users', 'import', csv, ...base(), '--json']);
    expect(r.code).toBe(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!) as { ok: boolean; created: number; failed: number; errors: Array<{ line: number; login: string; code: string }>; report: string | null };
    expect(out).toMatchObject({ ok: false, created: 1, failed: 2, report: null });
    expect(out.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'VALIDATION_FAILED'],
      [4, 'DUPLICATE_IN_FILE'],
    ]);
    // The malformed login is that row's error, not a different login created.
    expect(out.errors[0]!.login).toBe('i.ni\u202Ene');
    expect(r.stdout).not.toMatch(/created, .* failed/);
  }, 30_000);
});
