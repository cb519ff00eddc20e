import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSigninPayload, encodeSigninPayload } from '../../../shared/qr-payload';
import { decodeUsrConfig } from '../../../shared/usr-config';
import { startServer } from '../../../server/index';
import type { ConsoleCore } from '../../console-core';
import { startTestConsole, type TestConsole } from '../../test-support/console';
import { createServerClient } from '../server-client';
import { runCli as cli } from '../../../cli/test-support/run-cli';
import { zbarRead } from '../../../test-support/zbar';

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
// Template Welcome-<n>-Qz from 1: the third user's password, Welcome-3-Qz, contains their login.
const LOGINS = ['a.one', 'b.two', 'come-3', 'd.four', 'e.five'];

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let ids: Record<string, string>;
let core: ConsoleCore;
let serverId: string;
let call: TestConsole['call'];
const progress: Array<{ jobId: string; done: number; total: number; phase: string }> = [];
let onProgress: (jobId: string) => void = () => {};

interface Job {
  jobId: string;
  codes: Array<{ userId: string; login: string; status: string; errorCode?: string; reason?: string }>;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-bulk-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'Plant 2', adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
  token = await server.issueAdminToken();
  const client = createServerClient(server.url);
  ids = {};
  for (const login of LOGINS) ids[login] = (await client.call('createUser', { body: { login, displayName: `User ${login}` } }, token)).id;
  ({ core, serverId, call } = await startTestConsole({
    dir,
    serverUrl: server.url,
    password: ADMIN_PASSWORD,
    onEvent: (event, payload) => {
      if (event !== 'export:progress') return;
      const p = payload as (typeof progress)[number];
      progress.push(p);
      onProgress(p.jobId);
    },
  }));
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('template mode for 5 users where one password fails the policy', () => {
  let oldPayload: string;
  let job: Job;
  const zip = () => path.join(dir, 'codes.zip');

  beforeAll(async () => {
    // come-3 already has a code and a device signed in with it.
    const client = createServerClient(server.url);
    const res = await client.call('issueQrBatch', { body: { items: [{ userId: ids['come-3']!, password: 'Correct-Horse-42' }] } }, token);
    const r = res.results[0]!;
    if (!r.ok) throw new Error(r.code);
    oldPayload = encodeSigninPayload({ server: server.url, login: r.issued.login, credential: r.issued.credential, issuedAt: r.issued.issuedAt, expiresAt: r.issued.expiresAt });
    await client.call('qrSignin', { body: { login: 'come-3', credential: r.issued.credential } });
  }, 30_000);

  it('tells the confirmation how many of the selected users are signed in now', async () => {
    const signedIn = await call('users:signedIn', { serverId, userIds: LOGINS.map((l) => ids[l]) });
    expect(signedIn).toEqual({ count: 1, logins: ['come-3'] });
  });

  it('issues 4 codes and 1 broken one with the policy reason, in the order given', async () => {
    job = await call<Job>('qr:generate', { serverId, userIds: LOGINS.map((l) => ids[l]), mode: { kind: 'template', prefix: 'Welcome-', start: 1, postfix: '-Qz' } });
    expect(job.codes.map((c) => [c.login, c.status])).toEqual(LOGINS.map((l) => [l, l === 'come-3' ? 'broken' : 'ok']));
    expect(job.codes[2]).toMatchObject({ errorCode: 'POLICY_VIOLATION', reason: expect.stringMatching(/login/i) });
  });

  it("leaves the broken user's previous credential working", async () => {
    const p = decodeSigninPayload(oldPayload);
    const session = await createServerClient(server.url).call('qrSignin', { body: { login: p.login, credential: p.credential } });
    expect(session.user.login).toBe('come-3');
  });

  it('saves a ZIP that passes unzip -t with 5 PDFs, 4 .usr files and a README naming the broken user', async () => {
    const saved = await call('export:save', { jobId: job.jobId, format: 'zip', includeConfig: true, path: zip() });
    expect(saved).toMatchObject({ kind: 'saved', path: zip() });
    expect(spawnSync('unzip', ['-t', zip()]).status).toBe(0);
    const names = execFileSync('zipinfo', ['-1', zip()], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(names).toEqual(['README.txt', ...LOGINS.map((l) => `${l}.pdf`), ...LOGINS.filter((l) => l !== 'come-3').map((l) => `${l}.usr`)].sort());
    expect(execFileSync('unzip', ['-p', zip(), 'README.txt'], { encoding: 'utf8' })).toMatch(/^come-3\t.*login/m);
    expect(progress.filter((p) => p.jobId === job.jobId).at(-1)).toEqual({ jobId: job.jobId, done: 5, total: 5, phase: 'writing' });
  });

  it('has every good PDF decode with zbarimg to the payload its .usr file holds, and the broken one to nothing', async () => {
    const out = path.join(dir, 'unzipped');
    execFileSync('unzip', ['-q', zip(), '-d', out]);
    for (const login of LOGINS) {
      execFileSync('pdftoppm', ['-r', '150', '-png', path.join(out, `${login}.pdf`), path.join(out, login)]);
      const read = zbarRead(path.join(out, `${login}-1.png`));
      if (login === 'come-3') {
        expect(read).toBeNull();
        continue;
      }
      const payload = decodeSigninPayload(read ?? '');
      const usr = decodeUsrConfig(execFileSync('cat', [path.join(out, `${login}.usr`)], { encoding: 'utf8' }));
      expect(payload).toMatchObject({ server: server.url, login, credential: usr.credential });
      expect(usr.server).toEqual({ url: server.url, name: 'Plant 2', tlsPin: null });
    }
  }, 30_000);

  it('signs in with each .usr file through gatepass device signin --config', async () => {
    const out = path.join(dir, 'unzipped');
    const good = LOGINS.filter((l) => l !== 'come-3');
    const runs = await Promise.all(good.map((l) => cli(['device', 'signin', '--config', path.join(out, `${l}.usr`)])));
    for (const [i, r] of runs.entries()) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`Signed in to Plant 2 as ${good[i]} (User ${good[i]})`);
    }
  }, 60_000);
});

