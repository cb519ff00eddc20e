import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index';
import { startSmtpSink, type SmtpSink } from '../../server/test-support/smtp-sink';
import type { MailBatchReport } from '../../shared/model/mail';
import type { MailFolder } from '../../shared/ipc/contract';
import { createConsoleCore, type ConsoleCore } from '../console-core';
import { createKeychain } from '../services/keychain';
import { isLoopbackUrl } from '../services/mail/mail-folder';

/**
 * Mail in the console's main process against real servers: the settings with the write-only
 * SMTP password, the test message followed to the real SMTP server's answer, the batch CSV, and
 * the folder transport's files, which main finds itself and hands out (or opens) only when they
 * are .eml files in the server's folder on this computer.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';
const SMTP_PASSWORD = 'Relay-Secret-8841';

let dir: string;
let mailDir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let sink: SmtpSink;
const savedTo: string[] = [];
const opened: string[] = [];

type Env<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

async function core(name: string, extra: Partial<Parameters<typeof createConsoleCore>[0]> = {}): Promise<ConsoleCore> {
  return createConsoleCore({
    userDataDir: join(dir, name),
    host: 'web',
    // What a save dialog answers: a path in the test folder.
    saveTarget: async (suggested) => {
      const path = join(dir, `saved-${savedTo.length}-${suggested}`);
      savedTo.push(path);
      return { kind: 'path', path };
    },
    emit: () => {},
    credentials: createKeychain({ load: () => Promise.reject(new Error('no Secret Service here')) }),
    ...extra,
  });
}

async function ok<T>(c: ConsoleCore, channel: string, input: unknown): Promise<T> {
  const env = (await c.dispatch(channel, input)) as Env<T>;
  if (!env.ok) throw new Error(`${channel}: ${env.error.code} ${env.error.message}`);
  return env.data;
}

async function added(c: ConsoleCore, url = server.url): Promise<string> {
  return (await ok<{ id: string }>(c, 'servers:add', { url, login: 'admin', password: ADMIN_PASSWORD, remember: false })).id;
}

/** Asks for the batch until none of its messages is queued or sending, as the Settings page does. */
async function finished(c: ConsoleCore, serverId: string, batchId: string): Promise<MailBatchReport> {
  for (let i = 0; i < 200; i++) {
    const r = await ok<MailBatchReport>(c, 'mail:batch', { serverId, batchId });
    if (r.batch.done) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`batch ${batchId} not done`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-mail-console-'));
  mailDir = join(dir, 'server-mail');
  sink = await startSmtpSink({ auth: { user: 'gatepass', pass: SMTP_PASSWORD }, rcpt: (a) => (a === 'nobody@example.org' ? { code: 550, text: '5.1.1 No such user' } : null) });
  server = await startServer(
    { db: join(dir, 'server.sqlite'), port: 0, name: 'Harbour', seedDemo: 2, adminPassword: ADMIN_PASSWORD, mail: { folder: mailDir } },
    { hashCost: 'test', mail: { pollMs: 50 } },
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  await sink?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the folder transport', () => {
  it('sends a test message into the folder; main lists the newest .eml files and saves one, byte for byte', async () => {
    const c = await core('folder');
    const serverId = await added(c);
    expect(await ok(c, 'mail:settings', { serverId })).toMatchObject({ transport: 'folder', folder: mailDir });

    const sent = await ok<{ batch: { id: string }; messageId: string }>(c, 'mail:sendTest', { serverId, to: 'anna@example.org' });
    const report = await finished(c, serverId, sent.batch.id);
    expect(report.items).toEqual([expect.objectContaining({ to: 'anna@example.org', status: 'sent', messageId: sent.messageId })]);

    const folder = await ok<MailFolder>(c, 'mail:folder', { serverId });
    // A server on 127.0.0.1 whose folder exists here: this computer's folder, but a browser host cannot open it.
    expect(folder).toMatchObject({ path: mailDir, where: 'here', canOpen: false, total: 1 });
    const [file] = folder.newest;
    expect(file?.name).toMatch(/^\d{8}-\d{6}-[0-9a-f-]{36}\.eml$/);
    expect(await c.dispatch('mail:openFolder', { serverId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const saved = await ok<{ kind: string; path: string; bytes: number }>(c, 'mail:saveMessage', { serverId, name: file!.name });
    expect(saved.kind).toBe('saved');
    const bytes = await readFile(saved.path);
    expect(bytes.equals(await readFile(join(mailDir, file!.name)))).toBe(true);
    const mail = await simpleParser(bytes);
    expect(mail.messageId).toBe(sent.messageId);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('anna@example.org');
    await c.close();
  });

  it('hands out only .eml files that are really in the folder: no path, no symlink, nothing missing', async () => {
    const c = await core('folder-guard');
    const serverId = await added(c);
    await writeFile(join(dir, 'secret.eml'), 'not a message of the folder');
    await symlink(join(dir, 'secret.eml'), join(mailDir, 'zz-link.eml'));
    await mkdir(join(mailDir, 'zz-dir.eml'));
    const folder = await ok<MailFolder>(c, 'mail:folder', { serverId });
    expect(folder.newest.map((f) => f.name)).not.toContain('zz-link.eml');
    expect(folder.newest.map((f) => f.name)).not.toContain('zz-dir.eml');
    for (const name of ['../secret.eml', '/etc/passwd', 'x.txt', '.hidden.eml']) {
      expect(await c.dispatch('mail:saveMessage', { serverId, name })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await c.dispatch('mail:saveMessage', { serverId, name: 'zz-link.eml' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await c.dispatch('mail:saveMessage', { serverId, name: 'zz-dir.eml' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await c.dispatch('mail:saveMessage', { serverId, name: '20990101-000000-missing.eml' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await rm(join(mailDir, 'zz-link.eml'));
    await rm(join(mailDir, 'zz-dir.eml'), { recursive: true });
    await c.close();
  });

  it('opens the folder through the host (Electron) with the path main found, never one from the caller', async () => {
    const c = await core('folder-open', { openFolder: async (path) => void opened.push(path) });
    const serverId = await added(c);
    expect(await ok<MailFolder>(c, 'mail:folder', { serverId })).toMatchObject({ where: 'here', canOpen: true });
    await ok(c, 'mail:openFolder', { serverId, path: '/etc' });
    expect(opened).toEqual([mailDir]);
    await c.close();
  });

  it("the embedded server's folder is the one main chose: a test message lands there as an .eml file", async () => {
    const c = await core('embedded', { embedded: true, seedDemo: 1 });
    const [local] = await ok<Array<{ id: string; embedded: boolean; status: string }>>(c, 'servers:list', {});
    expect(local).toMatchObject({ embedded: true });
    for (let i = 0; i < 100 && (await ok<Array<{ status: string }>>(c, 'servers:list', {}))[0]?.status !== 'connected'; i++) await new Promise((r) => setTimeout(r, 100));
    const folder = join(dir, 'embedded', 'mail');
    expect(await ok(c, 'mail:settings', { serverId: local!.id })).toMatchObject({ transport: 'folder', folder });
    const sent = await ok<{ batch: { id: string } }>(c, 'mail:sendTest', { serverId: local!.id, to: 'newcomer@example.org' });
    expect((await finished(c, local!.id, sent.batch.id)).items[0]).toMatchObject({ status: 'sent' });
    const described = await ok<MailFolder>(c, 'mail:folder', { serverId: local!.id });
    expect(described).toMatchObject({ path: folder, where: 'here', total: 1 });
    expect(await readdir(folder)).toEqual([described.newest[0]!.name]);
    await c.close();
  }, 60_000);
});

describe('the SMTP transport', () => {
  it('takes the password once and never shows it; a test message reaches the SMTP server, which saw the user sign in', async () => {
    const c = await core('smtp');
    const serverId = await added(c);
    const view = await ok<Record<string, unknown>>(c, 'mail:setSettings', {
      serverId,
      settings: {
        transport: 'smtp',
        from: 'Gatepass <gatepass@example.org>',
        smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: 'gatepass', password: SMTP_PASSWORD },
      },
    });
    expect(view).toMatchObject({ transport: 'smtp', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: 'gatepass', passwordSet: true } });
    expect(JSON.stringify(view)).not.toContain(SMTP_PASSWORD);
    expect(JSON.stringify(await ok(c, 'mail:settings', { serverId }))).not.toContain(SMTP_PASSWORD);

    const before = sink.received.length;
    const sent = await ok<{ batch: { id: string }; messageId: string }>(c, 'mail:sendTest', { serverId, to: 'bob@example.org' });
    const report = await finished(c, serverId, sent.batch.id);
    expect(report.items[0]).toMatchObject({ status: 'sent', reason: expect.stringContaining('Ok: queued') });
    expect(sink.received.slice(before).map((m) => [m.messageId, m.user])).toEqual([[sent.messageId, 'gatepass']]);

    // A 550 from the SMTP server: failed, with its reply, in the report and in the CSV main saves.
    const refused = await ok<{ batch: { id: string } }>(c, 'mail:sendTest', { serverId, to: 'nobody@example.org' });
    const failed = await finished(c, serverId, refused.batch.id);
    expect(failed.items[0]).toMatchObject({ status: 'failed', failure: 'rejected', reason: expect.stringContaining('550') });
    const csv = await ok<{ kind: string; path: string }>(c, 'mail:saveBatchCsv', { serverId, batchId: refused.batch.id });
    const text = await readFile(csv.path, 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(text).toContain('nobody@example.org');
    expect(text).toContain('550');

    // Another host with the stored password is refused by the server: the password never goes to a new place.
    expect(
      await c.dispatch('mail:setSettings', {
        serverId,
        settings: { transport: 'smtp', from: 'gatepass@example.org', smtp: { host: 'smtp.elsewhere.example', security: 'starttls', user: 'gatepass' } },
      }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    // Clearing the user and password: a relay that takes mail without signing in.
    const cleared = await ok(c, 'mail:setSettings', {
      serverId,
      settings: { transport: 'smtp', from: 'gatepass@example.org', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: '', password: null } },
    });
    expect(cleared).toMatchObject({ smtp: { user: '', passwordSet: false } });
    // Back to the folder for the other tests.
    await ok(c, 'mail:setSettings', { serverId, settings: { transport: 'folder' } });
    await c.close();
  });

  it('a server elsewhere: its folder is named but not read', () => {
    expect(isLoopbackUrl('http://127.0.0.1:8443')).toBe(true);
    expect(isLoopbackUrl('http://localhost:8443')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:8443')).toBe(true);
    expect(isLoopbackUrl('https://gatepass.example.org')).toBe(false);
    expect(isLoopbackUrl('http://10.0.0.5:8443')).toBe(false);
    expect(isLoopbackUrl('not a url')).toBe(false);
  });
});
