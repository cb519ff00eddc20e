import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSigninPayload } from '../shared/qr-payload';
import { encodeUsrConfig } from '../shared/usr-config';
import { startServer } from '../server/index';
import { enrol, oathtool, testClock } from '../server/test-support/two-step';
import { createServerClient } from '../main/services/server-client';
import { runCli, type CliRun } from './test-support/run-cli';

const PASSWORD = 'Granite-Orchard-58';
const STEP = 30_000;
// The server runs on a clock the test moves; codes are what oathtool computes for that clock.
const clock = testClock();

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let adminToken: string;
const client = () => createServerClient(server.url);

/** The last line of stdout as JSON: the --json contract. */
function lastJson(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}

const as = (login: string, ...rest: string[]) => ['--server', server.url, '--login', login, '--password-stdin', ...rest];
const cli = (args: string[], password = PASSWORD) => runCli(args, `${password}\n`);

async function newUser(login: string) {
  return client().call('createUser', { body: { login, displayName: `User ${login}`, password: PASSWORD } }, adminToken);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gp-cli-user-'));
  server = await startServer({ db: path.join(dir, 'server.sqlite'), port: 0, name: 'CLI 2FA', adminPassword: 'Quiet-Harbour-2048' }, { hashCost: 'test', now: clock.now });
  adminToken = await server.issueAdminToken();
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gatepass user 2fa enroll / confirm and gatepass user signin', () => {
  let secret = '';
  let recoveryCodes: string[] = [];

  it('enroll prints the key URI as the last line of --json and exits 0', async () => {
    await newUser('c.enrol');
    const r = await cli(['user', '2fa', 'enroll', ...as('c.enrol'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lastJson(r);
    expect(out.otpauthUri).toMatch(/^otpauth:\/\/totp\/CLI%202FA:c\.enrol\?secret=[A-Z2-7]{32}&issuer=CLI%202FA$/);
    secret = String(out.secret);
    expect(out.otpauthUri).toContain(`secret=${secret}`);
  });

  it('enroll without --json says what to do, with the secret grouped for typing', async () => {
    const r = await cli(['user', '2fa', 'enroll', ...as('c.enrol')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Key URI: otpauth:\/\/totp\//m);
    expect(r.stdout).toMatch(/^Secret: {2}([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/m);
    expect(r.stdout).toContain('gatepass user 2fa confirm');
    expect(r.stdout).not.toContain('\u001b['); // not a terminal: no QR drawn
    secret = /^Secret: {2}(.+)$/m.exec(r.stdout)![1]!.replace(/ /g, '');
  });

  it('confirm with an oathtool code prints 8 recovery codes, and --out saves them owner-only', async () => {
    const out = path.join(dir, 'codes.txt');
    const r = await cli(['user', '2fa', 'confirm', ...as('c.enrol'), '--code', oathtool(secret, clock.now()), '--out', out, '--json']);
    expect(r.code).toBe(0);
    const json = lastJson(r);
    recoveryCodes = json.recoveryCodes as string[];
    expect(recoveryCodes).toHaveLength(8);
    for (const c of recoveryCodes) expect(c).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe('Gatepass recovery codes for c.enrol on CLI 2FA');
    for (const c of recoveryCodes) expect(text).toContain(c);
    expect(statSync(out).mode & 0o077).toBe(0);
  });

  it('signin without a code is refused with SECOND_FACTOR_REQUIRED: exit 1 and the four keys', async () => {
    const r = await cli(['user', 'signin', ...as('c.enrol'), '--json']);
    expect(r.code).toBe(1);
    expect(lastJson(r)).toEqual({
      ok: false,
      code: 'SECOND_FACTOR_REQUIRED',
      message: 'This account has two-step verification: give the code from the app with --otp <code>, or --recovery-code <code>',
      recoveryCodesLeft: null,
    });
    expect(r.stderr).toContain('(SECOND_FACTOR_REQUIRED)');
  });

  it('signin with the next code exits 0; the same code again is refused as replayed', async () => {
    clock.advance(STEP);
    const code = oathtool(secret, clock.now());
    const r = await cli(['user', 'signin', ...as('c.enrol', '--otp', code), '--json']);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toEqual({ ok: true, code: null, message: 'Signed in to CLI 2FA as c.enrol with an authenticator code', recoveryCodesLeft: 8 });
    const again = await cli(['user', 'signin', ...as('c.enrol', '--otp', code), '--json']);
    expect(again.code).toBe(1);
    expect(lastJson(again)).toMatchObject({ ok: false, code: 'TOTP_CODE_REPLAYED' });
    // The CLI ended its sessions: nothing left signed in.
    const users = await client().call('listUsers', { query: { search: 'c.enrol' } }, adminToken);
    expect(users.items[0]?.activeSessions).toBe(0);
  });

  it('signin with a recovery code says how many remain', async () => {
    const r = await cli(['user', 'signin', ...as('c.enrol', '--recovery-code', recoveryCodes[3]!.toLowerCase())]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('Signed in to CLI 2FA as c.enrol with a recovery code (7 left)');
    const used = await cli(['user', 'signin', ...as('c.enrol', '--recovery-code', recoveryCodes[3]!), '--json']);
    expect(used.code).toBe(1);
    expect(lastJson(used)).toMatchObject({ ok: false, code: 'RECOVERY_CODE_INVALID', recoveryCodesLeft: null });
  });

  it('exits 1 with INVALID_CREDENTIALS for a wrong password, and 2 for bad input', async () => {
    const wrong = await cli(['user', 'signin', ...as('c.enrol', '--otp', '123456'), '--json'], 'not-the-password');
    expect(wrong.code).toBe(1);
    expect(lastJson(wrong)).toMatchObject({ ok: false, code: 'INVALID_CREDENTIALS' });
    const badCode = await cli(['user', 'signin', ...as('c.enrol', '--otp', '12ab56'), '--json']);
    expect(badCode.code).toBe(2);
    expect(lastJson(badCode)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', recoveryCodesLeft: null });
    const both = await cli(['user', 'signin', ...as('c.enrol', '--otp', '123456', '--recovery-code', recoveryCodes[0]!), '--json']);
    expect(both.code).toBe(2);
    expect(lastJson(both)).toMatchObject({ code: 'VALIDATION_FAILED', message: 'give --otp or --recovery-code, not both' });
    const noLogin = await cli(['user', 'signin', '--server', server.url, '--password-stdin', '--json']);
    expect(noLogin.code).toBe(2);
    expect(lastJson(noLogin)).toEqual({ ok: false, code: 'VALIDATION_FAILED', message: "required option '--login <login>' not specified", recoveryCodesLeft: null });
    const noStdin = await cli(['user', 'signin', '--server', server.url, '--login', 'c.enrol', '--json']);
    expect(noStdin.code).toBe(2);
    const badUrl = await cli(['user', 'signin', ...['--server', 'ftp://x', '--login', 'c.enrol', '--password-stdin'], '--json']);
    expect(badUrl.code).toBe(2);
  });

  it('a plain password sign-in works for a user without two-step verification', async () => {
    await newUser('c.plain');
    const r = await cli(['user', 'signin', ...as('c.plain'), '--json']);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toEqual({ ok: true, code: null, message: 'Signed in to CLI 2FA as c.plain', recoveryCodesLeft: null });
  });
});

describe('gatepass user and device sign-in while two-step verification is mandatory', () => {
  it('enrols during the grace period, is refused after it, and device credentials are refused when the server says so', async () => {
    // The administrator turns it on (they must have 2FA themselves), acknowledging who lacks it.
    clock.advance(STEP);
    const { secret: adminSecret } = await enrol(server.url, adminToken, clock.now());
    const impact = await client().call('twoStepImpact', {}, adminToken);
    await client().call('setTwoStepSettings', { body: { mandatory: true, graceDays: 2, acknowledgedUsersWithout2fa: impact.activeUsersWithout2fa } }, adminToken);

    const u = await newUser('c.grace');
    const blocked = await cli(['user', 'signin', ...as('c.grace'), '--json']);
    expect(blocked.code).toBe(1);
    expect(lastJson(blocked)).toMatchObject({ ok: false, code: 'TOTP_ENROLMENT_REQUIRED' });
    const enrolled = await cli(['user', '2fa', 'enroll', ...as('c.grace'), '--json']);
    expect(enrolled.code).toBe(0);
    const s = String(lastJson(enrolled).secret);
    const confirmed = await cli(['user', '2fa', 'confirm', ...as('c.grace'), '--code', oathtool(s, clock.now()), '--json']);
    expect(confirmed.code).toBe(0);
    clock.advance(STEP);
    expect((await cli(['user', 'signin', ...as('c.grace', '--otp', oathtool(s, clock.now()))])).code).toBe(0);

    // After the grace period a user without 2FA cannot even enrol alone.
    clock.advance(3 * 86_400_000);
    const adminNow = await client().call('adminSignin', { body: { login: 'admin', password: 'Quiet-Harbour-2048', otp: oathtool(adminSecret, clock.now()) } });
    await client().call('createUser', { body: { login: 'c.late', password: PASSWORD } }, adminNow.token);
    const late = await cli(['user', '2fa', 'enroll', ...as('c.late'), '--json']);
    expect(late.code).toBe(1);
    expect(lastJson(late)).toMatchObject({ ok: false, code: 'TOTP_ENROLMENT_REQUIRED' });

    // Device credentials: a QR text and a .usr file, refused while mandatory when the setting asks for it.
    const issued = (await client().call('issueQrBatch', { body: { items: [{ userId: u.id, password: PASSWORD }] } }, adminNow.token)).results[0];
    if (!issued?.ok) throw new Error('issue failed');
    const payload = encodeSigninPayload({ server: server.url, login: u.login, credential: issued.issued.credential, issuedAt: issued.issued.issuedAt, expiresAt: null });
    const usr = path.join(dir, 'c.grace.usr');
    writeFileSync(usr, encodeUsrConfig({ server: { url: server.url, name: 'CLI 2FA', tlsPin: null }, login: u.login, credential: issued.issued.credential, issuedAt: issued.issued.issuedAt, expiresAt: null }));
    expect((await runCli(['device', 'signin', '--config', usr])).code).toBe(0);
    await client().call('setTwoStepSettings', { body: { mandatory: true, graceDays: 2, refuseDeviceCredentials: true } }, adminNow.token);
    for (const args of [['--config', usr], ['--qr-text', payload]]) {
      const r = await runCli(['device', 'signin', ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\(DEVICE_SIGNIN_REFUSED\)\n$/);
    }
  });
});
