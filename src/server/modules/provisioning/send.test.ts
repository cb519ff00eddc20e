import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeProvisioningPayload, provisioningLink } from '../../../shared/provisioning-payload';
import { eachBackend, startTestServer, useServer } from '../../test-support/backends';
import { call, okBody } from '../../test-support/client';
import { zbarReadBytes } from '../../../test-support/zbar';
import { issueCode } from '../../test-support/provisioning';
import { startSmtpSink, type SmtpSink } from '../../test-support/smtp-sink';

eachBackend('Send provisioning email', (backend) => {
  const { url, admin, db } = useServer(backend, { name: 'Harbour <Gate>' });
  let sink: SmtpSink;
  const tag = backend.name.toLowerCase();

  beforeAll(async () => {
    sink = await startSmtpSink();
    okBody(
      await call(url(), 'setMailSettings', { body: { transport: 'smtp', from: 'Gatepass <gatepass@example.org>', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', user: '' } } }, admin()),
    );
  });
  afterAll(async () => {
    await sink?.close();
  });

  /** The message the sink received for an address, parsed as a mail reader would. */
  async function mailTo(address: string): Promise<ParsedMail> {
    for (let i = 0; i < 200; i++) {
      const m = sink.received.find((r) => r.to.includes(address));
      if (m) return simpleParser(m.raw, { keepCidLinks: true });
      await new Promise((ok) => setTimeout(ok, 50));
    }
    throw new Error(`no mail to ${address}`);
  }
  const user = async (login: string, extra: Record<string, unknown> = {}) => okBody(await call(url(), 'createUser', { body: { login, ...extra } }, admin()));

  it('queues one message per user with an address, its inline QR and its QR image URL decode to a payload that provisions once; per-user refusals', async () => {
    const anna = await user(`anna.${tag}`, { displayName: 'Anna <b>Berg</b>', email: `anna.${tag}@example.org` });
    const noMail = await user(`nomail.${tag}`);
    const barred = await user(`barred.${tag}`, { email: `barred.${tag}@example.org`, mobileAllowed: false });
    // The user without an address keeps the code they already have.
    const earlier = await issueCode(url(), admin(), noMail.id);

    const sent = okBody(await call(url(), 'sendProvisioningMail', { body: { userIds: [anna.id, noMail.id, barred.id, 'no-such-user'], validitySeconds: 7200 } }, admin()));
    expect(sent).toMatchObject({ queued: 1, refused: 3 });
    expect(sent.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'NO_EMAIL_ADDRESS', 'NOT_ENTITLED', 'NOT_FOUND']);
    const first = sent.results[0];
    if (!first?.ok) throw new Error('not queued');
    expect(first.to).toBe(`anna.${tag}@example.org`);
    expect((await call(url(), 'getUser', { params: { id: anna.id } }, admin())).body).toMatchObject({ provisioning: { state: 'pending' } });

    const mail = await mailTo(`anna.${tag}@example.org`);
    expect(mail.messageId).toBe(first.messageId);
    expect(mail.subject).toBe('Set up Gatepass on your phone for Harbour <Gate>');
    // Display names are escaped, the image is the copy carried inside, url4 elsewhere is the QR image URL.
    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(html).toContain('Hello Anna &#60;b&#62;Berg&#60;/b&#62;,');
    expect(html).toContain('<img src="cid:provisioning-qr@gatepass"');
    const inline = mail.attachments.find((a) => a.contentId === '<provisioning-qr@gatepass>' || a.cid === 'provisioning-qr@gatepass');
    if (!inline) throw new Error('no inline QR');
    const payload = zbarReadBytes(inline.content);
    if (!payload) throw new Error('the inline QR does not read');
    const p = decodeProvisioningPayload(payload);
    expect(p).toMatchObject({ server: url(), login: anna.login });
    const href = /<a href="([^"]+)">Open the QR code in your browser/.exec(html)?.[1]?.replace(/&#38;/g, '&');
    expect(href).toBe(`${url()}/userportal/getQRCode?text=${encodeURIComponent(payload)}`);
    // The hosted image, as a mail client that loads remote images shows it: the same payload.
    expect(zbarReadBytes(Buffer.from(await (await fetch(href!)).arrayBuffer()))).toBe(payload);
    expect(mail.text).toContain(provisioningLink(payload));
    expect(mail.text).toContain(`Your login: ${anna.login}.`);
    // The database keeps the code's hash and nothing of the message once sent.
    expect(JSON.stringify(await db().selectFrom('provision_codes').selectAll().execute())).not.toContain(p.code);
    expect(JSON.stringify(await db().selectFrom('audit_log').selectAll().execute())).not.toContain(p.code);

    // It provisions, once.
    const redeemed = await call(url(), 'redeemProvisioningCode', { body: { serverId: p.serverId, login: p.login, code: p.code, deviceName: 'From mail' } });
    expect(redeemed.ok).toBe(true);
    const again = await call(url(), 'redeemProvisioningCode', { body: { serverId: p.serverId, login: p.login, code: p.code } });
    expect(again.error?.code).toBe('INVALID_PROVISION_CODE');
    const e = decodeProvisioningPayload(earlier.payload);
    expect((await call(url(), 'redeemProvisioningCode', { body: { serverId: e.serverId, login: e.login, code: e.code } })).ok).toBe(true);

    // The per-user report: the batch, each message by user.
    const report = okBody(await call(url(), 'getMailBatch', { params: { id: sent.batchId! } }, admin()));
    expect(report.batch).toMatchObject({ kind: 'provisioning', total: 1, done: true, counts: { sent: 1 } });
    expect(report.items.map((i) => [i.ref, i.status])).toEqual([[anna.id, 'sent']]);
    const audit = okBody(await call(url(), 'listAudit', { query: { action: 'provision.send' } }, admin()));
    expect(audit.items[0]?.detail).toBe(`1 provisioning mail(s) queued (batch ${sent.batchId}), 3 user(s) refused; codes valid 2 hour(s)`);
  });

  it('with qrImage "url" the message carries the QR image URL only, no attachment', async () => {
    const u = await user(`url.${tag}`, { email: `url.${tag}@example.org` });
    okBody(await call(url(), 'sendProvisioningMail', { body: { userIds: [u.id], qrImage: 'url' } }, admin()));
    const mail = await mailTo(`url.${tag}@example.org`);
    expect(mail.attachments).toEqual([]);
    const src = /<img src="([^"]+)"/.exec(typeof mail.html === 'string' ? mail.html : '')?.[1]?.replace(/&#38;/g, '&');
    expect(src?.startsWith(`${url()}/userportal/getQRCode?text=`)).toBe(true);
    const payload = zbarReadBytes(Buffer.from(await (await fetch(src!)).arrayBuffer()));
    expect(decodeProvisioningPayload(payload ?? '').login).toBe(u.login);
  });

  it('previews the message one user would get, rendered by the same template with a sample code: nothing issued, queued or audited', async () => {
    const u = await user(`preview.${tag}`, { displayName: 'Pia <i>Review</i>', email: `preview.${tag}@example.org` });
    const batches = okBody(await call(url(), 'listMailBatches', { query: {} }, admin())).items.length;
    const audits = okBody(await call(url(), 'listAudit', { query: {} }, admin())).total;
    const p = okBody(await call(url(), 'previewProvisioningMail', { body: { userId: u.id, validitySeconds: 3600 } }, admin()));
    expect(p).toMatchObject({ from: 'Gatepass <gatepass@example.org>', to: `preview.${tag}@example.org`, toName: 'Pia <i>Review</i>', refusal: null });
    expect(p.subject).toBe('Set up Gatepass on your phone for Harbour <Gate>');
    expect(p.html).toContain('Hello Pia &#60;i&#62;Review&#60;/i&#62;,');
    expect(p.html).toContain('<img src="cid:provisioning-qr@gatepass"');
    expect(p.text).toContain(`Your login: preview.${tag}.`);
    expect(Date.parse(p.validUntil) - Date.now()).toBeGreaterThan(3500_000);
    const [qr] = p.inline;
    expect(qr).toMatchObject({ cid: 'provisioning-qr@gatepass', contentType: 'image/png' });
    const sample = decodeProvisioningPayload(zbarReadBytes(Buffer.from(qr!.contentBase64, 'base64')) ?? '');
    expect(sample).toMatchObject({ login: u.login, code: 'PREVIEW0NOT0A0REAL0CODE' });
    // The sample redeems nothing, and the preview changed nothing.
    expect((await call(url(), 'redeemProvisioningCode', { body: { serverId: sample.serverId, login: sample.login, code: sample.code } })).error?.code).toBe('INVALID_PROVISION_CODE');
    expect(okBody(await call(url(), 'getUser', { params: { id: u.id } }, admin())).provisioning.state).toBe('none');
    expect(okBody(await call(url(), 'listMailBatches', { query: {} }, admin())).items.length).toBe(batches);
    const after = okBody(await call(url(), 'listAudit', { query: {} }, admin()));
    // Only the failed redemption above was audited.
    expect(after.total).toBe(audits + 1);
    expect(after.items[0]?.action).toBe('provision.redeem_failed');

    // Who would get nothing, and why; an unknown user is NOT_FOUND.
    const none = await user(`preview-none.${tag}`);
    expect(okBody(await call(url(), 'previewProvisioningMail', { body: { userId: none.id } }, admin()))).toMatchObject({ to: null, refusal: { code: 'NO_EMAIL_ADDRESS' } });
    const barred = await user(`preview-barred.${tag}`, { email: `pb.${tag}@example.org`, mobileAllowed: false });
    expect(okBody(await call(url(), 'previewProvisioningMail', { body: { userId: barred.id } }, admin())).refusal?.code).toBe('NOT_ENTITLED');
    expect((await call(url(), 'previewProvisioningMail', { body: { userId: 'no-such-user' } }, admin())).error?.code).toBe('NOT_FOUND');
  });

  it('refuses the whole request when the server has no mail transport, and issues nothing', async () => {
    const bare = await startTestServer(await backend.freshDb());
    try {
      const token = await bare.issueAdminToken();
      const u = okBody(await call(bare.url, 'createUser', { body: { login: 'm.none', email: 'm.none@example.org' } }, token));
      const r = await call(bare.url, 'sendProvisioningMail', { body: { userIds: [u.id] } }, token);
      expect([r.status, r.error?.code]).toEqual([409, 'MAIL_NOT_CONFIGURED']);
      expect(okBody(await call(bare.url, 'getUser', { params: { id: u.id } }, token)).provisioning.state).toBe('none');
    } finally {
      await bare.close();
    }
  });
});
