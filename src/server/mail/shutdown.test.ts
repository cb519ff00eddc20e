import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../db/connect';
import { startServer } from '../index';
import { startSmtpSink } from '../test-support/smtp-sink';

const tmp = mkdtempSync(join(tmpdir(), 'gp-mail-shutdown-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FROM = 'Gatepass <gp@example.org>';
const FAST_RETRY = { maxAttempts: 5, baseMs: 100, maxMs: 200, jitter: 0 };
const draft = { to: 'zoe@example.org', toName: 'Zoë', ref: 'zoe', content: { subject: 'Your code', html: '<p>code</p>', text: 'code' } };

it('stops within its grace while the relay hangs, loses nothing, and the message goes out after the restart', async () => {
  const db = join(tmp, 'shutdown.sqlite');
  // A relay that takes the connection and never says a word.
  const sockets: Socket[] = [];
  const mute = createServer((sock) => sockets.push(sock));
  await new Promise<void>((ok) => mute.listen(0, '127.0.0.1', () => ok()));
  const mutePort = (mute.address() as { port: number }).port;
  const first = await startServer(
    { db, port: 0, adminPassword: 'Shutdown-Harbour-2048', mail: { smtpUrl: `smtp://127.0.0.1:${mutePort}?security=none`, from: FROM } },
    // A short retry delay: the abandoned attempt counts as a transient failure, tried again soon.
    { hashCost: 'test', mail: { stopGraceMs: 500, leaseMs: 1000, retry: FAST_RETRY } },
  );
  const { messages } = await first.mail.queue([draft], { kind: 'provisioning', createdBy: 'admin' });
  for (const until = Date.now() + 10_000; sockets.length === 0; ) {
    if (Date.now() > until) throw new Error('the message never reached the relay');
    await new Promise((ok) => setTimeout(ok, 20));
  }
  const t0 = Date.now();
  await first.close();
  // The grace (0.5 s) once, not again for the SMTP thread (10 s by default).
  expect(Date.now() - t0).toBeLessThan(3000);
  for (const s of sockets) s.destroy();
  await new Promise<void>((ok) => mute.close(() => ok()));

  const h = openDatabase(db);
  const row = await h.db.selectFrom('mail_outbox').select(['status']).where('message_id', '=', messages[0]!.messageId).executeTakeFirstOrThrow();
  await h.close();
  expect(['queued', 'sending']).toContain(row.status);

  const sink = await startSmtpSink();
  const second = await startServer(
    { db, port: 0, adminPassword: 'Shutdown-Harbour-2048', mail: { smtpUrl: `smtp://127.0.0.1:${sink.port}?security=none`, from: FROM } },
    { hashCost: 'test', mail: { leaseMs: 1000, retry: FAST_RETRY } },
  );
  try {
    await sink.waitForReceived(1, 15_000);
    expect(sink.received.map((r) => r.messageId)).toEqual([messages[0]!.messageId]);
  } finally {
    await second.close();
    await sink.close();
  }
});
