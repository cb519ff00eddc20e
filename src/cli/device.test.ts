import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDeviceFile } from '../shared/device-file';
import { decodeProvisioningPayload, encodeProvisioningPayload } from '../shared/provisioning-payload';
import { encodeUsrConfig } from '../shared/usr-config';
import { ADMIN_PASSWORD, eachBackend, startTestServer, useServer } from '../server/test-support/backends';
import { createServerClient } from '../main/services/server-client';
import { call, okBody } from '../server/test-support/client';
import { enrolledUser } from '../server/test-support/two-step';
import { parseValidity } from './provision';
import { runCli, type CliRun } from './test-support/run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-device-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The last line of stdout as JSON: the --json contract. */
function lastJson(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}

let files = 0;
const file = (name: string) => path.join(dir, `${++files}-${name}`);

describe('parseValidity', () => {
  it('reads 10m to 30d and refuses the rest', () => {
    expect(parseValidity('10m')).toBe(600);
    expect(parseValidity('2h')).toBe(7200);
    expect(parseValidity('90min')).toBe(5400);
    expect(parseValidity('30d')).toBe(2_592_000);
    for (const bad of ['5m', '31d', '2 weeks', '', '-1h', '1.5h']) expect(() => parseValidity(bad), bad).toThrow();
  });
});

