import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAgentFile } from '../shared/agent-file';
import { createServerClient } from '../main/services/server-client';
import { startServer } from '../server/index';
import { otpFromMail, smtpTo, waitForMail } from '../server/test-support/email-otp';
import { startSmtpSink, type SmtpSink } from '../server/test-support/smtp-sink';
import { TEST_MAIL_TIMINGS } from '../server/test-support/backends';
import { enrol, oathtool, testClock } from '../server/test-support/two-step';
import { runCli, type CliRun } from './test-support/run-cli';

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
/** Each test runs the CLI several times from source (tsx, 2-3 s a start on this machine under load). */
const CLI_TEST_MS = 120_000;
const clock = testClock();

let dir: string;
let sink: SmtpSink;
let server: Awaited<ReturnType<typeof startServer>>;
let adminToken: string;
const client = () => createServerClient(server.url);

function lastJson(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}
const file = (name: string) => path.join(dir, name);
async function newUser(login: string, extra: { password?: string; source?: 'internal' | 'directory' } = {}) {
  return client().call('createUser', { body: { login, displayName: login, email: `${login}@corp.example`, ...extra } }, adminToken);
}
async function settings(s: { autoDirectory?: boolean; autoInternal?: boolean } = {}) {
  await client().call('setEmailOtpSettings', { body: { expirationMinutes: 30, autoDirectory: false, autoInternal: false, emergencyAccess: true, ...s } }, adminToken);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-cli-agent-'));
  sink = await startSmtpSink();
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'CLI agents', adminPassword: ADMIN_PASSWORD, mail: smtpTo(sink) }, { hashCost: 'test', now: clock.now, mail: TEST_MAIL_TIMINGS });
  adminToken = await server.issueAdminToken();
}, 60_000);

