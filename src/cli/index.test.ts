import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSigninPayload } from '../shared/qr-payload';
import { startServer } from '../server/index';
import { createServerClient } from '../main/services/server-client';
import { runCli as cli } from './test-support/run-cli';

let dir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let adminToken: string;
let users: Array<{ id: string; login: string; displayName: string }>;

async function issuePayload(userId: string): Promise<string> {
  const client = createServerClient(server.url);
  const res = await client.call('issueQrBatch', { body: { items: [{ userId, password: 'Correct-Horse-42' }] } }, adminToken);
  const r = res.results[0]!;
  if (!r.ok) throw new Error(`issue failed: ${r.code}`);
  return encodeSigninPayload({ server: server.url, login: r.issued.login, credential: r.issued.credential, issuedAt: r.issued.issuedAt, expiresAt: r.issued.expiresAt });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-cli-'));
  server = await startServer({ db: join(dir, 'server.sqlite'), port: 0, name: 'CLI test server', seedDemo: 5 });
  adminToken = await server.issueAdminToken();
  const page = await createServerClient(server.url).call('listUsers', { query: { limit: 5 } }, adminToken);
  users = page.items;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('gatepass device signin', () => {
  it('signs in with a freshly issued QR text and exits 0', async () => {
    const payload = await issuePayload(users[0]!.id);
    const r = await cli(['device', 'signin', '--qr-text', payload]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`Signed in to CLI test server as ${users[0]!.login} (${users[0]!.displayName || users[0]!.login})`);
  });

  it('reads the QR text from stdin when given -', async () => {
    const payload = await issuePayload(users[1]!.id);
    const r = await cli(['device', 'signin', '--qr-text', '-'], `${payload}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`as ${users[1]!.login}`);
  });

  it('exits 2 with PAYLOAD_INVALID for text that is not a Gatepass code', async () => {
    const r = await cli(['device', 'signin', '--qr-text', 'WIFI:S:guest;T:WPA;P:hello;;']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('gatepass: Not a Gatepass sign-in code (not JSON) (PAYLOAD_INVALID)');
    expect(r.stdout).toBe('');
  });

  it('exits 1 with QR_CREDENTIAL_INVALID for a credential voided by a password change', async () => {
    const payload = await issuePayload(users[2]!.id);
    await createServerClient(server.url).call('setPassword', { params: { id: users[2]!.id }, body: { password: 'Another-Horse-43' } }, adminToken);
    const r = await cli(['device', 'signin', '--qr-text', payload]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gatepass: .+ \(QR_CREDENTIAL_INVALID\)\n$/);
    // The credential secret is not echoed back.
    expect(r.stderr).not.toContain(JSON.parse(payload).c);
  });

  it('exits 1 with SERVER_UNREACHABLE when the server in the code is down', async () => {
    const payload = encodeSigninPayload({ server: 'http://127.0.0.1:9', login: 'a', credential: 'x.y', issuedAt: new Date().toISOString(), expiresAt: null });
    const r = await cli(['device', 'signin', '--qr-text', payload]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('gatepass: Cannot reach http://127.0.0.1:9: connection refused (SERVER_UNREACHABLE)');
  });
});

describe('gatepass --help', () => {
  it('documents the commands and the exit codes, and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/server/);
    expect(r.stdout).toMatch(/console/);
    expect(r.stdout).toMatch(/device/);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0 +success/);
  });

  it('documents the device signin options and exits 0', async () => {
    const r = await cli(['device', 'signin', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--qr-text <text>');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('exits 2 when neither --qr-text nor --config is given', async () => {
    const r = await cli(['device', 'signin']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('gatepass: give either --qr-text <text> or --config <file.usr> (VALIDATION_FAILED)');
  });

  it('exits 2 when a required option of export is missing', async () => {
    const r = await cli(['export', '--server', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--login <admin>' not specified/);
  });

  it('exits 2 with PAYLOAD_INVALID for a .usr file that is not one', async () => {
    const file = join(dir, 'bad.usr');
    await writeFile(file, '{"format":"something-else"}');
    const r = await cli(['device', 'signin', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('gatepass: Not a Gatepass .usr file (PAYLOAD_INVALID)');
  });
});
