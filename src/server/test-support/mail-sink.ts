import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed by
 * mailparser: tests read the one-time password from the message that arrived, as a user
 * reads it from their mailbox.
 */

/** One message as it arrived. */
export interface SinkMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
  at: number;
}

export interface MailSink {
  port: number;
  readonly received: SinkMail[];
  /** Resolves with the `n`th message (1-based) to `address` once it has arrived. */
  waitFor(address: string, n?: number, timeoutMs?: number): Promise<SinkMail>;
  /** Messages to `address` so far, oldest first. */
  to(address: string): SinkMail[];
  close(): Promise<void>;
}

/** The one-time password a message carries (`1234 5678` in its text). */
export function otpFromMail(mail: SinkMail): string {
  const m = /\b(\d{4}) (\d{4})\b/.exec(mail.text);
  if (!m) throw new Error(`No one-time password in the message "${mail.subject}"`);
  return `${m[1]}${m[2]}`;
}

/** Starts the sink on 127.0.0.1 and a free port. */
export async function startMailSink(): Promise<MailSink> {
  const received: SinkMail[] = [];
  let waiters: Array<() => void> = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    closeTimeout: 1000,
    onData(stream, session, cb) {
      const rcpt = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      simpleParser(stream).then(
        (parsed) => {
          received.push({
            to: rcpt,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? null,
            at: Date.now(),
          });
          const ready = waiters;
          waiters = [];
          for (const w of ready) w();
          cb();
        },
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const to = (addr: string) => received.filter((m) => m.to.includes(addr.toLowerCase()));
  return {
    port,
    received,
    to,
    waitFor(addr, n = 1, timeoutMs = 10_000) {
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`No message #${n} to ${addr} within ${timeoutMs} ms (got ${to(addr).length})`)), timeoutMs);
        const check = () => {
          const mine = to(addr);
          if (mine.length >= n) {
            clearTimeout(timer);
            ok(mine[n - 1]!);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
