import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSmtpTransport, emlFileName, SendError } from './transports';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', () => ok()));
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

describe('mail transports', () => {
  it('treats a relay that cannot be reached as transient, and says what happened', async () => {
    const t = createSmtpTransport({ host: '127.0.0.1', port: await closedPort(), security: 'none', user: '' }, null);
    try {
      const input = { from: { name: '', address: 'gp@example.org' }, to: { name: '', address: 'x@example.org' }, content: { subject: 'x', html: '<p>x</p>', text: 'x' }, messageId: '<a@b>', date: new Date(), boundary: 'b' };
      const err = await t.send({ input, envelope: { from: 'gp@example.org', to: 'x@example.org' }, createdAt: new Date().toISOString() }).then(
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

  it('names .eml files by queue time and Message-ID, so every attempt of a message writes the same file', () => {
    const m = { messageId: '<3f1c9d0e-5b7a-4c2e-9f11-2d3c4b5a6978@gp.example.org>', createdAt: '2030-01-02T03:04:05.678Z' };
    expect(emlFileName(m)).toBe('20300102-030405-3f1c9d0e-5b7a-4c2e-9f11-2d3c4b5a6978.eml');
    expect(emlFileName({ ...m, messageId: '<../../etc/passwd@x>' })).toBe('20300102-030405-.._.._etc_passwd.eml');
  });
});
