import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MailBatchReport } from '../../shared/model/mail';
import { qrPng } from '../qr/png';
import { eachBackend, useServer } from '../test-support/backends';
import { call, okBody } from '../test-support/client';
import { startSmtpSink, type SmtpSink } from '../test-support/smtp-sink';
import { testClock } from '../test-support/two-step';
import { composeStored } from './compose';
import { insertMail, prepareMail, type MailDraft, type PreparedMail } from './outbox';
import { loadMailSettings } from './settings';
import { QR_CONTENT_ID, renderProvisioningMail } from './templates';
import { zbarReadBytes } from '../../test-support/zbar';

const SMTP_USER = 'mailer';
const SMTP_PASSWORD = 'Relay-Pass-93xQ';
const HOSTILE = `<img src=x onerror=alert(1)> & "quotes"`;

const tmp = mkdtempSync(join(tmpdir(), 'gp-mail-sender-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What zbarimg (a real QR reader) reads from a PNG; '' when it finds no code. */
function zbar(png: Uint8Array): string {
  return zbarReadBytes(png) ?? '';
}

/** A provisioning-style message whose code is `code` (in the QR and the link). */
function provisioningDraft(i: number, code: string, over: Partial<MailDraft> = {}): MailDraft {
  const payload = JSON.stringify({ v: 1, s: 'https://gp.example.org', id: 'srv', l: `user${i}`, c: code });
  return {
    to: `user${i}@example.org`,
    toName: i === 0 ? HOSTILE : `User ${i}`,
    ref: `user-${i}`,
    content: renderProvisioningMail({
      displayName: i === 0 ? HOSTILE : `User ${i}`,
      login: `user${i}`,
      serverName: 'Gatepass test',
      qrPngBytes: qrPng(payload),
      qrUrl: `https://gp.example.org/userportal/getQRCode?text=${encodeURIComponent(payload)}`,
      link: `https://gp.example.org/provision?code=${code}`,
      validUntil: new Date(Date.now() + 24 * 3600_000),
    }),
    ...over,
  };
}

/** The test-only way in: what the provisioning module will do, through the same database. */
function useQueue(s: ReturnType<typeof useServer>) {
  async function queue(drafts: MailDraft[]): Promise<{ batchId: string; prepared: PreparedMail[] }> {
    const settings = await loadMailSettings(s.db());
    const prepared = prepareMail(settings, drafts);
    const batch = await s.db().transaction().execute((trx) => insertMail(trx, prepared, { kind: 'provisioning', createdBy: 'admin', now: new Date(), transport: settings.transport }));
    return { batchId: batch.batchId, prepared };
  }
  async function report(batchId: string): Promise<MailBatchReport> {
    return okBody(await call(s.url(), 'getMailBatch', { params: { id: batchId } }, s.admin()));
  }
  async function done(batchId: string, timeoutMs = 20_000): Promise<MailBatchReport> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await report(batchId);
      if (r.batch.done) return r;
      if (Date.now() > until) throw new Error(`batch not done: ${JSON.stringify(r.batch.counts)}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
  return { queue, report, done };
}

eachBackend('Sending mail over SMTP', (backend) => {
  let sink: SmtpSink;
  const logs: string[] = [];
  beforeAll(async () => {
    sink = await startSmtpSink({
      auth: { user: SMTP_USER, pass: SMTP_PASSWORD },
      rcpt: (to) => (to.startsWith('nouser') ? { code: 550, text: '5.1.1 No such user here' } : null),
      reply: ({ to, tries }) => {
        if (to.some((a) => a.startsWith('tempfail')) && tries <= 2) return { code: 451, text: '4.3.0 Try again later' };
        if (to.some((a) => a.startsWith('always451'))) return { code: 451, text: '4.7.1 Greylisted' };
        return null;
      },
    });
  });
  afterAll(async () => {
    await sink?.close();
  });
  const s = useServer(backend, () => ({
    mail: { smtpUrl: `smtp://${SMTP_USER}@127.0.0.1:${sink.port}?security=none`, smtpPassword: SMTP_PASSWORD, from: 'Gatepass <gatepass@gp.example.org>' },
    logger: (line) => logs.push(line),
  }));
  const { queue, report, done } = useQueue(s);

  it('delivers each message under the Message-ID fixed at queueing, byte for byte its .eml form, signed in to the relay', async () => {
    const codes = Array.from({ length: 12 }, (_, i) => `CODE${i}-${backend.name}-7fQ2xK9m`);
    const { batchId, prepared } = await queue(codes.map((c, i) => provisioningDraft(i, c)));
    const r = await done(batchId);
    expect(r.batch.counts).toEqual({ queued: 0, sending: 0, sent: 12, failed: 0 });
    expect(r.items.map((i) => i.ref)).toEqual(codes.map((_, i) => `user-${i}`));
    const created = new Map((await s.db().selectFrom('mail_outbox').select(['id', 'created_at']).where('batch_id', '=', batchId).execute()).map((r) => [r.id, r.created_at]));
    for (const p of prepared) {
      const got = sink.received.filter((m) => m.messageId === p.messageId);
      expect(got).toHaveLength(1);
      // Byte for byte what the folder transport writes for the same row (.eml and SMTP are one message).
      const eml = await composeStored({ id: p.id, messageId: p.messageId, createdAt: created.get(p.id)!, stored: p.stored });
      expect(got[0]!.raw.equals(eml)).toBe(true);
      expect(got[0]!.to).toEqual([p.to]);
      expect(got[0]!.from).toBe('gatepass@gp.example.org');
      expect(got[0]!.user).toBe(SMTP_USER);
    }
    expect(r.items.map((i) => i.messageId)).toEqual(prepared.map((p) => p.messageId));
    expect(r.items.every((i) => i.status === 'sent' && i.reason === 'sent (250 2.0.0 Ok: queued)' && i.attempts === 1)).toBe(true);
  });

  it('sends a message a mail reader shows as meant: escaped display name, and an inline QR image that decodes to the payload', async () => {
    const code = `CODE-INLINE-${backend.name}-x9`;
    const { batchId, prepared } = await queue([provisioningDraft(0, code, { to: 'inline@example.org' })]);
    await done(batchId);
    const raw = sink.received.find((m) => m.messageId === prepared[0]!.messageId)!.raw;
    const mail = await simpleParser(raw, { keepCidLinks: true });
    expect(mail.messageId).toBe(prepared[0]!.messageId);
    expect(mail.html).toContain('Hello &#60;img src=x onerror=alert(1)&#62; &#38; &#34;quotes&#34;,');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain(`src="cid:${QR_CONTENT_ID}"`);
    const png = mail.attachments.find((a) => a.cid === QR_CONTENT_ID);
    expect(JSON.parse(zbar(png!.content))).toMatchObject({ l: 'user0', c: code });
    expect(mail.text).toContain(`https://gp.example.org/provision?code=${code}`);
  });

  it('retries a 451 with exponential back-off, then delivers under the same Message-ID', async () => {
    const { batchId, prepared } = await queue([provisioningDraft(1, 'CODE-RETRY-1', { to: `tempfail.${backend.name}@example.org` })]);
    const r = await done(batchId);
    expect(r.items[0]).toMatchObject({ status: 'sent', attempts: 3, failure: null, lastError: null });
    const tries = sink.tries.get(prepared[0]!.messageId)!;
    expect(tries).toHaveLength(3);
    // Test timings: 100 ms after the first failure, 200 ms after the second (no jitter).
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(100);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(200);
    // Every attempt sent the same bytes: Message-ID, Date, boundaries and all.
    expect(tries[1]!.raw.equals(tries[0]!.raw) && tries[2]!.raw.equals(tries[0]!.raw)).toBe(true);
    expect(sink.received.filter((m) => m.messageId === prepared[0]!.messageId)).toHaveLength(1);
    expect(logs.some((l) => l.includes(`${prepared[0]!.messageId} to tempfail.${backend.name}@example.org: attempt 1 failed (451 4.3.0 Try again later)`))).toBe(true);
  });

  it('records a permanent 5xx with the server reply, does not try again, and keeps no body', async () => {
    const { batchId, prepared } = await queue([provisioningDraft(2, 'CODE-REJECT-2', { to: 'nouser@example.org' })]);
    const r = await done(batchId);
    expect(r.items[0]).toMatchObject({
      status: 'failed',
      failure: 'rejected',
      attempts: 1,
      lastError: '550 5.1.1 No such user here',
      reason: 'rejected by the mail server: 550 5.1.1 No such user here',
    });
    expect(sink.tries.has(prepared[0]!.messageId)).toBe(false);
    const row = await s.db().selectFrom('mail_outbox').select(['content', 'finished_at']).where('message_id', '=', prepared[0]!.messageId).executeTakeFirstOrThrow();
    expect(row.content).toBeNull();
    expect(row.finished_at).not.toBeNull();
  });

  it('gives up after the last attempt of a transient failure and says why', async () => {
    const { batchId, prepared } = await queue([provisioningDraft(3, 'CODE-GIVEUP-3', { to: 'always451@example.org' })]);
    const r = await done(batchId);
    expect(r.items[0]).toMatchObject({ status: 'failed', failure: 'retries_exhausted', attempts: 4, reason: 'gave up after 4 attempts: 451 4.7.1 Greylisted' });
    expect(sink.tries.get(prepared[0]!.messageId)).toHaveLength(4);
  });

  it('does not send a message after it expired', async () => {
    const { batchId, prepared } = await queue([provisioningDraft(4, 'CODE-EXPIRED-4', { expiresAt: new Date(Date.now() - 1000) })]);
    const r = await done(batchId);
    expect(r.items[0]).toMatchObject({ status: 'failed', failure: 'expired' });
    expect(r.items[0]!.reason).toMatch(/^not sent before it expired \(valid until /);
    expect(sink.tries.has(prepared[0]!.messageId)).toBe(false);
  });

  it('reports a wrong SMTP password as the relay says it, without the password anywhere', async () => {
    const wrong = 'Wrong-Pass-44zz';
    okBody(
      await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: SMTP_USER, password: wrong } } }, s.admin()),
    );
    try {
      const t = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'admin@example.org' } }, s.admin()));
      const r = await done(t.batch.id);
      expect(r.items[0]).toMatchObject({ status: 'failed', failure: 'rejected' });
      expect(r.items[0]!.lastError).toBe('sign-in to the relay failed: 535 5.7.8 Authentication credentials invalid');
      expect(sink.logins.some((l) => l.pass === wrong && !l.ok)).toBe(true);
      const csv = okBody(await call(s.url(), 'getMailBatchCsv', { params: { id: t.batch.id } }, s.admin())).csv;
      expect(JSON.stringify(r) + csv).not.toContain(wrong);
    } finally {
      okBody(
        await call(
          s.url(),
          'setMailSettings',
          { body: { transport: 'smtp', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: SMTP_USER, password: SMTP_PASSWORD } } },
          s.admin(),
        ),
      );
    }
  });

  it('refuses to go on without encryption when STARTTLS is required and the relay does not offer it', async () => {
    okBody(
      await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', smtp: { host: '127.0.0.1', port: sink.port, security: 'starttls', user: SMTP_USER, password: SMTP_PASSWORD } } }, s.admin()),
    );
    try {
      const before = sink.logins.length;
      const t = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'admin@example.org' } }, s.admin()));
      const r = await done(t.batch.id);
      expect(r.items[0]!.status).toBe('failed');
      expect(r.items[0]).toMatchObject({ failure: 'rejected', lastError: 'STARTTLS failed: 500 Error: command not recognized' });
      // The password never went over the plain connection.
      expect(sink.logins.length).toBe(before);
    } finally {
      okBody(
        await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: SMTP_USER, password: SMTP_PASSWORD } } }, s.admin()),
      );
    }
  });

  it('speaks TLS from the first byte with security "tls", and will not send to a server whose certificate it cannot verify', async () => {
    const tls = await startSmtpSink({ secure: true, auth: { user: SMTP_USER, pass: SMTP_PASSWORD } });
    try {
      okBody(await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', smtp: { host: '127.0.0.1', port: tls.port, security: 'tls', user: SMTP_USER, password: SMTP_PASSWORD } } }, s.admin()));
      const t = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'admin@example.org' } }, s.admin()));
      const r = await done(t.batch.id);
      // smtp-server's own certificate is self-signed: a transient failure each time, then given up.
      expect(r.items[0]).toMatchObject({ status: 'failed', failure: 'retries_exhausted', attempts: 4 });
      expect(r.items[0]!.lastError).toMatch(/certificate/i);
      expect(tls.logins).toEqual([]);
      expect(tls.received).toEqual([]);
    } finally {
      await tls.close();
      okBody(
        await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: SMTP_USER, password: SMTP_PASSWORD } } }, s.admin()),
      );
    }
  });

  it('writes no code and no SMTP password to the log, and keeps no message body once sent', async () => {
    const t = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'final@example.org' } }, s.admin()));
    await done(t.batch.id);
    expect(logs.length).toBeGreaterThan(3);
    const all = logs.join('\n');
    for (const secret of [SMTP_PASSWORD, 'Wrong-Pass-44zz', '7fQ2xK9m', 'CODE-INLINE', 'CODE-RETRY-1', 'CODE-REJECT-2', 'CODE-GIVEUP-3', 'CODE-EXPIRED-4']) {
      expect(all).not.toContain(secret);
    }
    expect(logs.some((l) => l.startsWith('Gatepass mail: sending through SMTP mailer@127.0.0.1:'))).toBe(true);
    const kept = await s.db().selectFrom('mail_outbox').select('content').where('content', 'is not', null).execute();
    expect(kept).toEqual([]);
    const audit = okBody(await call(s.url(), 'listAudit', { query: { action: 'mail.', limit: 50 } }, s.admin()));
    expect(JSON.stringify(audit)).not.toContain(SMTP_PASSWORD);
    expect(audit.items.some((e) => e.action === 'mail.settings_update' && e.actor === 'command line')).toBe(true);
    expect((await report(t.batch.id)).items[0]!.status).toBe('sent');
  });
});

