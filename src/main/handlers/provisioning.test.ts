import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/index';
import { call, okBody } from '../../server/test-support/client';
import { zbarRead, zbarReadBytes } from '../../test-support/zbar';
import { issueCode } from '../../server/test-support/provisioning';
import { parseCsv } from '../../shared/csv';
import type { MailBatchReport } from '../../shared/model/mail';
import { decodeProvisioningPayload } from '../../shared/provisioning-payload';
import { startTestConsole, type TestConsole } from '../test-support/console';

/**
 * Issue 10, point 6 in the console's main process against a real server with a mail folder:
 * Show provisioning QR (a job of provisioning cards saved by the sign-in codes' PDF engine, read
 * back by pdftoppm + zbarimg, each code provisioning once), Send provisioning email with its
 * preview and its per-user report as CSV, and a user's devices, revoked.
 */
const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

let dir: string;
let mailDir: string;
let server: Awaited<ReturnType<typeof startServer>>;
let token: string;
let c: TestConsole;
let savedTo = '';
const users: Record<string, { id: string; login: string }> = {};

async function user(login: string, extra: Record<string, unknown> = {}) {
  users[login] = okBody(await call(server.url, 'createUser', { body: { login, ...extra } }, token));
  return users[login]!;
}

async function batchDone(serverId: string, batchId: string): Promise<MailBatchReport> {
  for (let i = 0; i < 200; i++) {
    const r = await c.call<MailBatchReport>('mail:batch', { serverId, batchId });
    if (r.batch.done) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('batch not done');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gp-provisioning-console-'));
  mailDir = join(dir, 'mail');
  server = await startServer(
    { db: join(dir, 'server.sqlite'), port: 0, name: 'Harbour', adminPassword: ADMIN_PASSWORD, mail: { folder: mailDir } },
    { hashCost: 'test', mail: { pollMs: 50 } },
  );
  token = await server.issueAdminToken();
  await user('anna', { displayName: 'Anna Berg', email: 'anna@example.org' });
  await user('bo', { displayName: 'Bo Chan', email: 'bo@example.org' });
  await user('cy', { displayName: 'Cy Barred', email: 'cy@example.org', mobileAllowed: false });
  await user('di', { displayName: 'Di No-Mail' });
  await user('ed', { displayName: 'Ed Phone' });
  c = await startTestConsole({
    dir,
    serverUrl: server.url,
    password: ADMIN_PASSWORD,
    saveTarget: async (suggested) => ({ kind: 'path', path: (savedTo = join(dir, suggested)) }),
  });
}, 60_000);

