import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAgentFile } from '../../shared/agent-file';
import type { ChannelOutput } from '../../shared/ipc/contract';
import { parseCsv } from '../../shared/csv';
import { startServer } from '../../server/index';
import { call as rest, okBody } from '../../server/test-support/client';
import { otpFromMail, smtpTo, waitForMail } from '../../server/test-support/email-otp';
import { startSmtpSink, type SmtpSink } from '../../server/test-support/smtp-sink';
import type { ConsoleCore } from '../console-core';
import { startTestConsole, type TestConsole } from '../test-support/console';

/**
 * Issue 11 in main: the console's channels for computer sign-in against a real server (SQLite)
 * whose one-time passwords arrive at a real SMTP server on loopback. Agent files are written by
 * main, owner-only, and work as the agent's credential; the settings, the Client sessions list
 * and its CSV, the pending requests, and users' source go through the admin session.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

let dir: string;
let sink: SmtpSink;
let server: Awaited<ReturnType<typeof startServer>>;
let core: ConsoleCore;
let serverId: string;
let call: TestConsole['call'];
/** What the next save dialog answers. */
let answer: () => { kind: 'path'; path: string } | { kind: 'cancelled' } = () => ({ kind: 'cancelled' });
const asked: Array<{ name: string; kind: string }> = [];

type Registered = ChannelOutput<'computers:register'>;
type ComputerPage = ChannelOutput<'computers:list'>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-computers-'));
  sink = await startSmtpSink();
  // The server's outbox sends to the sink over plain SMTP on loopback, as --smtp-url would set it.
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'Plant 11', adminPassword: ADMIN_PASSWORD, mail: smtpTo(sink) }, { hashCost: 'test' });
  ({ core, serverId, call } = await startTestConsole({
    dir,
    serverUrl: server.url,
    password: ADMIN_PASSWORD,
    saveTarget: async (name, kind) => {
      asked.push({ name, kind });
      return answer();
    },
  }));
}, 60_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The agent's own call, with the credential from its file. */
function agentInfo(credential: string) {
  return rest(server.url, 'agentInfo', {}, credential);
}

async function computersNamed(name: string, state: 'active' | 'revoked' | 'all' = 'all'): Promise<ComputerPage['items']> {
  const page = await call<ComputerPage>('computers:list', { serverId, state, search: name });
  return page.items.filter((c) => c.name === name);
}

