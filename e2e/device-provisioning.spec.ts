import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, cli, root, startCli, type Started } from './support';

/**
 * The reference mobile client as a user runs it: the built `gatepass` (out/main/cli.js, the
 * bundle electron-vite makes) against a real `gatepass server`. It reads the QR picture with
 * zxing-wasm, whose WebAssembly file the bundle must find in node_modules offline.
 */

function gatepass(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}

test.describe('gatepass device provision (the built CLI)', () => {
  let work: string;
  let server: Started;
  let serverUrl: string;

  test.beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gatepass-e2e-device-'));
    server = await startCli(
      ['server', '--db', join(work, 'server.sqlite'), '--port', '0', '--name', 'Device Test'],
      { GATEPASS_ADMIN_PASSWORD: ADMIN_PASSWORD },
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    );
    serverUrl = server.match[1]!;
  });
  test.afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('provisions from a QR picture, its code completes a password sign-in, its sign-in works; revoked, both stop', async () => {
    const api = async (method: string, path: string, token: string | null, body?: unknown) => {
      const res = await fetch(`${serverUrl}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      return (await res.json()) as Record<string, unknown>;
    };
    const admin = (await api('POST', '/api/v1/auth/admin', null, { login: 'admin', password: ADMIN_PASSWORD })).token as string;
    const user = await api('POST', '/api/v1/users', admin, { login: 'm.mobile', displayName: 'Mia Mobile', password: 'Granite-Orchard-58' });

    const codes = gatepass(['provision', 'codes', '--server', serverUrl, '--login', 'admin', '--password-stdin', '--users', 'm.mobile', '--validity', '1h', '--json'], `${ADMIN_PASSWORD}\n`);
    expect(codes.status, codes.stderr).toBe(0);
    const issued = (lastJson(codes.stdout).results as Array<{ qrImageUrl: string; payload: string }>)[0]!;
    const png = join(work, 'code.png');
    writeFileSync(png, Buffer.from(await (await fetch(issued.qrImageUrl)).arrayBuffer()));

    const device = join(work, 'device.json');
    const provisioned = gatepass(['device', 'provision', '--qr-image', png, '--out', device, '--name', 'Mia phone']);
    expect(provisioned.status, provisioned.stderr).toBe(0);
    expect(provisioned.stdout).toContain(`Provisioned "Mia phone" for m.mobile on Device Test: device file ${device}`);
    expect(statSync(device).mode & 0o777).toBe(0o600);

    // The phone is now m.mobile's authenticator: the password alone is not enough, its code is.
    const alone = gatepass(['user', 'signin', '--server', serverUrl, '--login', 'm.mobile', '--password-stdin', '--json'], 'Granite-Orchard-58\n');
    expect([alone.status, lastJson(alone.stdout).code]).toEqual([1, 'SECOND_FACTOR_REQUIRED']);
    const otp = gatepass(['device', 'totp', '--config', device]).stdout.trim();
    expect(otp).toMatch(/^\d{6}$/);
    const signin = gatepass(['user', 'signin', '--server', serverUrl, '--login', 'm.mobile', '--password-stdin', '--otp', otp], 'Granite-Orchard-58\n');
    expect(signin.status, signin.stderr).toBe(0);
    expect(signin.stdout.trim()).toBe('Signed in to Device Test as m.mobile with an authenticator code');
    const deviceSignin = gatepass(['device', 'signin', '--config', device]);
    expect(deviceSignin.status, deviceSignin.stderr).toBe(0);
    expect(deviceSignin.stdout.trim()).toBe('Signed in to Device Test as m.mobile (Mia Mobile)');

    // The same picture again: the reference's "Invalid Provision Code".
    const again = gatepass(['device', 'provision', '--qr-image', png, '--out', join(work, 'again.json')]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('gatepass: Invalid Provision Code (');

    const listed = (await api('GET', `/api/v1/users/${String(user.id)}/devices`, admin)).items as Array<{ id: string; name: string }>;
    expect(listed.map((d) => d.name)).toEqual(['Mia phone']);
    await api('DELETE', `/api/v1/users/${String(user.id)}/devices/${listed[0]!.id}`, admin);
    const refused = gatepass(['device', 'signin', '--config', device]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('(QR_CREDENTIAL_INVALID)');
    // With its only authenticator revoked the user signs in with the password alone, and the phone's code counts for nothing.
    const after = gatepass(['user', 'signin', '--server', serverUrl, '--login', 'm.mobile', '--password-stdin', '--json'], 'Granite-Orchard-58\n');
    expect(lastJson(after.stdout)).toMatchObject({ ok: true, message: 'Signed in to Device Test as m.mobile' });
  });

  test('says "Error Server Connection" when the server in the code cannot be reached', () => {
    const payload = JSON.stringify({ gp: 'provision', v: 1, s: 'http://127.0.0.1:9', sid: 'AAAAAAAAAAAAAAAAAAAAAA', l: 'x', c: 'B'.repeat(22) });
    const r = gatepass(['device', 'provision', '--qr-text', payload, '--out', join(work, 'x.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('gatepass: Error Server Connection (Cannot reach http://127.0.0.1:9: connection refused) (SERVER_UNREACHABLE)');
  });
});
