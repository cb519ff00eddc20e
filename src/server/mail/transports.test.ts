import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeMessage, type ComposeInput } from './compose';
import { startSmtpSink } from '../test-support/smtp-sink';
import { SmtpThread, smtpThreadFile } from './smtp-thread';
import { createFolderTransport, createSmtpTransport, emlFileName, SendError, STALE_MAIL_TEMP_MS, type MailTransport } from './transports';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', () => ok()));
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

/** A message with a non-ASCII name, an inline image and both parts: what a provisioning mail has. */
function sample(messageId: string): ComposeInput {
  return {
    from: { name: 'Gatepass', address: 'gp@example.org' },
    to: { name: 'Zoë Ørsted', address: 'zoe@example.org' },
    content: {
      subject: 'Set up your phone',
      html: '<p>Scan <img src="cid:qr@gatepass"></p>',
      text: 'Open the link',
      inline: [{ cid: 'qr@gatepass', filename: 'qr.png', contentType: 'image/png', content: new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 255]) }],
    },
    messageId,
    date: new Date('2030-01-02T03:04:05.000Z'),
    boundary: 'row-1',
  };
}

function sendSample(t: MailTransport, input: ComposeInput): Promise<string> {
  return t.send({ input, envelope: { from: 'gp@example.org', to: input.to.address }, createdAt: input.date.toISOString() });
}