eachBackend('Writing mail into a folder', (backend) => {
  const dir = join(tmp, `folder-${backend.name}`);
  const s = useServer(backend, { mail: { folder: dir, from: 'Gatepass <gatepass@gp.example.org>' } });
  const { queue, done } = useQueue(s);

  it('writes one RFC 5322 .eml file per message, named by its Message-ID, owner-only, that a mail reader parses', async () => {
    const { batchId, prepared } = await queue([0, 1, 2].map((i) => provisioningDraft(i, `CODE-FOLDER-${i}`)));
    const r = await done(batchId);
    expect(r.batch.counts.sent).toBe(3);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(3);
    for (const [i, p] of prepared.entries()) {
      const uuid = /^<([^@]+)@/.exec(p.messageId)![1]!;
      const name = files.find((f) => f.endsWith(`-${uuid}.eml`));
      expect(name, p.messageId).toMatch(/^\d{8}-\d{6}-[0-9a-f-]{36}\.eml$/);
      const path = join(dir, name!);
      if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
      const bytes = readFileSync(path);
      // RFC 5322 as it would go over SMTP: CRLF lines, 7-bit.
      expect(bytes.toString('latin1').split('\r\n').every((l) => !l.includes('\n') && l.length <= 998)).toBe(true);
      const mail = await simpleParser(bytes, { keepCidLinks: true });
      expect(mail.messageId).toBe(p.messageId);
      expect(mail.subject).toBe('Set up Gatepass on your phone for Gatepass test');
      const png = mail.attachments.find((a) => a.cid === QR_CONTENT_ID)!;
      expect(JSON.parse(zbar(png.content))).toMatchObject({ l: `user${i}`, c: `CODE-FOLDER-${i}` });
    }
    expect(r.items.every((i) => i.reason.startsWith('sent (written to '))).toBe(true);
  });

  it('writes the same file with the same bytes when a message is sent again (a crash before it was recorded), leaving no temporary file', async () => {
    const { batchId, prepared } = await queue([provisioningDraft(5, 'CODE-AGAIN-5')]);
    await done(batchId);
    const before = readdirSync(dir).sort();
    const uuid = /^<([^@]+)@/.exec(prepared[0]!.messageId)![1]!;
    const file = join(dir, before.find((f) => f.includes(uuid))!);
    const first = readFileSync(file);
    // As if the sender had died between writing the file and recording it: the row is queued again with its content.
    await s.db().updateTable('mail_outbox').set({ status: 'queued', content: prepared[0]!.stored, next_attempt_at: new Date(0).toISOString() }).where('id', '=', prepared[0]!.id).execute();
    const r = await done(batchId);
    expect(r.items[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readFileSync(file).equals(first)).toBe(true);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.eml'))).toEqual([]);
  });
});

eachBackend('A sender whose clock jumps past its leases', (backend) => {
  // The relay holds its 250 for a while, so a message is still in flight when the clock moves.
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ delayMs: 800 });
  });
  afterAll(async () => {
    await sink?.close();
  });
  const clock = testClock();
  const s = useServer(backend, () => ({ now: clock.now, mail: { smtpUrl: `smtp://127.0.0.1:${sink.port}?security=none`, from: 'Gatepass <gatepass@gp.example.org>' } }));

  it('does not claim again and re-send a message it is sending itself (a clock step, a stalled event loop)', async () => {
    const { messages } = await s.server().mail.queue([provisioningDraft(6, 'CODE-JUMP-6', { to: `jump.${backend.name}@example.org` })], { kind: 'provisioning', createdBy: 'admin' });
    const messageId = messages[0]!.messageId;
    // The relay has the whole message and is yet to answer: the clock steps far past the 2 s lease.
    for (const until = Date.now() + 10_000; !sink.tries.has(messageId); ) {
      if (Date.now() > until) throw new Error('the message never reached the relay');
      await new Promise((ok) => setTimeout(ok, 10));
    }
    clock.advance(10 * 60_000);
    await sink.waitForReceived(1);
    // Long enough for several polls and reclaims, and for a second delivery to arrive if one were made.
    await new Promise((ok) => setTimeout(ok, 1500));
    await s.server().mail.idle();
    expect(sink.tries.get(messageId)).toHaveLength(1);
    const row = await s.db().selectFrom('mail_outbox').select(['status', 'attempts']).where('message_id', '=', messageId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sent', attempts: 1 });
  });
});