describe('Generate again', () => {
  it('re-issues just the broken user and updates the same job', async () => {
    const userIds = [ids['a.one'], ids['come-3']];
    const job = await call<Job>('qr:generate', { serverId, userIds, mode: { kind: 'unique', passwords: { [ids['a.one']!]: 'Strong-Pass-71', [ids['come-3']!]: 'come-3-Weak' } } });
    expect(job.codes.map((c) => c.status)).toEqual(['ok', 'broken']);
    const again = await call<Job>('qr:regenerate', { jobId: job.jobId, userIds: [ids['come-3']], mode: { kind: 'unique', passwords: { [ids['come-3']!]: 'Fresh-Pass-99' } } });
    expect(again.jobId).toBe(job.jobId);
    expect(again.codes.map((c) => [c.login, c.status])).toEqual([
      ['a.one', 'ok'],
      ['come-3', 'ok'],
    ]);
    expect(await core.dispatch('qr:regenerate', { jobId: job.jobId, userIds: [ids['b.two']], mode: { kind: 'same', password: 'Fresh-Pass-99' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('refuses template and unique mode for a single user with VALIDATION_FAILED', async () => {
    for (const mode of [{ kind: 'template', prefix: 'P-', start: 0, postfix: '-x' }, { kind: 'unique', passwords: { [ids['a.one']!]: 'Strong-Pass-71' } }]) {
      expect(await core.dispatch('qr:generate', { serverId, userIds: [ids['a.one']], mode })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });
});

describe('saving', () => {
  async function freshJob(n: number): Promise<Job> {
    return call<Job>('qr:generate', { serverId, userIds: LOGINS.slice(0, n).map((l) => ids[l]), mode: { kind: 'same', password: 'Correct-Horse-42' } });
  }

  it('puts one PDF plus config/<login>.usr into one ZIP named like the chosen file', async () => {
    const job = await freshJob(2);
    const out = path.join(dir, 'site-a.zip');
    await call('export:save', { jobId: job.jobId, format: 'pdf', includeConfig: true, pageSize: 'Letter', path: out });
    expect(execFileSync('zipinfo', ['-1', out], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(['config/a.one.usr', 'config/b.two.usr', 'site-a.pdf']);
  });

  it('stops on export:cancel, answers cancelled, leaves no file or temp file, and keeps the codes to save again', async () => {
    const job = await freshJob(5);
    const folder = path.join(dir, 'cancel');
    mkdirSync(folder);
    onProgress = (jobId) => {
      if (jobId === job.jobId) void core.dispatch('export:cancel', { jobId });
    };
    const res = await call('export:save', { jobId: job.jobId, format: 'zip', includeConfig: true, path: path.join(folder, 'codes.zip') });
    onProgress = () => {};
    expect(res).toEqual({ kind: 'cancelled' });
    expect(readdirSync(folder)).toEqual([]);
    expect(await call('export:save', { jobId: job.jobId, format: 'pdf', path: path.join(folder, 'codes.pdf') })).toMatchObject({ kind: 'saved' });
    expect(readdirSync(folder)).toEqual(['codes.pdf']);
  });
});

describe('users:import', () => {
  it('creates every good row and gives each bad one its own error, with a report of every row', async () => {
    const csv = '\uFEFFlogin,display name,email\r\nn.new,"Berg, Anna",anna@example.com\r\no.other,Olga\r\nn.new,Again,\r\na.one,Exists,\r\n,No login,x@example.com\r\np.last,Pat,not-an-email\r\n';
    writeFileSync(path.join(dir, 'import.csv'), csv);
    const res = await call<{ created: number; failed: Array<{ line: number; login: string; code: string }>; report: string }>('users:import', { serverId, csv });
    expect(res.created).toBe(2);
    expect(res.failed.map((f) => [f.line, f.login, f.code])).toEqual([
      [4, 'n.new', 'DUPLICATE_IN_FILE'],
      [5, 'a.one', 'LOGIN_TAKEN'],
      [6, '', 'MISSING_LOGIN'],
      [7, 'p.last', 'INVALID_EMAIL'],
    ]);
    const page = await createServerClient(server.url).call('listUsers', { query: { search: 'n.new' } }, token);
    expect(page.items[0]).toMatchObject({ login: 'n.new', displayName: 'Berg, Anna', email: 'anna@example.com' });
    const lines = res.report.trim().split('\r\n');
    expect(lines[0]).toBe('line,login,status,code,message');
    expect(lines.slice(1, 3)).toEqual(['2,n.new,created,,', '3,o.other,created,,']);
    expect(lines).toHaveLength(7);
  });
});