describe('mail transports', () => {
  it.each([
    ['its own thread', true],
    ['the calling thread', false],
  ])('treats a relay that cannot be reached as transient, and says what happened (SMTP from %s)', async (_where, thread) => {
    const t = createSmtpTransport({ host: '127.0.0.1', port: await closedPort(), security: 'none', user: '' }, null, { thread });
    try {
      expect(t.description.includes('own thread')).toBe(thread);
      const err = await sendSample(t, sample('<a@b>')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SendError);
      expect((err as SendError).transient).toBe(true);
      expect((err as SendError).reply).toMatch(/ECONNREFUSED/);
    } finally {
      await t.close();
    }
  });

  it('sends the same bytes from its own thread as from the calling thread, and as the .eml file holds', async () => {
    const sink = await startSmtpSink();
    const threaded = createSmtpTransport({ host: '127.0.0.1', port: sink.port, security: 'none', user: '' }, null);
    const inline = createSmtpTransport({ host: '127.0.0.1', port: sink.port, security: 'none', user: '' }, null, { thread: false });
    try {
      expect(await sendSample(threaded, sample('<same@example.org>'))).toMatch(/^250 /);
      expect(await sendSample(inline, sample('<same@example.org>'))).toMatch(/^250 /);
      const [a, b] = sink.received;
      expect(a?.raw.equals(b!.raw)).toBe(true);
      expect(a?.raw.equals(await composeMessage(sample('<same@example.org>')))).toBe(true);
      expect(a?.raw.toString('latin1')).toMatch(/^To: =\?UTF-8\?/m);
    } finally {
      await threaded.close();
      await inline.close();
      await sink.close();
    }
  });

  it('gives back an idle thread and its relay connections, and starts another for the next message', async () => {
    const sink = await startSmtpSink();
    const t = createSmtpTransport({ host: '127.0.0.1', port: sink.port, security: 'none', user: '' }, null, { threadIdleMs: 300 });
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 250 && !what(); i++) await new Promise((r) => setTimeout(r, 20));
      return what();
    };
    try {
      expect(await sendSample(t, sample('<first@example.org>'))).toMatch(/^250 /);
      expect(sink.openConnections).toBe(1);
      // Idle: the thread closes its pool (QUIT) and ends.
      expect(await until(() => sink.openConnections === 0)).toBe(true);
      expect(await sendSample(t, sample('<second@example.org>'))).toMatch(/^250 /);
      expect(sink.received.map((r) => r.messageId)).toEqual(['<first@example.org>', '<second@example.org>']);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('sends from the calling thread once its own thread could not load, and says why in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepass-smtp-thread-'));
    const broken = join(dir, 'mail-worker.mjs');
    writeFileSync(broken, "throw new Error('cannot load\\nsecond line');\n");
    const sink = await startSmtpSink();
    const t = createSmtpTransport({ host: '127.0.0.1', port: sink.port, security: 'none', user: '' }, null, { threadFile: broken });
    try {
      expect(t.description).toContain('own thread');
      const err = await sendSample(t, sample('<first@example.org>')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SendError);
      expect((err as SendError).transient).toBe(true);
      expect((err as SendError).reply).toBe('the mail thread failed: cannot load second line');
      expect(t.description).not.toContain('own thread');
      expect(await sendSample(t, sample('<first@example.org>'))).toMatch(/^250 /);
      expect(sink.received.map((r) => r.messageId)).toEqual(['<first@example.org>']);
    } finally {
      await t.close();
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes a relay refusing a message through as permanent, with the relay reply', async () => {
    const sink = await startSmtpSink({ rcpt: (a) => (a.startsWith('zoe') ? { code: 550, text: '5.1.1 No such user here' } : null) });
    const t = createSmtpTransport({ host: '127.0.0.1', port: sink.port, security: 'none', user: '' }, null);
    try {
      const err = await sendSample(t, sample('<refused@example.org>')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SendError);
      expect((err as SendError).transient).toBe(false);
      expect((err as SendError).reply).toMatch(/550.*No such user here/);
    } finally {
      await t.close();
      await sink.close();
    }
  });

  it('ends a thread whose relay stopped answering at close, and fails its message as transient (tried again later)', async () => {
    // A relay that accepts the connection and never says a word.
    const sockets: Socket[] = [];
    const mute = createServer((s) => sockets.push(s));
    await new Promise<void>((ok) => mute.listen(0, '127.0.0.1', () => ok()));
    const address = mute.address();
    const code = smtpThreadFile();
    expect(code).not.toBeNull();
    const thread = SmtpThread.start({ smtp: { host: '127.0.0.1', port: typeof address === 'object' && address ? address.port : 0, security: 'none', user: '' }, password: null, maxConnections: 1 }, code!);
    try {
      const outcome = thread.send(sample('<hung@example.org>'), { from: 'gp@example.org', to: 'zoe@example.org' });
      while (sockets.length === 0) await new Promise((r) => setTimeout(r, 20));
      const t0 = Date.now();
      await thread.close(300);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(await outcome).toEqual({ ok: false, transient: true, reply: 'the mail thread was closed before the relay answered' });
      expect(thread.usable).toBe(false);
      expect(await thread.send(sample('<later@example.org>'), { from: 'gp@example.org', to: 'zoe@example.org' })).toMatchObject({ ok: false, transient: true });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => mute.close(() => ok()));
    }
  });

  it('removes the temporary files a killed server left in the mail folder, and leaves a write under way alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepass-mail-folder-'));
    try {
      const stale = '.20300102-030405-dead.eml.0123456789ab.tmp';
      const fresh = '.20300102-030405-busy.eml.ba9876543210.tmp';
      for (const [name, age] of [
        [stale, STALE_MAIL_TEMP_MS + 60_000],
        [fresh, 0],
      ] as const) {
        writeFileSync(join(dir, name), 'Message-ID: <half', { mode: 0o600 });
        const t = (Date.now() - age) / 1000;
        utimesSync(join(dir, name), t, t);
      }
      writeFileSync(join(dir, 'notes.tmp'), 'not ours');
      const t = createFolderTransport(dir);
      const input = sample('<3f1c9d0e-5b7a-4c2e-9f11-2d3c4b5a6978@example.org>');
      await sendSample(t, input);
      expect(readdirSync(dir).sort()).toEqual([fresh, emlFileName({ messageId: input.messageId, createdAt: input.date.toISOString() }), 'notes.tmp'].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names .eml files by queue time and Message-ID, so every attempt of a message writes the same file', () => {
    const m = { messageId: '<3f1c9d0e-5b7a-4c2e-9f11-2d3c4b5a6978@gp.example.org>', createdAt: '2030-01-02T03:04:05.678Z' };
    expect(emlFileName(m)).toBe('20300102-030405-3f1c9d0e-5b7a-4c2e-9f11-2d3c4b5a6978.eml');
    expect(emlFileName({ ...m, messageId: '<../../etc/passwd@x>' })).toBe('20300102-030405-.._.._etc_passwd.eml');
  });
});
