import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';

/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives: the tests read
 * the MIME that arrived, not what we meant to send. A `reply` hook answers a message with an
 * SMTP error instead (451 for the first tries, 550 for one address, ...).
 */

/** One message as the sink received it. */
export interface ReceivedMail {
  /** The bytes after DATA (dot-unstuffed): exactly the message the client sent. */
  raw: Buffer;
  messageId: string | null;
  from: string;
  to: string[];
  /** The AUTH user of the session, or null. */
  user: string | null;
  at: number;
}

/** An SMTP error reply: code and text (`451`, `4.3.0 Try again later`). */
export interface SinkReply {
  code: number;
  text: string;
}

export interface SinkOptions {
  /** Require AUTH with these credentials (over the plain connection: loopback only). */
  auth?: { user: string; pass: string };
  /** Offer STARTTLS (smtp-server's built-in self-signed certificate). */
  starttls?: boolean;
  /** TLS from the first byte (implicit TLS, as on port 465), with that same certificate. */
  secure?: boolean;
  /** Hold the 250 reply this long after the whole message arrived (a slow relay). */
  delayMs?: number;
  /** Answer at RCPT TO instead of accepting the address. */
  rcpt?: (address: string) => SinkReply | null;
  /** Answer after DATA instead of 250; `tries` counts this Message-ID's deliveries so far, this one included. */
  reply?: (mail: { messageId: string | null; tries: number; to: string[] }) => SinkReply | null;
}

export interface SmtpSink {
  port: number;
  /** Every message accepted with 250, in order. */
  readonly received: ReceivedMail[];
  /** Every DATA the sink read, accepted or answered with an error, by Message-ID: when, and the bytes. */
  readonly tries: Map<string, Array<{ at: number; raw: Buffer }>>;
  /** AUTH attempts: user and password as the client sent them. */
  readonly logins: Array<{ user: string; pass: string; ok: boolean }>;
  /** Client connections open now. */
  readonly openConnections: number;
  /** Resolves once `n` messages were accepted (rejects after `timeoutMs`). */
  waitForReceived(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function smtpError(r: SinkReply): Error {
  return Object.assign(new Error(r.text), { responseCode: r.code });
}

/** Starts the sink on 127.0.0.1 and a free port. */
export async function startSmtpSink(opts: SinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const tries = new Map<string, Array<{ at: number; raw: Buffer }>>();
  const logins: SmtpSink['logins'] = [];
  let waiters: Array<{ n: number; done: () => void }> = [];
  let open = 0;
  const server = new SMTPServer({
    logger: false,
    onConnect(_session, cb) {
      open++;
      cb();
    },
    onClose() {
      open--;
    },
    secure: opts.secure ?? false,
    disabledCommands: opts.starttls ? [] : ['STARTTLS'],
    authOptional: !opts.auth,
    // Loopback test server: AUTH over the plain connection, so no test needs a certificate.
    allowInsecureAuth: true,
    size: 10 * 1024 * 1024,
    // Closing waits for clients to leave; a killed server's pool leaves at once, a live one is closed first.
    closeTimeout: 2000,
    onAuth(auth: SMTPServerAuthentication, _s: SMTPServerSession, cb) {
      const user = auth.username ?? '';
      const pass = auth.password ?? '';
      const ok = !!opts.auth && user === opts.auth.user && pass === opts.auth.pass;
      logins.push({ user, pass, ok });
      if (!ok) return cb(smtpError({ code: 535, text: '5.7.8 Authentication credentials invalid' }));
      cb(null, { user });
    },
    onRcptTo(address, _s, cb) {
      const r = opts.rcpt?.(address.address) ?? null;
      if (r) return cb(smtpError(r));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const head = raw.subarray(0, Math.min(raw.length, 8192)).toString('latin1');
        const messageId = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? null;
        const key = messageId ?? '(none)';
        const list = tries.get(key) ?? [];
        list.push({ at: Date.now(), raw });
        tries.set(key, list);
        const r = opts.reply?.({ messageId, tries: list.length, to: session.envelope.rcptTo.map((a) => a.address) }) ?? null;
        const finish = () => {
          if (r) return cb(smtpError(r));
          // Recorded when the whole message is in, as a real relay would deliver it: a client
          // that dies before reading the 250 has still had it delivered.
          received.push({
            raw,
            messageId,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((a) => a.address),
            user: typeof session.user === 'string' ? session.user : null,
            at: Date.now(),
          });
          const ready = waiters.filter((w) => received.length >= w.n);
          waiters = waiters.filter((w) => received.length < w.n);
          for (const w of ready) w.done();
          cb(null, '2.0.0 Ok: queued');
        };
        if (r || !opts.delayMs) finish();
        else setTimeout(finish, opts.delayMs);
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    received,
    tries,
    logins,
    get openConnections() {
      return open;
    },
    waitForReceived(n, timeoutMs = 30_000) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`SMTP sink: ${received.length} of ${n} messages after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          done: () => {
            clearTimeout(timer);
            done();
          },
        });
      });
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
