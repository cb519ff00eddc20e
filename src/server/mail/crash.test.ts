import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { spawnCli } from '../../cli/test-support/run-cli';
import { openDatabase, type DbHandle } from '../db/connect';
import { qrPng } from '../qr/png';
import { eachBackend, TEST_SECRET_KEY } from '../test-support/backends';
import { startSmtpSink, type SmtpSink } from '../test-support/smtp-sink';
import { insertMail, prepareMail, type MailDraft } from './outbox';
import { loadMailSettings } from './settings';
import { renderProvisioningMail } from './templates';
import { DEFAULT_MAX_CONNECTIONS } from './transports';

/**
 * The real `gatepass server` process, killed with SIGKILL in the middle of sending 1,000
 * messages and started again on the same database: every message must arrive, and only
 * those in flight at the kill (at most the pool size) may arrive twice, with the same
 * Message-ID. Slow by nature: the killed process's claims are taken over when their lease
 * (20 s) runs out.
 */

const MESSAGES = 1000;
const SMTP_PASSWORD = 'Crash-Relay-Pw-55';
const secretOf = (i: number) => `CRASHCODE${i}x7Qm`;

interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function startCliServer(db: string, smtpPort: number): Promise<ServerProcess> {
  const child = spawnCli(
    ['server', '--db', db, '--port', '0', '--smtp-url', `smtp://mailer@127.0.0.1:${smtpPort}?security=none`, '--mail-from', 'Gatepass <gatepass@gp.example.org>'],
    // The SMTP password is sealed with the secret key: both starts (and any replica) need the same one.
    { ...process.env, GATEPASS_SMTP_PASSWORD: SMTP_PASSWORD, GATEPASS_ADMIN_PASSWORD: 'Crash-Harbour-Pw-2048', GATEPASS_SECRET_KEY: TEST_SECRET_KEY },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start: ${out}`)), 30_000);
    const check = () => {
      if (/listening on http/.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        ok({ child, output: () => out, exited });
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => fail(new Error(`server exited with ${code}: ${out}`)));
  });
}

function drafts(): MailDraft[] {
  return Array.from({ length: MESSAGES }, (_, i) => {
    const payload = JSON.stringify({ v: 1, s: 'https://gp.example.org', id: 'srv', l: `user${i}`, c: secretOf(i) });
    return {
      to: `user${i}@example.org`,
      ref: `user-${i}`,
      content: renderProvisioningMail({
        displayName: `User ${i}`,
        login: `user${i}`,
        serverName: 'Crash test',
        qrPngBytes: qrPng(payload),
        qrUrl: `https://gp.example.org/userportal/getQRCode?text=${encodeURIComponent(payload)}`,
        link: `https://gp.example.org/provision?code=${secretOf(i)}`,
        validUntil: new Date(Date.now() + 3600_000),
      }),
    };
  });
}

eachBackend('A server killed while sending', (backend) => {
  let sink: SmtpSink;
  const processes: ServerProcess[] = [];
  const handles: DbHandle[] = [];
  beforeAll(async () => {
    // A relay that takes a few ms a message, so the kill lands in the middle of the run.
    sink = await startSmtpSink({ auth: { user: 'mailer', pass: SMTP_PASSWORD }, delayMs: 4 });
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
    for (const h of handles.splice(0)) await h.close();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it(
    'loses no message and repeats at most the pool size, a repeat under the Message-ID it was queued with',
    async () => {
      const db = await backend.freshDb();
      const first = await startCliServer(db, sink.port);
      processes.push(first);
      const h = openDatabase(db);
      handles.push(h);
      // The test's way in, as the provisioning module will queue: composed, then N rows in one transaction.
      const settings = await loadMailSettings(h.db);
      expect(settings.transport).toBe('smtp');
      const prepared = prepareMail(settings, drafts());
      await h.db.transaction().execute((trx) => insertMail(trx, prepared, { kind: 'provisioning', createdBy: 'admin', now: new Date(), transport: settings.transport }));

      await sink.waitForReceived(MESSAGES / 4, 60_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const atKill = sink.received.length;
      expect(atKill).toBeLessThan(MESSAGES);

      const second = await startCliServer(db, sink.port);
      processes.push(second);
      const expected = new Set(prepared.map((p) => p.messageId));
      const deadline = Date.now() + 90_000;
      for (;;) {
        const distinct = new Set(sink.received.map((m) => m.messageId));
        if (distinct.size >= MESSAGES) break;
        if (Date.now() > deadline) {
          const states = await h.db.selectFrom('mail_outbox').select(['status', 'claimed_by', 'claimed_until', (eb) => eb.fn.countAll().as('n')]).groupBy(['status', 'claimed_by', 'claimed_until']).execute();
          throw new Error(`${distinct.size} of ${MESSAGES} arrived at ${new Date().toISOString()}; rows: ${JSON.stringify(states)}; server said: ${JSON.stringify(second.output())}`);
        }
        await new Promise((ok) => setTimeout(ok, 200));
      }
      // Let the second server record its last sends before the rows are read.
      const settle = Date.now() + 10_000;
      while (Date.now() < settle) {
        const left = await h.db.selectFrom('mail_outbox').select('id').where('status', '!=', 'sent').execute();
        if (left.length === 0) break;
        await new Promise((ok) => setTimeout(ok, 100));
      }

      const ids = sink.received.map((m) => m.messageId);
      const distinct = new Set(ids);
      expect(distinct.size).toBe(MESSAGES);
      expect([...distinct].every((id) => id !== null && expected.has(id))).toBe(true);
      const repeats = ids.length - distinct.size;
      expect(repeats).toBeLessThanOrEqual(DEFAULT_MAX_CONNECTIONS);

      const rows = await h.db.selectFrom('mail_outbox').select(['status', 'attempts', 'content', 'claimed_by']).execute();
      expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
      expect(rows.filter((r) => r.content !== null)).toEqual([]);
      // The killed server's claims were taken over by the second one.
      expect(rows.some((r) => Number(r.attempts) >= 2)).toBe(true);
      expect(new Set(rows.map((r) => r.claimed_by)).size).toBe(2);

      for (const out of [first.output(), second.output()]) {
        expect(out).not.toContain(SMTP_PASSWORD);
        expect(out).not.toMatch(/CRASHCODE\d+x7Qm/);
      }
      console.log(`${backend.name}: killed after ${atKill} delivered; ${repeats} repeated (pool size ${DEFAULT_MAX_CONNECTIONS})`);
    },
    180_000,
  );
});