describe('Register computer', () => {
  it('asks where to save <name>.agent, then registers and writes the agent file owner-only; the file signs the agent in', async () => {
    const out = path.join(dir, 'ws-front-01.agent');
    answer = () => ({ kind: 'path', path: out });
    const res = await call<Registered>('computers:register', { serverId, name: '  WS-FRONT-01 ' });
    expect(asked.at(-1)).toEqual({ name: 'WS-FRONT-01.agent', kind: 'agent' });
    expect(res.computer).toMatchObject({ name: 'WS-FRONT-01', registeredBy: 'admin', lastSeenAt: null, revokedAt: null, sessions: 0 });
    expect(res.result).toMatchObject({ kind: 'saved', path: out });
    // Owner-only: it holds the computer's credential.
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const file = decodeAgentFile(readFileSync(out, 'utf8'));
    // The address the console reaches the server at, unless the administrator gave another.
    expect(file.server.url).toBe(server.url);
    expect(file.computer).toEqual({ id: res.computer?.id, name: 'WS-FRONT-01' });
    // What went back to the renderer names the file, never the credential.
    expect(JSON.stringify(res)).not.toContain(file.credential);
    const info = await agentInfo(file.credential);
    expect(info.status).toBe(200);
    expect(okBody(info).computer.name).toBe('WS-FRONT-01');
    // The agent's call shows as "last seen" in the list.
    expect((await computersNamed('WS-FRONT-01'))[0]?.lastSeenAt).not.toBeNull();
  });

  it('writes the address the administrator gives for the agent, and offers a file name safe on every system', async () => {
    const out = path.join(dir, 'lab.agent');
    answer = () => ({ kind: 'path', path: out });
    const res = await call<Registered>('computers:register', { serverId, name: 'LAB/2: Front', serverUrl: 'https://gatepass.corp.example:8443' });
    // Slashes and colons are not file-name characters on Windows; the computer keeps its name.
    expect(asked.at(-1)).toEqual({ name: 'LAB_2_ Front.agent', kind: 'agent' });
    expect(res.computer?.name).toBe('LAB/2: Front');
    expect(decodeAgentFile(readFileSync(out, 'utf8')).server.url).toBe('https://gatepass.corp.example:8443');
  });

  it('registers nothing when the save dialog is cancelled', async () => {
    answer = () => ({ kind: 'cancelled' });
    const res = await call<Registered>('computers:register', { serverId, name: 'NEVER-SAVED' });
    expect(res).toEqual({ computer: null, result: { kind: 'cancelled' } });
    expect(await computersNamed('NEVER-SAVED')).toEqual([]);
  });

  it('revokes the computer again when its file cannot be written, and says so', async () => {
    answer = () => ({ kind: 'path', path: path.join(dir, 'no-such-folder', 'pc.agent') });
    await expect(call('computers:register', { serverId, name: 'UNWRITTEN' })).rejects.toMatchObject({
      code: 'WRITE_FAILED',
      message: expect.stringMatching(/does not exist; UNWRITTEN was revoked again/),
    });
    const [c] = await computersNamed('UNWRITTEN');
    expect(c?.revokedAt).not.toBeNull();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a name taken by a live computer, and a name with hidden characters, with sentences', async () => {
    answer = () => ({ kind: 'path', path: path.join(dir, 'dup.agent') });
    await expect(call('computers:register', { serverId, name: 'ws-front-01' })).rejects.toMatchObject({ code: 'COMPUTER_EXISTS', message: expect.stringContaining('already registered') });
    await expect(call('computers:register', { serverId, name: 'PC\u202e-1' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('invisible') });
  });
});

describe('Revoke computer', () => {
  it("stops the agent file at once and ends the computer's open sessions", async () => {
    const out = path.join(dir, 'kiosk.agent');
    answer = () => ({ kind: 'path', path: out });
    const res = await call<Registered>('computers:register', { serverId, name: 'KIOSK-1' });
    const credential = decodeAgentFile(readFileSync(out, 'utf8')).credential;
    expect((await agentInfo(credential)).status).toBe(200);
    const revoked = await call<ChannelOutput<'computers:revoke'>>('computers:revoke', { serverId, computerId: res.computer?.id });
    expect(revoked.computer.revokedAt).not.toBeNull();
    const after = await agentInfo(credential);
    expect(after.status).toBe(401);
    expect(after.error?.code).toBe('AUTH_REQUIRED');
    // Listed among the revoked, no longer among the active.
    expect(await computersNamed('KIOSK-1', 'active')).toEqual([]);
    expect((await computersNamed('KIOSK-1', 'revoked'))[0]?.revokedBy).toBe('admin');
  });
});

describe('Computer sign-in settings', () => {
  it('reads the defaults, saves all four settings, and refuses an expiration time outside 1 to 1,440 minutes without changing anything', async () => {
    const before = await call<ChannelOutput<'emailOtp:settings'>>('emailOtp:settings', { serverId });
    expect(before).toMatchObject({ expirationMinutes: 30, autoDirectory: false, autoInternal: false, emergencyAccess: true });
    const saved = await call<ChannelOutput<'emailOtp:settings'>>('emailOtp:setSettings', {
      serverId,
      expirationMinutes: 45,
      autoDirectory: false,
      autoInternal: true,
      emergencyAccess: false,
    });
    expect(saved).toMatchObject({ expirationMinutes: 45, autoInternal: true, emergencyAccess: false, updatedBy: 'admin' });
    for (const minutes of [0, 1441, 2.5]) {
      await expect(
        call('emailOtp:setSettings', { serverId, expirationMinutes: minutes, autoDirectory: true, autoInternal: false, emergencyAccess: true }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/expiration time/i) });
    }
    expect(await call('emailOtp:settings', { serverId })).toMatchObject({ expirationMinutes: 45, autoDirectory: false, autoInternal: true, emergencyAccess: false });
  });
});

