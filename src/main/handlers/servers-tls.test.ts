import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../server/index';
import type { TlsRefusal } from '../../shared/model/tls-certificate';
import { createConsoleCore, type ConsoleCore } from '../console-core';
import { createKeychain } from '../services/keychain';
import { createServerClient } from '../services/server-client';

/**
 * Issue 12, point 4, in the console's main process: a server whose self-signed certificate this
 * machine does not trust is added by its key pin, as SSH's first connection but with the key
 * shown for comparison and nothing (no password) sent before it is trusted; the pin is saved and
 * checked on every later connection, and a changed key stops everything until it is reviewed.
 * A real `--tls self-signed` server, started in-process, restarted with a new certificate.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

let dir: string;
let db: string;
let server: RunningServer;
let port: number;

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } };
interface ServerView {
  id: string;
  url: string;
  status: string;
  statusMessage?: string;
  tlsPin?: string;
  presentedCertificate?: TlsRefusal['certificate'];
}

async function core(name: string): Promise<{ core: ConsoleCore; userData: string }> {
  const userData = join(dir, name);
  const c = await createConsoleCore({
    userDataDir: userData,
    host: 'web',
    saveTarget: async () => ({ kind: 'cancelled' }),
    emit: () => {},
    credentials: createKeychain({ load: () => Promise.reject(new Error('no Secret Service here')) }),
  });
  return { core: c, userData };
}

function startTls(atPort: number): Promise<RunningServer> {
  return startServer({ db, port: atPort, adminPassword: ADMIN_PASSWORD, seedDemo: 3, tls: { selfSigned: true } }, { hashCost: 'test' });
}

/** Administrator sign-ins the server recorded (successful and failed): a password that reached it leaves one. */
async function signinsRecorded(): Promise<number> {
  const client = createServerClient(server.url, { tlsPin: server.tlsPin });
  const token = await server.issueAdminToken();
  const [ok, failed] = await Promise.all(
    ['admin.signin', 'admin.signin_failed'].map((action) => client.call('listAudit', { query: { action } }, token)),
  );
  return ok!.total + failed!.total;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-servers-tls-'));
  db = join(dir, 'tls.sqlite');
  server = await startTls(0);
  port = server.port;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('adding a server whose self-signed certificate this machine does not trust', () => {
  it('is refused with the certificate to compare, then added by its pin, which is saved and used for every call; a changed key stops everything until it is reviewed', async () => {
    const { core: c, userData } = await core('pin');
    const before = await signinsRecorded();

    // No pin: TLS_UNTRUSTED, and the details say what the server printed at start.
    const untrusted = (await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as Env<ServerView>;
    expect(untrusted).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED' } });
    const details = (untrusted as { error: { details: TlsRefusal } }).error.details;
    const cert = new X509Certificate(await readFile(`${db}.tls-cert.pem`));
    expect(details).toEqual({
      certificate: {
        pin: server.tlsPin,
        fingerprint: server.tlsFingerprint,
        subject: 'localhost',
        issuer: 'localhost',
        validFrom: new Date(cert.validFrom).toISOString(),
        validTo: new Date(cert.validTo).toISOString(),
        selfSigned: true,
      },
      pinned: null,
    });
    // The fingerprint is the form `gatepass server` prints: colon hex, upper case.
    expect(details.certificate.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    // A pasted pin that is not this server's key: refused, nothing sent.
    const otherPin = `sha256/${Buffer.alloc(32, 9).toString('base64')}`;
    const wrong = (await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, tlsPin: otherPin })) as Env<ServerView>;
    expect(wrong).toMatchObject({
      ok: false,
      error: { code: 'TLS_PIN_MISMATCH', message: `${server.url} does not present the key of the pin ${otherPin}: nothing was sent. Check the pin with the server's operator.` },
    });
    expect((wrong as { error: { details: TlsRefusal } }).error.details).toMatchObject({ certificate: { pin: server.tlsPin }, pinned: otherPin });
    // Something that is no pin at all is a sentence, not a TLS attempt.
    expect(await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, tlsPin: 'AB:CD' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: 'A key pin is sha256/ followed by 44 characters of base64, as the server prints it at start' },
    });
    // None of these reached the server's sign-in, and nothing was saved.
    expect(await signinsRecorded()).toBe(before);
    await expect(readFile(join(userData, 'servers.json'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });

    // Trusted by its pin: signed in over the pinned connection, and calls work.
    const added = (await c.dispatch('servers:add', { url: server.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, tlsPin: server.tlsPin! })) as Env<ServerView>;
    expect(added).toMatchObject({ ok: true, data: { url: server.url, status: 'connected', tlsPin: server.tlsPin } });
    if (!added.ok) throw new Error(added.error.message);
    const id = added.data.id;
    expect(await c.dispatch('users:list', { serverId: id, limit: 10 })).toMatchObject({ ok: true, data: { total: 3 } });
    expect(await signinsRecorded()).toBe(before + 1);
    const saved = JSON.parse(await readFile(join(userData, 'servers.json'), 'utf8')) as { servers: Array<Record<string, unknown>> };
    expect(saved.servers).toEqual([{ id, name: 'Gatepass server', url: server.url, login: 'admin', embedded: false, tlsPin: server.tlsPin }]);
    expect(JSON.stringify(saved)).not.toContain(ADMIN_PASSWORD);

    // The operator replaces the certificate: the server restarts on the same address with a new key.
    const oldPin = server.tlsPin!;
    await server.close();
    await rm(`${db}.tls-cert.pem`);
    await rm(`${db}.tls-key.pem`);
    server = await startTls(port);
    expect(server.tlsPin).not.toBe(oldPin);
    const beforeChange = await signinsRecorded();

    // The next call meets the new key: refused, and the server is marked key-changed with the new key for review.
    const call = await c.dispatch('users:list', { serverId: id, limit: 10 });
    expect(call).toMatchObject({ ok: false, error: { code: 'TLS_PIN_MISMATCH', message: expect.stringContaining('now presents a different TLS key than the one you trusted') as unknown } });
    const listed = ((await c.dispatch('servers:list', {})) as Env<ServerView[]> & { ok: true }).data[0]!;
    expect(listed).toMatchObject({ status: 'key-changed', tlsPin: oldPin, presentedCertificate: { pin: server.tlsPin, fingerprint: server.tlsFingerprint, selfSigned: true } });
    expect(listed.statusMessage).toContain('someone may be intercepting the connection, or its operator replaced the certificate. Nothing was sent.');
    // Connect again (with the password this session knows): still refused, and the password never reaches the server.
    expect(await c.dispatch('servers:connect', { serverId: id })).toMatchObject({ ok: false, error: { code: 'TLS_PIN_MISMATCH' } });
    expect(await c.dispatch('servers:connect', { serverId: id, password: ADMIN_PASSWORD })).toMatchObject({ ok: false, error: { code: 'TLS_PIN_MISMATCH' } });
    expect(await signinsRecorded()).toBe(beforeChange);
    expect(JSON.parse(await readFile(join(userData, 'servers.json'), 'utf8'))).toMatchObject({ servers: [{ tlsPin: oldPin }] });

    // Reviewed and trusted (Edit server): the new pin is checked, signed in with, and saved.
    const trusted = (await c.dispatch('servers:update', { serverId: id, tlsPin: server.tlsPin! })) as Env<ServerView>;
    expect(trusted).toMatchObject({ ok: true, data: { status: 'connected', tlsPin: server.tlsPin } });
    expect(trusted.ok && trusted.data.presentedCertificate).toBe(undefined);
    expect(await c.dispatch('users:list', { serverId: id, limit: 10 })).toMatchObject({ ok: true, data: { total: 3 } });
    expect(JSON.parse(await readFile(join(userData, 'servers.json'), 'utf8'))).toMatchObject({ servers: [{ id, tlsPin: server.tlsPin }] });
    expect(await signinsRecorded()).toBe(beforeChange + 1);

    // The same server under another name of this host presents the same key: the pin follows the move.
    const sameHost = server.url.replace('127.0.0.1', 'localhost');
    expect(await c.dispatch('servers:update', { serverId: id, url: sameHost })).toMatchObject({ ok: true, data: { url: sameHost, status: 'connected', tlsPin: server.tlsPin } });
    await c.close();

    // A new console start: the saved pin is what it trusts the server by (the password is asked again: no keychain here).
    const again = await core('pin');
    expect(await again.core.dispatch('servers:connect', { serverId: id, password: ADMIN_PASSWORD })).toMatchObject({ ok: true, data: { status: 'connected', tlsPin: server.tlsPin } });
    expect(await again.core.dispatch('users:list', { serverId: id, limit: 10 })).toMatchObject({ ok: true, data: { total: 3 } });
    await again.core.close();
  }, 60_000);

  it('refuses a pin for a plain http:// address, and a key to trust for the local server', async () => {
    const plain = await startServer({ db: join(dir, 'plain.sqlite'), port: 0, adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
    try {
      const { core: c } = await core('plain');
      expect(await c.dispatch('servers:add', { url: plain.url, login: 'admin', password: ADMIN_PASSWORD, remember: false, tlsPin: server.tlsPin! })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: 'A TLS key pin is for https:// addresses; this one is plain http://' },
      });
      await c.close();
    } finally {
      await plain.close();
    }
    const local = await createConsoleCore({
      userDataDir: join(dir, 'embedded'),
      host: 'web',
      embedded: true,
      seedDemo: 1,
      saveTarget: async () => ({ kind: 'cancelled' }),
      emit: () => {},
      credentials: createKeychain({ load: () => Promise.reject(new Error('no Secret Service here')) }),
    });
    try {
      const embedded = ((await local.dispatch('servers:list', {})) as Env<Array<ServerView & { embedded: boolean }>> & { ok: true }).data.find((s) => s.embedded)!;
      expect(await local.dispatch('servers:update', { serverId: embedded.id, tlsPin: server.tlsPin! })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: 'The local server runs inside this console over http://: it has no TLS key to pin' },
      });
    } finally {
      await local.close();
    }
  }, 60_000);

  it('asks for the key when a server moves to an https:// address this machine does not trust, and moves only once it is trusted', async () => {
    const plain = await startServer({ db: join(dir, 'move.sqlite'), port: 0, adminPassword: ADMIN_PASSWORD }, { hashCost: 'test' });
    try {
      const { core: c, userData } = await core('move');
      const added = (await c.dispatch('servers:add', { url: plain.url, login: 'admin', password: ADMIN_PASSWORD, remember: false })) as Env<ServerView>;
      if (!added.ok) throw new Error(added.error.message);
      const refused = (await c.dispatch('servers:update', { serverId: added.data.id, url: server.url })) as Env<ServerView>;
      expect(refused).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED', details: { certificate: { pin: server.tlsPin, fingerprint: server.tlsFingerprint }, pinned: null } } });
      expect(JSON.parse(await readFile(join(userData, 'servers.json'), 'utf8'))).toEqual(expect.objectContaining({ servers: [expect.not.objectContaining({ tlsPin: expect.anything() as unknown })] }));
      const moved = (await c.dispatch('servers:update', { serverId: added.data.id, url: server.url, tlsPin: server.tlsPin! })) as Env<ServerView>;
      expect(moved).toMatchObject({ ok: true, data: { url: server.url, status: 'connected', tlsPin: server.tlsPin } });
      expect(await c.dispatch('users:list', { serverId: added.data.id, limit: 10 })).toMatchObject({ ok: true, data: { total: 3 } });
      // And back to plain http://: the pin is dropped with the https:// address.
      expect(await c.dispatch('servers:update', { serverId: added.data.id, url: plain.url })).toMatchObject({ ok: true, data: { url: plain.url } });
      expect(JSON.parse(await readFile(join(userData, 'servers.json'), 'utf8'))).toEqual(expect.objectContaining({ servers: [expect.not.objectContaining({ tlsPin: expect.anything() as unknown })] }));
      await c.close();
    } finally {
      await plain.close();
    }
  });
});