afterAll(async () => {
  await c?.core.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Show provisioning QR', () => {
  it('issues a code per user into a job of provisioning cards: the renderer gets QR paths only, the PDF codes decode and provision once', async () => {
    const ids = [users.anna!.id, users.cy!.id, users.bo!.id];
    const job = await c.call<{ jobId: string; kind: string; codes: Array<{ login: string; status: string; errorCode?: string; qr: { path: string } | null; expiresAt: string | null }> }>(
      'provisioning:showQr',
      { serverId: c.serverId, userIds: ids, validitySeconds: 3600 },
    );
    expect(job.kind).toBe('provisioning');
    expect(job.codes.map((x) => [x.login, x.status, x.errorCode ?? null])).toEqual([
      ['anna', 'ok', null],
      ['cy', 'broken', 'NOT_ENTITLED'],
      ['bo', 'ok', null],
    ]);
    expect(job.codes[0]!.qr?.path).toMatch(/^M/);
    // No payload, no code reaches the renderer.
    expect(JSON.stringify(job)).not.toContain('provision"');
    expect(Date.parse(job.codes[0]!.expiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    expect(okBody(await call(server.url, 'getUser', { params: { id: users.anna!.id } }, token)).provisioning.state).toBe('pending');

    // No .usr files for provisioning codes.
    expect(await c.core.dispatch('export:save', { jobId: job.jobId, format: 'pdf', includeConfig: true })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const saved = await c.call<{ kind: string; path: string }>('export:save', { jobId: job.jobId, format: 'pdf' });
    expect(saved.path).toMatch(/gatepass-provisioning-harbour-\d{4}-\d{2}-\d{2}\.pdf$/);
    execFileSync('pdftoppm', ['-r', '150', '-png', saved.path, join(dir, 'prov')]);
    const pages = (await readdir(dir)).filter((f) => f.startsWith('prov-') && f.endsWith('.png')).sort();
    expect(pages).toHaveLength(3);
    const read = pages.map((p) => zbarRead(join(dir, p)));
    expect(read[1]).toBeNull();
    const text = execFileSync('pdftotext', [saved.path, '-'], { encoding: 'utf8' });
    expect(text).toContain('MOBILE PROVISIONING CODE');
    expect(text).toContain('may not use mobile authentication');
    for (const [i, login] of [
      [0, 'anna'],
      [2, 'bo'],
    ] as const) {
      const p = decodeProvisioningPayload(read[i] ?? '');
      expect(p.login).toBe(login);
      const body = { serverId: p.serverId, login: p.login, code: p.code, deviceName: `${login}'s phone` };
      expect((await call(server.url, 'redeemProvisioningCode', { body })).ok).toBe(true);
      expect((await call(server.url, 'redeemProvisioningCode', { body })).error?.code).toBe('INVALID_PROVISION_CODE');
    }
    await c.call('qr:discard', { jobId: job.jobId });
    expect(await c.core.dispatch('export:save', { jobId: job.jobId, format: 'pdf' })).toMatchObject({ ok: false, error: { code: 'JOB_NOT_FOUND' } });
  });
});

describe('the server’s provisioning settings', () => {
  it('change the validity new codes get by default and the QR Code URL, and go back to the default URL', async () => {
    const set = await c.call<{ codeValiditySeconds: number; qrCodeUrl: string; qrCodeUrlCustom: string | null }>('provisioning:setSettings', {
      serverId: c.serverId,
      codeValiditySeconds: 7200,
      qrCodeUrl: 'https://portal.example.org/qr?text=',
    });
    expect(set).toMatchObject({ codeValiditySeconds: 7200, qrCodeUrl: 'https://portal.example.org/qr?text=', qrCodeUrlCustom: 'https://portal.example.org/qr?text=' });
    const job = await c.call<{ jobId: string; codes: Array<{ expiresAt: string }> }>('provisioning:showQr', { serverId: c.serverId, userIds: [users.bo!.id] });
    const left = Date.parse(job.codes[0]!.expiresAt) - Date.now();
    expect(left).toBeGreaterThan(7100_000);
    expect(left).toBeLessThanOrEqual(7200_000);
    await c.call('qr:discard', { jobId: job.jobId });
    expect(await c.core.dispatch('provisioning:setSettings', { serverId: c.serverId, codeValiditySeconds: 60 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const back = await c.call<{ qrCodeUrl: string; qrCodeUrlCustom: string | null }>('provisioning:setSettings', { serverId: c.serverId, codeValiditySeconds: 86400, qrCodeUrl: null });
    expect(back).toMatchObject({ qrCodeUrlCustom: null, qrCodeUrl: `${server.url}/userportal/getQRCode?text=` });
  });
});

describe('a user’s devices', () => {
  it('lists a provisioned device and revokes it: its sign-in stops', async () => {
    // Its own device, so this test stands whatever the ones above did.
    const issued = await issueCode(server.url, token, users.ed!.id);
    const p = decodeProvisioningPayload(issued.payload);
    const redeemed = await call(server.url, 'redeemProvisioningCode', { body: { serverId: p.serverId, login: p.login, code: p.code, deviceName: "ed's phone" } });
    expect(redeemed.ok).toBe(true);
    const list = await c.call<{ items: Array<{ id: string; name: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }> }>('provisioning:devices', {
      serverId: c.serverId,
      userId: users.ed!.id,
    });
    expect(list.items).toEqual([expect.objectContaining({ name: "ed's phone", revokedAt: null })]);
    const revoked = await c.call<{ revoked: boolean }>('provisioning:revokeDevice', { serverId: c.serverId, userId: users.ed!.id, deviceId: list.items[0]!.id });
    expect(revoked.revoked).toBe(true);
    const again = await c.call<{ items: Array<{ revokedAt: string | null }> }>('provisioning:devices', { serverId: c.serverId, userId: users.ed!.id });
    expect(again.items[0]!.revokedAt).not.toBeNull();
    expect(okBody(await call(server.url, 'getUser', { params: { id: users.ed!.id } }, token)).provisioning.state).not.toBe('provisioned');
    const audit = okBody(await call(server.url, 'listAudit', { query: { action: 'device.revoke' } }, token));
    expect(audit.items[0]).toMatchObject({ actor: 'admin' });
  });
});

describe('Send provisioning email', () => {
  it('previews one user’s message as the server renders it, without issuing anything', async () => {
    const p = await c.call<{ to: string | null; subject: string; html: string; inline: Array<{ contentBase64: string }>; refusal: unknown }>('provisioning:previewMail', {
      serverId: c.serverId,
      userId: users.bo!.id,
      validitySeconds: 7200,
    });
    expect(p).toMatchObject({ to: 'bo@example.org', subject: 'Set up Gatepass on your phone for Harbour', refusal: null });
    expect(p.html).toContain('Hello Bo Chan,');
    expect(decodeProvisioningPayload(zbarReadBytes(Buffer.from(p.inline[0]!.contentBase64, 'base64')) ?? '').code).toBe('PREVIEW0NOT0A0REAL0CODE');
  });

  it('queues a message per user with an address, follows the batch, and saves the per-user report with the refusals', async () => {
    const sent = await c.call<{ runId: string; batchId: string; queued: number; refused: number; results: Array<{ ok: boolean; login: string | null; code?: string }> }>(
      'provisioning:sendMail',
      { serverId: c.serverId, userIds: [users.anna!.id, users.di!.id, users.cy!.id, users.bo!.id], validitySeconds: 600 },
    );
    expect(sent).toMatchObject({ queued: 2, refused: 2 });
    expect(sent.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'NO_EMAIL_ADDRESS', 'NOT_ENTITLED', 'ok']);
    const report = await batchDone(c.serverId, sent.batchId);
    expect(report.items.map((i) => [i.to, i.status]).sort()).toEqual([
      ['anna@example.org', 'sent'],
      ['bo@example.org', 'sent'],
    ]);
    // The folder holds the two messages; each carries its user's QR.
    const files = (await readdir(mailDir)).filter((f) => f.endsWith('.eml'));
    const mails = await Promise.all(files.map(async (f) => simpleParser(await readFile(join(mailDir, f)))));
    const annaMail = mails.find((m) => (m.to && !Array.isArray(m.to) ? m.to.text : '').includes('anna@example.org'));
    const qr = annaMail?.attachments.find((a) => a.contentType === 'image/png');
    expect(decodeProvisioningPayload(zbarReadBytes(qr!.content) ?? '').login).toBe('anna');

    const csv = await c.call<{ kind: string; path: string }>('provisioning:saveReport', { runId: sent.runId });
    expect(csv.path).toBe(savedTo);
    const text = await readFile(csv.path, 'utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const rows = parseCsv(text.slice(1)).map((r) => r.fields);
    expect(rows[0]).toEqual(['login', 'email', 'status', 'reason', 'message_id', 'sent_at', 'attempts']);
    const byLogin = new Map(rows.slice(1).map((r) => [r[0], r]));
    expect(byLogin.get('di')?.slice(2, 4)).toEqual(['not sent', expect.stringContaining('NO_EMAIL_ADDRESS')]);
    expect(byLogin.get('cy')?.[3]).toContain('NOT_ENTITLED');
    expect(byLogin.get('anna')?.slice(1, 3)).toEqual(['anna@example.org', 'sent']);
    expect(byLogin.get('bo')?.[4]).toMatch(/^<.+@.+>$/);
    await c.call('provisioning:discardRun', { runId: sent.runId });
    expect(await c.core.dispatch('provisioning:saveReport', { runId: sent.runId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