describe('Users: the source', () => {
  it('creates a directory user and edits the source back to internal', async () => {
    const u = await call<{ id: string; source: string }>('users:create', { serverId, login: 'CORP\\d.ray', displayName: 'Dee Ray', email: 'd.ray@corp.example', source: 'directory' });
    expect(u.source).toBe('directory');
    const edited = await call<{ source: string; email: string }>('users:update', { serverId, userId: u.id, source: 'internal' });
    expect(edited).toMatchObject({ source: 'internal', email: 'd.ray@corp.example' });
    await expect(call('users:update', { serverId, userId: u.id, source: 'ldap' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('Client sessions and pending requests', () => {
  it('lists a sign-in as "<signed-in user> (<email>)", filters it, exports it as CSV, and never shows a password pending', async () => {
    await call('emailOtp:setSettings', { serverId, expirationMinutes: 30, autoDirectory: false, autoInternal: false, emergencyAccess: true });
    const email = 'e.lund@corp.example';
    await call('users:create', { serverId, login: 'e.lund', displayName: 'Eva Lund', email });
    const out = path.join(dir, 'desk.agent');
    answer = () => ({ kind: 'path', path: out });
    await call<Registered>('computers:register', { serverId, name: 'DESK-7' });
    const credential = decodeAgentFile(readFileSync(out, 'utf8')).credential;

    expect(okBody(await rest(server.url, 'requestOtp', { body: { mode: 'email', email } }, credential)).status).toBe('sent');
    const code = otpFromMail(await waitForMail(sink, email));
    // Pending: who, where, until when; the password is nowhere in the answer.
    const pending = await call<ChannelOutput<'emailOtp:pending'>>('emailOtp:pending', { serverId, search: 'e.lund' });
    expect(pending.items).toHaveLength(1);
    expect(pending.items[0]).toMatchObject({ login: 'e.lund', email, computerName: 'DESK-7', emergency: false, failedTries: 0 });
    expect(JSON.stringify(pending)).not.toContain(code);

    expect(okBody(await rest(server.url, 'agentSignin', { body: { email, otp: code, osUser: 'CORP\\e.lund' } }, credential)).allowed).toBe(true);
    const list = await call<ChannelOutput<'clientSessions:list'>>('clientSessions:list', { serverId, computer: 'DESK' });
    expect(list.items.map((s) => [s.userName, s.computerName, s.endedAt, s.emergency])).toEqual([['CORP\\e.lund (e.lund@corp.example)', 'DESK-7', null, false]]);
    // The yes/no filters go to the server as such: ongoing only finds it, emergency only does not.
    expect((await call<ChannelOutput<'clientSessions:list'>>('clientSessions:list', { serverId, active: true, user: 'e.lund' })).total).toBe(1);
    expect((await call<ChannelOutput<'clientSessions:list'>>('clientSessions:list', { serverId, emergency: true, user: 'e.lund' })).total).toBe(0);
    // Used: no longer pending.
    expect((await call<ChannelOutput<'emailOtp:pending'>>('emailOtp:pending', { serverId, search: 'e.lund' })).total).toBe(0);

    const csvOut = path.join(dir, 'sessions.csv');
    answer = () => ({ kind: 'path', path: csvOut });
    const res = await call<{ result: { kind: string }; rows: number }>('export:clientSessionsCsv', { serverId, exportId: 'export-sessions-1', email: 'e.lund@' });
    expect(asked.at(-1)).toEqual({ name: expect.stringMatching(/^gatepass-client-sessions-plant-11-\d{4}-\d{2}-\d{2}\.csv$/), kind: 'csv' });
    expect(res).toMatchObject({ result: { kind: 'saved' }, rows: 1 });
    const text = readFileSync(csvOut, 'utf8');
    expect(statSync(csvOut).mode & 0o777).toBe(0o600);
    const rows = parseCsv(text).map((r) => r.fields);
    expect(rows[0]).toEqual(['User Name', 'Login', 'Email', 'Computer', 'Started', 'Ended', 'End reason', 'Emergency']);
    expect(rows[1]?.slice(0, 4)).toEqual(['CORP\\e.lund (e.lund@corp.example)', 'e.lund', email, 'DESK-7']);
    expect(rows[1]?.[7]).toBe('no');
    expect(text).not.toContain(code);
  });
});
