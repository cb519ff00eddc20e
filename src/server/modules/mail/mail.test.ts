import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../shared/csv';
import { eachBackend, postgres, TEST_SECRET_KEY, useServer } from '../../test-support/backends';
import { decodeStored } from '../../mail/compose';
import { createSecretBox, loadKeyFile, parseKeyList } from '../../security/secret-box';
import { call, okBody } from '../../test-support/client';

const PASSWORD = 'Relay-Secret-81kQ';

eachBackend('Mail settings and reports', (backend) => {
  const s = useServer(backend);
  const settings = () => call(s.url(), 'getMailSettings', {}, s.admin());
  const put = (body: unknown) => call(s.url(), 'setMailSettings', { body }, s.admin());

  describe('with no transport configured', () => {
    it('shows no transport, and queues a test message that the report calls not sent and why', async () => {
      expect(okBody(await settings())).toEqual({ transport: 'none', from: null, smtp: null, folder: null, updatedAt: null, updatedBy: null });
      const t = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'anna@example.org' } }, s.admin()));
      expect(t.batch).toMatchObject({ kind: 'test', createdBy: 'admin', total: 1, counts: { queued: 0, sending: 0, sent: 0, failed: 1 }, done: true });
      const r = okBody(await call(s.url(), 'getMailBatch', { params: { id: t.batch.id } }, s.admin()));
      expect(r.items).toEqual([
        expect.objectContaining({
          to: 'anna@example.org',
          status: 'failed',
          failure: 'no_transport',
          reason: 'not sent: no mail transport configured',
          messageId: t.messageId,
          attempts: 0,
        }),
      ]);
    });
  });

  describe('settings', () => {
    it('stores the SMTP server and says a password is set without ever returning it', async () => {
      const r = await put({ transport: 'smtp', from: 'Gatepass <gp@example.org>', smtp: { host: 'smtp.gatepass.invalid', security: 'starttls', user: 'alerts', password: PASSWORD } });
      expect(r.status).toBe(200);
      const view = okBody(await settings());
      expect(view).toMatchObject({
        transport: 'smtp',
        from: 'Gatepass <gp@example.org>',
        smtp: { host: 'smtp.gatepass.invalid', port: 587, security: 'starttls', user: 'alerts', passwordSet: true },
        updatedBy: 'admin',
      });
      expect(JSON.stringify(view) + JSON.stringify(r.body)).not.toContain(PASSWORD);
      // At rest: sealed with the server's secret box, in a row of its own.
      const rows = await s.db().selectFrom('settings').select(['key', 'value']).where('key', 'like', 'mail%').execute();
      expect(rows.map((x) => x.key).sort()).toEqual(['mail', 'mail_smtp_password']);
      expect(JSON.stringify(rows)).not.toContain(PASSWORD);
      expect(rows.find((x) => x.key === 'mail_smtp_password')?.value).toMatch(/^\{"sealed":"gp1\.[0-9a-f]{16}\./);
      const audit = okBody(await call(s.url(), 'listAudit', { query: { action: 'mail.settings_update' } }, s.admin()));
      expect(audit.items[0]).toMatchObject({ actor: 'admin', detail: 'transport=smtp from=Gatepass <gp@example.org> smtp=alerts@smtp.gatepass.invalid:587 security=starttls password=set' });
      expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    });

    it('keeps the password when only the port or protection changes, and asks for it when the host does', async () => {
      const kept = await put({ transport: 'smtp', smtp: { host: 'smtp.gatepass.invalid', port: 465, security: 'tls', user: 'alerts' } });
      expect(kept.ok && kept.body.smtp).toMatchObject({ port: 465, security: 'tls', passwordSet: true });
      const moved = await put({ transport: 'smtp', smtp: { host: 'mail.attacker.example', security: 'tls', user: 'alerts' } });
      expect(moved.status).toBe(400);
      expect(moved.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Enter the SMTP password: the stored one is only kept for the same server, user and protection' });
      expect(okBody(await settings()).smtp?.host).toBe('smtp.gatepass.invalid');
    });

    it('refuses a folder over the API, the folder transport without a folder, and bad input, each with VALIDATION_FAILED', async () => {
      for (const body of [
        { transport: 'folder', folder: '/etc/cron.d' },
        { transport: 'folder' },
        { transport: 'smtp', smtp: { host: 'bad host name', security: 'tls' } },
        { transport: 'smtp', smtp: { host: 'h', security: 'ssl' } },
        { transport: 'none', from: 'gp@example.org\r\nBcc: all@example.org' },
        { transport: 'carrier-pigeon' },
      ]) {
        const r = await put(body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.error?.code).toBe('VALIDATION_FAILED');
      }
      expect(okBody(await settings()).transport).toBe('smtp');
    });

    it('needs an administrator', async () => {
      expect((await call(s.url(), 'getMailSettings', {})).status).toBe(401);
      expect((await call(s.url(), 'sendTestMail', { body: { to: 'a@example.org' } })).status).toBe(401);
      expect((await call(s.url(), 'listMailBatches', {})).status).toBe(401);
    });
  });

  describe('reports', () => {
    it('lists batches newest first, pages a batch by status, and saves it as CSV', async () => {
      // The SMTP server of the settings above cannot exist (.invalid, RFC 2606): the messages wait in the queue.
      const a = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'first@example.org' } }, s.admin()));
      const b = okBody(await call(s.url(), 'sendTestMail', { body: { to: '=cmd@example.org' } }, s.admin()));
      const list = okBody(await call(s.url(), 'listMailBatches', { query: { kind: 'test', limit: 2 } }, s.admin()));
      expect(list.items.map((x) => x.id)).toEqual([b.batch.id, a.batch.id]);
      const failedOnly = okBody(await call(s.url(), 'getMailBatch', { params: { id: b.batch.id }, query: { status: 'sent' } }, s.admin()));
      expect(failedOnly).toMatchObject({ items: [], matching: 0 });
      const csv = okBody(await call(s.url(), 'getMailBatchCsv', { params: { id: b.batch.id } }, s.admin()));
      expect(csv.fileName).toMatch(new RegExp(`^mail-report-test-\\d{4}-\\d{2}-\\d{2}-${b.batch.id.slice(0, 8)}\\.csv$`));
      const records = parseCsv(csv.csv).map((r) => r.fields);
      expect(records[0]).toEqual(['ref', 'to', 'status', 'attempts', 'sent_at', 'failure', 'reason', 'message_id']);
      // A leading = is defused for spreadsheets (CSV injection).
      expect(records[1]?.[1]).toBe("'=cmd@example.org");
      expect(records[1]?.[7]).toBe(b.messageId);
      const audit = okBody(await call(s.url(), 'listAudit', { query: { action: 'mail.test', limit: 1 } }, s.admin()));
      expect(audit.items[0]).toMatchObject({ actor: 'admin', target: '=cmd@example.org', detail: `batch ${b.batch.id}` });
    });

    it('keeps a waiting message sealed with the secret key, bound to its row, never as text', async () => {
      const secret = `PROVCODE-${backend.name}-9QxZ`;
      const batch = await s.server().mail.queue([{ to: 'sealed@example.org', ref: 'u-1', content: { subject: 'Set up', html: `<p>${secret}</p>`, text: secret } }], {
        kind: 'provisioning',
        createdBy: 'admin',
      });
      const row = await s.db().selectFrom('mail_outbox').select(['id', 'status', 'content']).where('batch_id', '=', batch.batchId).executeTakeFirstOrThrow();
      // The relay of these settings cannot exist, so the message waits with its content.
      expect(row.status === 'queued' || row.status === 'sending').toBe(true);
      expect(row.content).toMatch(/^gp1\.[0-9a-f]{16}\./);
      expect(row.content).not.toContain(secret);
      // It opens with the server's key on its own row, and not when copied onto another.
      const box = createSecretBox(backend.name === 'PostgreSQL' ? parseKeyList(TEST_SECRET_KEY, 'the test key') : loadKeyFile(`${s.dbLocation()}.key`));
      const at = { messageId: '<x@example.org>', createdAt: new Date().toISOString(), stored: row.content! };
      expect(decodeStored({ id: row.id, ...at }, box).content.text).toBe(secret);
      expect(() => decodeStored({ id: 'another-row', ...at }, box)).toThrow();
    });

    it('answers NOT_FOUND for a batch that does not exist', async () => {
      for (const name of ['getMailBatch', 'getMailBatchCsv'] as const) {
        const r = await call(s.url(), name, { params: { id: 'no-such-batch' } }, s.admin());
        expect(r.status).toBe(404);
        expect(r.error?.code).toBe('NOT_FOUND');
      }
    });

    it('fails what is queued, with the reason, when the administrator turns mail off', async () => {
      const t = okBody(await call(s.url(), 'sendTestMail', { body: { to: 'waiting@example.org' } }, s.admin()));
      expect(okBody(await put({ transport: 'none' })).transport).toBe('none');
      const until = Date.now() + 10_000;
      let item = okBody(await call(s.url(), 'getMailBatch', { params: { id: t.batch.id } }, s.admin())).items[0];
      // A message the sender was trying at that moment finishes its attempt first.
      while (item?.status !== 'failed' && Date.now() < until) {
        await new Promise((ok) => setTimeout(ok, 50));
        item = okBody(await call(s.url(), 'getMailBatch', { params: { id: t.batch.id } }, s.admin())).items[0];
      }
      expect(item).toMatchObject({ status: 'failed', failure: 'no_transport', reason: 'not sent: no mail transport configured' });
      const row = await s.db().selectFrom('mail_outbox').select('content').where('message_id', '=', t.messageId).executeTakeFirstOrThrow();
      expect(row.content).toBeNull();
    });
  });
});

describe('Mail settings on PostgreSQL without a secret key', () => {
  const s = useServer(postgres, { noSecretKey: true });

  it('refuse to keep an SMTP password with SECRET_KEY_UNAVAILABLE, and take a relay that needs no sign-in', async () => {
    const refused = await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', from: 'gp@example.org', smtp: { host: 'smtp.gatepass.invalid', security: 'tls', user: 'u', password: PASSWORD } } }, s.admin());
    expect(refused.status).toBe(503);
    expect(refused.error?.code).toBe('SECRET_KEY_UNAVAILABLE');
    expect(refused.error?.message).toContain('set GATEPASS_SECRET_KEY');
    expect(okBody(await call(s.url(), 'getMailSettings', {}, s.admin())).transport).toBe('none');
    const open = okBody(await call(s.url(), 'setMailSettings', { body: { transport: 'smtp', from: 'gp@example.org', smtp: { host: 'smtp.gatepass.invalid', security: 'tls', user: '' } } }, s.admin()));
    expect(open.smtp).toMatchObject({ user: '', passwordSet: false });
  });
});
