import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerClient } from '../main/services/server-client';
import { generateQrJob } from '../main/services/issuing/issue-job';
import { decodeSigninPayload, encodeSigninPayload } from '../shared/qr-payload';
import { runCli, spawnCli } from './test-support/run-cli';
import { startServer, type RunningServer } from '../server/index';
import { spkiPin } from '../server/security/tls';

// Issue 12, point 4 (end to end: server, console services and the reference device, hence here): HTTPS served by the server itself, a self-signed certificate made once and
// trusted by its key pin, the pin carried in sign-in codes, reference clients that refuse any
// other key, and a Host allowlist against DNS rebinding.

const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
let dir: string;
let db: string;
let server: RunningServer;
let adminToken: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gp-tls-'));
  db = join(dir, 'server.sqlite');
  server = await startServer({ db, port: 0, adminPassword: ADMIN_PASSWORD, seedDemo: 3, tls: { selfSigned: true } }, { hashCost: 'test' });
  adminToken = await server.issueAdminToken();
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with its own environment (GATEPASS_TLS_PIN), stdin given. */
function runCliEnv(args: string[], stdin: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => ok({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** A raw HTTPS GET that trusts nothing in particular: for checking what the server does with odd requests. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(server.url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('a self-signed HTTPS server', () => {
  it('serves HTTPS with a certificate it made once, key owner-only, and says its pin in /api/v1/info', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.tlsCreated).toBe(true);
    const certFile = `${db}.tls-cert.pem`;
    const keyFile = `${db}.tls-key.pem`;
    expect((statSync(keyFile).mode & 0o777).toString(8)).toBe('600');
    const cert = new X509Certificate(readFileSync(certFile));
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(server.tlsPin).toBe(spkiPin(readFileSync(certFile)));
    expect(server.tlsFingerprint).toBe(cert.fingerprint256);
    const info = await createServerClient(server.url, { tlsPin: server.tlsPin }).call('serverInfo');
    expect(info.tlsPin).toBe(server.tlsPin);
  });

  it('keeps its certificate, and so its pin, across restarts', async () => {
    const again = await startServer({ db, port: 0, adminPassword: ADMIN_PASSWORD, tls: { selfSigned: true } }, { hashCost: 'test' });
    try {
      expect(again.tlsCreated).toBe(false);
      expect(again.tlsPin).toBe(server.tlsPin);
    } finally {
      await again.close();
    }
  });

  it('is trusted by its pin, and refused without one or with another key, before anything is sent', async () => {
    expect((await createServerClient(server.url, { tlsPin: server.tlsPin }).call('adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).login).toBe('admin');
    await expect(createServerClient(server.url).call('serverInfo')).rejects.toMatchObject({ code: 'TLS_UNTRUSTED' });
    const otherPin = `sha256/${Buffer.alloc(32, 7).toString('base64')}`;
    await expect(createServerClient(server.url, { tlsPin: otherPin }).call('adminSignin', { body: { login: 'admin', password: 'Wrong-Password-99' } })).rejects.toMatchObject({ code: 'TLS_PIN_MISMATCH' });
    // The refused sign-in never reached the server: no failed sign-in was recorded.
    const audit = await createServerClient(server.url, { tlsPin: server.tlsPin }).call('listAudit', { query: { action: 'admin.signin_failed' } }, adminToken);
    expect(audit.total).toBe(0);
  });

  it('puts its pin in every sign-in code it issues, and the reference device signs in only with that key', async () => {
    const client = createServerClient(server.url, { tlsPin: server.tlsPin });
    const users = (await client.call('listUsers', { query: { limit: 2 } }, adminToken)).items;
    const job = await generateQrJob({
      call: (name, input) => client.call(name, input, adminToken),
      serverId: 'tls',
      serverName: 'TLS server',
      serverUrl: server.url,
      userIds: users.map((u) => u.id),
      mode: { kind: 'same', password: 'Harbour-Lights-42' },
    });
    const payload = job.cards[0]!.payload!;
    expect(decodeSigninPayload(payload).tlsPin).toBe(server.tlsPin);
    expect(job.tlsPin).toBe(server.tlsPin);

    const ok = await runCli(['device', 'signin', '--qr-text', payload]);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    // The same code with another pin: the device refuses the server, and sends nothing.
    const forged = encodeSigninPayload({ ...decodeSigninPayload(job.cards[1]!.payload!), tlsPin: `sha256/${Buffer.alloc(32, 1).toString('base64')}` });
    const refused = await runCli(['device', 'signin', '--qr-text', forged]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('(TLS_PIN_MISMATCH)');
    // And the .usr file of a user carries the pin as well.
    const usr = join(dir, 'user.usr');
    const { usrFor } = await import('../main/services/export/save');
    writeFileSync(usr, usrFor(job.cards[1]!, job.tlsPin ?? null));
    const viaUsr = await runCli(['device', 'signin', '--config', usr]);
    expect([viaUsr.code, viaUsr.stderr]).toEqual([0, '']);
  }, 60_000);

  it('lets scripts reach it with the pin it printed (GATEPASS_TLS_PIN), and refuses a wrong pin before the password is sent', async () => {
    const base = ['users', 'list', '--server', server.url, '--login', 'admin', '--password-stdin', '--json'];
    const env = (pin: string | undefined) => ({ ...process.env, ...(pin ? { GATEPASS_TLS_PIN: pin } : {}) });
    const ok = await runCliEnv(base, `${ADMIN_PASSWORD}\n`, env(server.tlsPin ?? ''));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout.trim().split('\n').at(-1)!)).toMatchObject({ total: 3 });
    const untrusted = await runCliEnv(base, `${ADMIN_PASSWORD}\n`, env(undefined));
    expect([untrusted.code, untrusted.stderr]).toEqual([1, expect.stringContaining('(TLS_UNTRUSTED)')]);
    const wrong = await runCliEnv(base, 'Wrong-Password-99\n', env(`sha256/${Buffer.alloc(32, 3).toString('base64')}`));
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining('(TLS_PIN_MISMATCH)')]);
  }, 60_000);

  it('answers only to the names it is known by (DNS rebinding guard)', async () => {
    const good = await rawGet('/api/v1/info');
    expect(good.status).toBe(200);
    for (const host of ['evil.example', 'evil.example:443', '127.0.0.1.evil.example', 'localhost.']) {
      const r = await rawGet('/api/v1/info', { host });
      expect(r.status, host).toBe(421);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
    }
    expect((await rawGet('/api/v1/info', { host: `localhost:${new URL(server.url).port}` })).status).toBe(200);
  });
});

describe('certificates given by the operator', () => {
  it('refuses a key that others can read, a key of another certificate, and files that are not PEM', async () => {
    const made = await startServer({ db: join(dir, 'other.sqlite'), port: 0, adminPassword: ADMIN_PASSWORD, tls: { selfSigned: true } }, { hashCost: 'test' });
    await made.close();
    const cert = join(dir, 'other.sqlite.tls-cert.pem');
    const key = join(dir, 'other.sqlite.tls-key.pem');
    const ownKey = `${db}.tls-key.pem`;
    const base = { db: join(dir, 'given.sqlite'), port: 0, adminPassword: ADMIN_PASSWORD };
    await expect(startServer({ ...base, tls: { certFile: cert, keyFile: ownKey } }, { hashCost: 'test' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: 'The TLS key does not belong to the certificate' });
    const loose = join(dir, 'loose-key.pem');
    writeFileSync(loose, readFileSync(key), { mode: 0o644 });
    await expect(startServer({ ...base, tls: { certFile: cert, keyFile: loose } }, { hashCost: 'test' })).rejects.toMatchObject({ message: expect.stringContaining('chmod 600') as unknown });
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello', { mode: 0o600 });
    await expect(startServer({ ...base, tls: { certFile: notPem, keyFile: key } }, { hashCost: 'test' })).rejects.toMatchObject({ message: 'The TLS certificate is not a PEM certificate' });
    // Nothing was created for the refused starts.
    expect(existsSync(join(dir, 'given.sqlite'))).toBe(false);
    const given = await startServer({ ...base, tls: { certFile: cert, keyFile: key } }, { hashCost: 'test' });
    try {
      expect(given.tlsPin).toBe(spkiPin(readFileSync(cert)));
    } finally {
      await given.close();
    }
  });
});