eachBackend('The reference mobile client (gatepass device, provision)', (backend) => {
  // The CLI computes codes with the machine's clock, so this server keeps real time.
  const { url, admin, db } = useServer(backend, { name: 'Harbour Gate' });
  const tag = backend.name.toLowerCase();
  const adminArgs = (...rest: string[]) => ['--server', url(), '--login', 'admin', '--password-stdin', ...rest];

  async function codesFor(logins: string[], ...extra: string[]): Promise<{ run: CliRun; json: Record<string, unknown> }> {
    const run = await runCli(['provision', 'codes', ...adminArgs('--users', logins.join(','), '--json', ...extra)], `${ADMIN_PASSWORD}\n`);
    return { run, json: lastJson(run) };
  }
  /** The payload `provision codes` printed for one login. */
  async function payloadFor(login: string): Promise<{ payload: string; qrImageUrl: string }> {
    const { run, json } = await codesFor([login]);
    expect(run.code, run.stderr).toBe(0);
    const r = (json.results as Array<{ payload: string; qrImageUrl: string }>)[0]!;
    return r;
  }
  async function savePng(qrImageUrl: string): Promise<string> {
    const res = await fetch(qrImageUrl);
    expect(res.status).toBe(200);
    const out = file('code.png');
    writeFileSync(out, Buffer.from(await res.arrayBuffer()));
    return out;
  }
  const provision = (args: string[]) => runCli(['device', 'provision', ...args]);

  it('end to end: issue a code, draw its QR by the image URL, provision from the picture, sign in with the device and its code, revoke: both stop', async () => {
    const login = `cli.${tag}`;
    // A user with two-step verification (an app enrolled): the device becomes a second authenticator.
    const person = await enrolledUser(url(), admin(), login, new Date());
    const issued = await payloadFor(login);
    const png = await savePng(issued.qrImageUrl);
    const out = file('device.json');
    const run = await provision(['--qr-image', png, '--out', out, '--name', 'Test phone', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const answer = lastJson(run);
    expect(answer).toMatchObject({ ok: true, login, server: { url: url(), name: 'Harbour Gate' }, device: { name: 'Test phone' }, file: out });
    // Owner-only, versioned, and what it holds is never printed.
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const device = decodeDeviceFile(readFileSync(out, 'utf8'));
    expect(device).toMatchObject({ format: 'gatepass-device', version: 1, login, server: { url: url(), id: decodeProvisioningPayload(issued.payload).serverId } });
    expect(run.stdout).not.toContain(device.credential.split('.')[1]);
    expect(run.stdout).not.toContain(device.totp.secret);

    // Its code is a second factor of the user's password sign-in.
    const totp = await runCli(['device', 'totp', '--config', out, '--json']);
    expect(totp.code, totp.stderr).toBe(0);
    const otp = lastJson(totp).otp as string;
    expect(otp).toMatch(/^\d{6}$/);
    const signin = await runCli(['user', 'signin', '--server', url(), '--login', login, '--password-stdin', '--otp', otp, '--json'], `${person.password}\n`);
    expect(signin.code, signin.stderr).toBe(0);
    expect(lastJson(signin)).toMatchObject({ ok: true, message: `Signed in to Harbour Gate as ${login} with an authenticator code` });
    const audit = okBody(await call(url(), 'listAudit', { query: { action: 'totp.verify', target: login } }, admin()));
    expect(audit.items[0]?.detail).toContain(`from provisioned device "Test phone" (${device.device.id})`);
    // The device signs in, as a QR card does.
    const deviceSignin = await runCli(['device', 'signin', '--config', out]);
    expect(deviceSignin.code, deviceSignin.stderr).toBe(0);
    expect(deviceSignin.stdout.trim()).toBe(`Signed in to Harbour Gate as ${login} (Person ${login})`);
    expect(lastJson(await runCli(['device', 'signin', '--config', out, '--json']))).toMatchObject({ ok: true, login });
    // The plain text form prints the code alone.
    expect((await runCli(['device', 'totp', '--config', out])).stdout.trim()).toMatch(/^\d{6}$/);

    // The same picture again: the code was used up.
    const again = await provision(['--qr-image', png, '--out', file('again.json')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^gatepass: Invalid Provision Code \(.+\) \(INVALID_PROVISION_CODE\)\n$/);

    // Revoked: the device's sign-in and its codes stop.
    okBody(await call(url(), 'revokeDevice', { params: { id: person.user.id, deviceId: device.device.id } }, admin()));
    const refused = await runCli(['device', 'signin', '--config', out]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('(QR_CREDENTIAL_INVALID)')]);
    const stale = lastJson(await runCli(['device', 'totp', '--config', out, '--json'])).otp as string;
    const rejected = await runCli(['user', 'signin', '--server', url(), '--login', login, '--password-stdin', '--otp', stale, '--json'], `${person.password}\n`);
    expect(rejected.code).toBe(1);
    expect(lastJson(rejected)).toMatchObject({ ok: false, code: 'TOTP_CODE_INVALID' });
  }, 120_000);

  it("prints the reference client's message for each refusal, exit 1", async () => {
    const u = okBody(await call(url(), 'createUser', { body: { login: `errors.${tag}` } }, admin()));
    const p = decodeProvisioningPayload((await payloadFor(u.login)).payload);
    const cases: Array<[string, string, string]> = [
      [encodeProvisioningPayload({ ...p, server: 'http://127.0.0.1:9' }), 'SERVER_UNREACHABLE', 'Error Server Connection (Cannot reach http://127.0.0.1:9: connection refused)'],
      [encodeProvisioningPayload({ ...p, serverId: 'AAAAAAAAAAAAAAAAAAAAAA' }), 'UNKNOWN_SERVER_ID', "Error Server, Unknown Server ID (The server ID is not this server's)"],
      [encodeProvisioningPayload({ ...p, login: 'nobody.here' }), 'INVALID_USERNAME', 'Invalid Username (There is no user with this login on the server)'],
      [encodeProvisioningPayload({ ...p, code: 'C'.repeat(22) }), 'INVALID_PROVISION_CODE', 'Invalid Provision Code (The provisioning code is not valid, has expired or has already been used)'],
    ];
    for (const [text, code, message] of cases) {
      const r = await provision(['--qr-text', text, '--out', file('x.json'), '--json']);
      expect([r.code, lastJson(r)], code).toEqual([1, { ok: false, code, message }]);
      expect(r.stderr).toBe(`gatepass: ${message} (${code})\n`);
    }
    // The wrong code counted, but the right one still works (1 of 5).
    expect((await provision(['--qr-text', encodeProvisioningPayload(p), '--out', file('ok.json')])).code).toBe(0);

    const barred = okBody(await call(url(), 'createUser', { body: { login: `barred.${tag}` } }, admin()));
    const forBarred = (await payloadFor(barred.login)).payload;
    okBody(await call(url(), 'updateUser', { params: { id: barred.id }, body: { mobileAllowed: false } }, admin()));
    const notEntitled = await provision(['--qr-text', forBarred, '--out', file('x.json'), '--json']);
    expect([notEntitled.code, lastJson(notEntitled).code, lastJson(notEntitled).message]).toEqual([
      1,
      'NOT_ENTITLED',
      'Error Downloading Security Strings (This account may not use mobile authentication: ask an administrator)',
    ]);

    const gone = okBody(await call(url(), 'createUser', { body: { login: `gone.${tag}` } }, admin()));
    const forGone = (await payloadFor(gone.login)).payload;
    okBody(await call(url(), 'deleteUser', { params: { id: gone.id } }, admin()));
    const removed = await provision(['--qr-text', forGone, '--out', file('x.json'), '--json']);
    expect([removed.code, lastJson(removed).code]).toEqual([1, 'REPROVISION_NOT_AVAILABLE']);
    expect(lastJson(removed).message).toMatch(/^Reprovision URL not retrieved \(/);
  }, 120_000);

  it('exits 2 on bad input, before the code is used up', async () => {
    const u = okBody(await call(url(), 'createUser', { body: { login: `input.${tag}` } }, admin()));
    const issued = await payloadFor(u.login);
    const notJson = await provision(['--qr-text', 'WIFI:S:guest;T:WPA;P:hello;;', '--out', file('x.json')]);
    expect([notJson.code, notJson.stderr]).toEqual([2, 'gatepass: Not a Gatepass provisioning code (not JSON) (PAYLOAD_INVALID)\n']);
    const both = await provision(['--qr-text', issued.payload, '--qr-image', 'x.png', '--out', file('x.json'), '--json']);
    expect([both.code, lastJson(both).code]).toEqual([2, 'VALIDATION_FAILED']);
    const blank = file('blank.png');
    const white = new PNG({ width: 64, height: 64 });
    white.data.fill(255);
    writeFileSync(blank, PNG.sync.write(white));
    const noCode = await provision(['--qr-image', blank, '--out', file('x.json')]);
    expect([noCode.code, noCode.stderr]).toEqual([2, `gatepass: No QR code found in ${blank} (or not an image) (PAYLOAD_INVALID)\n`]);
    const missing = await provision(['--qr-image', path.join(dir, 'missing.png'), '--out', file('x.json')]);
    expect([missing.code, missing.stderr]).toEqual([2, `gatepass: Cannot read ${path.join(dir, 'missing.png')}: ENOENT (VALIDATION_FAILED)\n`]);
    const nowhere = await provision(['--qr-text', issued.payload, '--out', path.join(dir, 'no-such-folder', 'device.json')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('Cannot write the device file');
    // None of that used the code.
    expect((await provision(['--qr-text', issued.payload, '--out', file('device.json')])).code).toBe(0);
    // A .usr sign-in file has no seed: said plainly.
    const usr = file('a.usr');
    writeFileSync(usr, encodeUsrConfig({ server: { url: url(), name: 'x', tlsPin: null }, login: u.login, credential: 'x.y', issuedAt: new Date().toISOString(), expiresAt: null }));
    const totpOfUsr = await runCli(['device', 'totp', '--config', usr]);
    expect([totpOfUsr.code, totpOfUsr.stderr]).toEqual([2, expect.stringContaining('is a .usr sign-in file: it holds no authenticator seed')]);
  }, 120_000);

  it('provision codes: per-user results, exit 3 when some are refused, 2 for an unknown login or a bad validity', async () => {
    const a = okBody(await call(url(), 'createUser', { body: { login: `codes.a.${tag}` } }, admin()));
    const b = okBody(await call(url(), 'createUser', { body: { login: `codes.b.${tag}`, mobileAllowed: false } }, admin()));
    const { run, json } = await codesFor([a.login, b.login], '--validity', '2h');
    expect(run.code).toBe(3);
    expect(json).toMatchObject({ ok: false, issued: 1, refused: 1 });
    const [first, second] = json.results as Array<Record<string, unknown>>;
    expect(first).toMatchObject({ ok: true, login: a.login, replacedUnused: false });
    expect(Date.parse(first!.expiresAt as string) - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(second).toMatchObject({ ok: false, login: b.login, code: 'NOT_ENTITLED' });
    const text = await runCli(['provision', 'codes', ...adminArgs('--users', a.login)], `${ADMIN_PASSWORD}\n`);
    expect(text.code).toBe(0);
    const [login, until, payload] = text.stdout.trim().split('\t');
    expect([login, decodeProvisioningPayload(payload!).login]).toEqual([a.login, a.login]);
    expect(Number.isNaN(Date.parse(until!))).toBe(false);
    expect(text.stderr).toContain('1 provisioning code(s) issued on Harbour Gate');
    const unknown = await codesFor(['nobody.at.all']);
    expect([unknown.run.code, unknown.json.code]).toEqual([2, 'VALIDATION_FAILED']);
    const short = await runCli(['provision', 'codes', ...adminArgs('--users', a.login, '--validity', '5m', '--json')], `${ADMIN_PASSWORD}\n`);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('from 10 minutes (10m) to 30 days (30d)');
    // The database holds hashes only.
    const rows = await db().selectFrom('provision_codes').select('code_hash').where('user_id', '=', a.id).execute();
    expect(JSON.stringify(rows)).not.toContain(decodeProvisioningPayload(payload!).code);
  }, 120_000);
});

describe('provisioning from a server that serves HTTPS itself (self-signed, trusted by its key pin)', () => {
  it("carries the pin in the payload and the device file: the device trusts that key only, and a code is never sent to another", async () => {
    const tlsDir = mkdtempSync(path.join(dir, 'tls-'));
    const server = await startTestServer(path.join(tlsDir, 'server.sqlite'), { tls: { selfSigned: true } });
    try {
      expect(server.url.startsWith('https://')).toBe(true);
      const pin = server.tlsPin!;
      const client = createServerClient(server.url, { tlsPin: pin });
      const token = await server.issueAdminToken();
      const u = await client.call('createUser', { body: { login: 'tls.user' } }, token);
      const issued = (await client.call('issueProvisioningCodes', { body: { userIds: [u.id] } }, token)).results[0];
      if (!issued?.ok) throw new Error('not issued');
      const p = decodeProvisioningPayload(issued.payload);
      expect(p).toMatchObject({ server: server.url, tlsPin: pin });
      // A payload naming another key: refused before the code is sent, so the code still works after.
      const wrongPin = encodeProvisioningPayload({ ...p, tlsPin: 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' });
      const refused = await runCli(['device', 'provision', '--qr-text', wrongPin, '--out', file('tls-x.json'), '--json']);
      expect([refused.code, lastJson(refused).code]).toEqual([1, 'TLS_PIN_MISMATCH']);
      expect(lastJson(refused).message).toMatch(/^Error Server Connection \(.+nothing was sent\)$/);
      const out = file('tls-device.json');
      const run = await runCli(['device', 'provision', '--qr-text', issued.payload, '--out', out, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(decodeDeviceFile(readFileSync(out, 'utf8')).server).toMatchObject({ url: server.url, tlsPin: pin });
      const signin = await runCli(['device', 'signin', '--config', out]);
      expect(signin.code, signin.stderr).toBe(0);
    } finally {
      await server.close();
    }
  }, 120_000);
});
