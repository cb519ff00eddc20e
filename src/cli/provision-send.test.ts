import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeProvisioningPayload } from '../shared/provisioning-payload';
import { ADMIN_PASSWORD, eachBackend, startTestServer, useServer } from '../server/test-support/backends';
import { call, okBody } from '../server/test-support/client';
import { zbarRead } from '../test-support/zbar';
import { startSmtpSink, type SmtpSink } from '../server/test-support/smtp-sink';
import { runCli, type CliRun } from './test-support/run-cli';

const dir = mkdtempSync(path.join(tmpdir(), 'gp-provision-send-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lastJson(r: CliRun): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '') as Record<string, unknown>;
}

eachBackend('gatepass provision send', (backend) => {
  const { url, admin } = useServer(backend, { name: 'Harbour Gate' });
  const tag = backend.name.toLowerCase();
  let sink: SmtpSink;
  const send = (...rest: string[]) => runCli(['provision', 'send', '--server', url(), '--login', 'admin', '--password-stdin', ...rest], `${ADMIN_PASSWORD}\n`);

  beforeAll(async () => {
    // A relay that refuses one address for good, as a real one would an unknown mailbox.
    sink = await startSmtpSink({ rcpt: (address) => (address.startsWith('gone.') ? { code: 550, text: '5.1.1 No such mailbox' } : null) });
    okBody(await call(url(), 'setMailSettings', { body: { transport: 'smtp', from: 'gatepass@example.org', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: '' } } }, admin()));
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('queues the mails, waits, and prints the per-user report; the inline QR of a received mail provisions a device once', async () => {
    const mk = async (login: string, email: string) => okBody(await call(url(), 'createUser', { body: { login, email } }, admin()));
    const anna = await mk(`anna.${tag}`, `anna.${tag}@example.org`);
    const gone = await mk(`gone.${tag}`, `gone.${tag}@example.org`);
    const none = await mk(`none.${tag}`, '');
    const run = await send('--users', [anna.login, gone.login, none.login].join(','), '--validity', '2h', '--json');
    expect(run.code, run.stderr).toBe(3);
    const report = lastJson(run);
    expect(report).toMatchObject({ ok: false, sent: 1, failed: 1, queued: 0, refused: 1 });
    expect((report.batches as string[]).length).toBe(1);
    const [a, g, n] = report.results as Array<Record<string, unknown>>;
    expect(a).toMatchObject({ ok: true, login: anna.login, to: anna.email, status: 'sent' });
    expect(g).toMatchObject({ ok: true, login: gone.login, status: 'failed' });
    expect(g!.reason).toContain('550');
    expect(n).toMatchObject({ ok: false, login: none.login, code: 'NO_EMAIL_ADDRESS' });

    // The mail as a reader gets it: its inline QR, decoded by zbarimg, and the picture itself given to the client.
    const raw = sink.received.find((m) => m.to.includes(anna.email))?.raw;
    if (!raw) throw new Error('no mail for anna');
    const mail = await simpleParser(raw, { keepCidLinks: true });
    expect(mail.messageId).toBe(a!.messageId);
    const png = mail.attachments.find((x) => x.contentType === 'image/png')?.content;
    if (!png) throw new Error('no inline QR');
    const file = path.join(dir, `mail-${tag}.png`);
    writeFileSync(file, png);
    const payload = zbarRead(file);
    expect(decodeProvisioningPayload(payload ?? '')).toMatchObject({ server: url(), login: anna.login });
    const out = path.join(dir, `device-${tag}.json`);
    const provisioned = await runCli(['device', 'provision', '--qr-image', file, '--out', out, '--json']);
    expect(provisioned.code, provisioned.stderr).toBe(0);
    expect(lastJson(provisioned)).toMatchObject({ ok: true, login: anna.login });
    const again = await runCli(['device', 'provision', '--qr-image', file, '--out', path.join(dir, `again-${tag}.json`), '--json']);
    expect([again.code, lastJson(again).code]).toEqual([1, 'INVALID_PROVISION_CODE']);
    expect(okBody(await call(url(), 'getUser', { params: { id: anna.id } }, admin())).provisioning.state).toBe('provisioned');
  }, 120_000);

  it('prints one tab-separated line per user without --json, and with --no-wait reports what is queued', async () => {
    const u = okBody(await call(url(), 'createUser', { body: { login: `text.${tag}`, email: `text.${tag}@example.org` } }, admin()));
    const run = await send('--users', u.login, '--no-wait');
    expect(run.code, run.stderr).toBe(0);
    const [login, to, status] = run.stdout.trim().split('\t');
    expect([login, to]).toEqual([u.login, u.email]);
    expect(['queued', 'sending', 'sent']).toContain(status);
    expect(run.stderr).toContain('Provisioning mail on Harbour Gate:');
  }, 120_000);

  it('exits 1 with MAIL_NOT_CONFIGURED on a server without mail, 2 for a bad validity', async () => {
    const bare = await startTestServer(await backend.freshDb());
    try {
      const token = await bare.issueAdminToken();
      okBody(await call(bare.url, 'createUser', { body: { login: 'x.mail', email: 'x.mail@example.org' } }, token));
      const r = await runCli(['provision', 'send', '--server', bare.url, '--login', 'admin', '--password-stdin', '--users', 'x.mail', '--json'], `${ADMIN_PASSWORD}\n`);
      expect([r.code, lastJson(r).code]).toEqual([1, 'MAIL_NOT_CONFIGURED']);
    } finally {
      await bare.close();
    }
    const bad = await send('--users', 'anyone', '--validity', '45d');
    expect(bad.code).toBe(2);
  }, 120_000);
});