afterAll(async () => {
  await server?.close();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the reference agent and scripts, exactly as documented', () => {
  it('computers add, agent request, agent login, sessions list: the session shows "<signed-in user> (<email>)"', async () => {
    const u = await newUser('a.berg');
    const out = file('pc.agent');
    const add = await runCli(['computers', 'add', 'PC-01', '--server', server.url, '--login', 'admin', '--password-stdin', '--out', out, '--json'], `${ADMIN_PASSWORD}\n`);
    expect(add.code).toBe(0);
    expect(lastJson(add)).toMatchObject({ ok: true, computer: { name: 'PC-01', registeredBy: 'admin' }, file: out });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const agentFile = decodeAgentFile(readFileSync(out, 'utf8'));
    expect(agentFile).toMatchObject({ server: { url: server.url, name: 'CLI agents', tlsPin: null }, computer: { name: 'PC-01' } });

    const request = await runCli(['agent', 'request', '--config', out, '--email', u.email, '--json']);
    expect(request.code).toBe(0);
    expect(lastJson(request)).toMatchObject({ ok: true, status: 'sent', email: u.email, resent: false, emergency: false });
    const code = otpFromMail(await waitForMail(sink, u.email));

    const login = await runCli(['agent', 'login', '--config', out, '--email', u.email, '--otp', code, '--json']);
    expect(login.code).toBe(0);
    const allowed = lastJson(login) as { ok: boolean; allowed: boolean; session: { userName: string; computerName: string } };
    expect(allowed).toMatchObject({ ok: true, allowed: true, session: { userName: `${userInfo().username} (${u.email})`, computerName: 'PC-01' } });

    const list = await runCli(['sessions', 'list', '--server', server.url, '--login', 'admin', '--password-stdin', '--json'], `${ADMIN_PASSWORD}\n`);
    expect(list.code).toBe(0);
    expect(lastJson(list)).toMatchObject({ ok: true, total: 1, items: [{ userName: `${userInfo().username} (${u.email})`, computerName: 'PC-01', endedAt: null }] });

    // The same password again: denied, exit 1, one message whatever the reason.
    const again = await runCli(['agent', 'login', '--config', out, '--email', u.email, '--otp', code, '--json']);
    expect(again.code).toBe(1);
    expect(lastJson(again)).toEqual({ ok: false, allowed: false, code: 'ACCESS_DENIED', message: 'Access denied' });
    expect(again.stderr).toContain('gatepass: Access denied (ACCESS_DENIED)');

    // A new one for this computer within the hour: refused with when to ask again.
    const soon = await runCli(['agent', 'request', '--config', out, '--email', u.email, '--json']);
    expect(soon.code).toBe(1);
    expect(lastJson(soon)).toMatchObject({ ok: false, code: 'RATE_LIMITED', retryAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  }, CLI_TEST_MS);

  it('asks by OS account, by Gatepass login and password, and for emergency access, as the settings offer', async () => {
    const out = file('pc2.agent');
    const add = await runCli(['computers', 'add', 'PC-02', '--server', server.url, '--login', 'admin', '--password-stdin', '--out', out], `${ADMIN_PASSWORD}\n`);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`Agent file written to ${out}`);
    const dirUser = await newUser('d.kim', { source: 'directory' });
    await settings({ autoDirectory: true, autoInternal: true });

    const byOs = await runCli(['agent', 'request', '--config', out, '--os-user', 'CORP\\d.kim']);
    expect(byOs.code).toBe(0);
    expect(byOs.stdout.trim()).toBe(`A one-time password for PC-02 was sent to ${dirUser.email}; it works until ${new Date(clock.now().getTime() + 30 * 60_000).toISOString()}.`);
    await waitForMail(sink, dirUser.email);

    clock.advance(60 * 60_000);
    const intUser = await newUser('i.int', { password: 'Granite-Orchard-58' });
    const wrong = await runCli(['agent', 'request', '--config', out, '--login', 'i.int', '--password-stdin', '--json'], 'not-it\n');
    expect(wrong.code).toBe(1);
    expect(lastJson(wrong)).toMatchObject({ ok: false, code: 'INVALID_CREDENTIALS' });
    const byLogin = await runCli(['agent', 'request', '--config', out, '--login', 'i.int', '--password-stdin', '--json'], 'Granite-Orchard-58\n');
    expect(byLogin.code).toBe(0);
    expect(lastJson(byLogin)).toMatchObject({ ok: true, email: intUser.email });
    await waitForMail(sink, intUser.email);

    clock.advance(60 * 60_000);
    const visitor = await newUser('v.isitor');
    const emergency = await runCli(['agent', 'request', '--config', out, '--emergency', '--email', visitor.email, '--json']);
    expect(emergency.code).toBe(0);
    expect(lastJson(emergency)).toMatchObject({ ok: true, emergency: true });
    const code = otpFromMail(await waitForMail(sink, visitor.email));
    const login = await runCli(['agent', 'login', '--config', out, '--email', visitor.email, '--otp', code, '--os-user', 'CORP\\visitor']);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(new RegExp(`^Access allowed: CORP\\\\visitor \\(${visitor.email.replace('.', '\\.')}\\) signed in to PC-02 \\(emergency access\\); session `));
    const emergencies = await runCli(['sessions', 'list', '--server', server.url, '--login', 'admin', '--password-stdin', '--emergency'], `${ADMIN_PASSWORD}\n`);
    expect(emergencies.code).toBe(0);
    const lines = emergencies.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^USER NAME +COMPUTER +STARTED +ENDED +EMERGENCY$/);
    expect(lines[1]).toMatch(new RegExp(`^CORP\\\\visitor \\(v\\.isitor@corp\\.example\\) +PC-02 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +open +yes$`));
    expect(lines.at(-1)).toBe('1 client session(s) on CLI agents');
    await settings();
  }, CLI_TEST_MS);

  it('exits 2 for bad input, before anything is asked of the server', async () => {
    const out = file('pc.agent');
    for (const args of [
      ['agent', 'request', '--config', out, '--json'],
      ['agent', 'request', '--config', out, '--email', 'a@corp.example', '--os-user', 'x', '--json'],
      ['agent', 'request', '--config', out, '--emergency', '--json'],
      ['agent', 'request', '--config', file('missing.agent'), '--email', 'a@corp.example', '--json'],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(lastJson(r)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    }
    writeFileSync(file('not.agent'), '{"format":"gatepass-usr","version":1}');
    const notOurs = await runCli(['agent', 'login', '--config', file('not.agent'), '--email', 'a@corp.example', '--otp', '12345678', '--json']);
    expect(notOurs.code).toBe(2);
    expect(lastJson(notOurs)).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID' });
    // An existing agent file is not replaced, and nothing is registered.
    const before = (await client().call('listComputers', {}, adminToken)).total;
    const exists = await runCli(['computers', 'add', 'PC-03', '--server', server.url, '--login', 'admin', '--password-stdin', '--out', out, '--json'], `${ADMIN_PASSWORD}\n`);
    expect(exists.code).toBe(2);
    expect((await client().call('listComputers', {}, adminToken)).total).toBe(before);
  }, CLI_TEST_MS);

  it('admin commands take --otp when the administrator has two-step verification', async () => {
    clock.advance(30_000);
    const { secret } = await enrol(server.url, adminToken, clock.now());
    const admin = ['--server', server.url, '--login', 'admin', '--password-stdin'];
    const without = await runCli(['computers', 'add', 'PC-04', ...admin, '--out', file('pc4.agent'), '--json'], `${ADMIN_PASSWORD}\n`);
    expect(without.code).toBe(1);
    expect(lastJson(without)).toMatchObject({ ok: false, code: 'SECOND_FACTOR_REQUIRED' });
    clock.advance(30_000);
    const add = await runCli(['computers', 'add', 'PC-04', ...admin, '--otp', oathtool(secret, clock.now()), '--out', file('pc4.agent'), '--json'], `${ADMIN_PASSWORD}\n`);
    expect(add.code).toBe(0);
    clock.advance(30_000);
    const list = await runCli(['sessions', 'list', ...admin, '--otp', oathtool(secret, clock.now()), '--json'], `${ADMIN_PASSWORD}\n`);
    expect(list.code).toBe(0);
    expect(lastJson(list)).toMatchObject({ ok: true, total: 2 });
    clock.advance(30_000);
    const revoke = await runCli(['computers', 'revoke', 'PC-04', ...admin, '--otp', oathtool(secret, clock.now()), '--json'], `${ADMIN_PASSWORD}\n`);
    expect(revoke.code).toBe(0);
    const refused = await runCli(['agent', 'info', '--config', file('pc4.agent'), '--json']);
    expect(refused.code).toBe(1);
    expect(lastJson(refused)).toMatchObject({ ok: false, code: 'AUTH_REQUIRED' });
  }, CLI_TEST_MS);
});

describe('the agent on a server that serves HTTPS itself (self-signed)', () => {
  let tlsServer: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    tlsServer = await startServer({ db: path.join(dir, 'tls.sqlite'), port: 0, adminPassword: ADMIN_PASSWORD, tls: { selfSigned: true } }, { hashCost: 'test' });
  }, 60_000);
  afterAll(async () => {
    await tlsServer?.close();
  });

  it('gets the server\'s key pin in its agent file, is trusted by it, and sends nothing to another key', async () => {
    const admin = createServerClient(tlsServer.url, { tlsPin: tlsServer.tlsPin });
    const token = await tlsServer.issueAdminToken();
    const registered = await admin.call('registerComputer', { body: { name: 'PC-TLS', serverUrl: tlsServer.url } }, token);
    const agentFile = decodeAgentFile(registered.agentFile);
    expect(agentFile.server).toEqual({ url: tlsServer.url, name: 'Gatepass server', tlsPin: tlsServer.tlsPin });
    writeFileSync(file('tls.agent'), registered.agentFile, { mode: 0o600 });
    const info = await runCli(['agent', 'info', '--config', file('tls.agent'), '--json']);
    expect(info.code).toBe(0);
    expect(lastJson(info)).toMatchObject({ ok: true, computer: { name: 'PC-TLS' } });

    const otherPin = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;
    writeFileSync(file('other-key.agent'), registered.agentFile.replace(tlsServer.tlsPin!, otherPin), { mode: 0o600 });
    const refused = await runCli(['agent', 'info', '--config', file('other-key.agent'), '--json']);
    expect(refused.code).toBe(1);
    expect(lastJson(refused)).toMatchObject({ ok: false, code: 'TLS_PIN_MISMATCH' });

    // Over plain http (a server behind a TLS proxy names its https address, but has no key of its own to pin) the file carries null.
    const plain = await createServerClient(server.url).call('registerComputer', { body: { name: 'PC-PLAIN', serverUrl: server.url } }, adminToken);
    expect(decodeAgentFile(plain.agentFile).server.tlsPin).toBeNull();
  }, CLI_TEST_MS);
});
