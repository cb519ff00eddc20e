import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { composeMessage, mailOptions, type ComposeInput } from './compose';
import type { SmtpServerSettings, TransportConfig } from './settings';
import { SmtpThread, smtpThreadFile } from './smtp-thread';
import { removeStaleTempFiles } from '../stale-temp-files';
import { replyText } from './smtp-reply';

/**
 * The two ways a message leaves the server. Both build it with nodemailer's MailComposer from
 * the same options (compose.ts), so an .eml file and an SMTP delivery of one row are the same.
 */

/** One message as the sender hands it to a transport. */
export interface OutgoingMessage {
  /** What the message is built from (compose.ts). */
  input: ComposeInput;
  envelope: {
    /** MAIL FROM. */
    from: string;
    /** RCPT TO. */
    to: string;
  };
  /** When it was queued: part of the .eml file name, so every attempt writes the same file. */
  createdAt: string;
}

/** A failed attempt: whether trying again may help, and what the other side said. */
export class SendError extends Error {
  constructor(
    readonly transient: boolean,
    /** The SMTP reply (`451 4.3.0 Try again later`) or the connection error; never a secret. */
    readonly reply: string,
  ) {
    super(reply);
    this.name = 'SendError';
  }
}

/** Something that delivers messages; `send` resolves with the far side's answer or throws a {@link SendError}. */
export interface MailTransport {
  readonly kind: 'smtp' | 'folder';
  /** Messages it takes at once: the sender never has more than this in flight. */
  readonly concurrency: number;
  /** For the server log: where mail goes, never the password. */
  readonly description: string;
  send(m: OutgoingMessage): Promise<string>;
  /** Stops taking messages; a delivery still under way after `graceMs` (default 10 s) is abandoned (it fails as transient). */
  close(graceMs?: number): Promise<void>;
}

/** Pool and timeout settings; the benchmark and the tests use the same as production. */
export interface TransportOptions {
  /** SMTP connections kept open, and so the most messages in flight (default 5). */
  maxConnections?: number;
  /** SMTP from a thread of its own (smtp-thread.ts; the default) or from the calling thread (false). */
  thread?: boolean;
  /** The thread's code instead of the bundled one (tests: a file that cannot load). */
  threadFile?: string;
  /** A thread with nothing to send for this long is closed; the next message starts another (default {@link SMTP_THREAD_IDLE_MS}). */
  threadIdleMs?: number;
}

/**
 * An SMTP thread idle this long is closed: its memory (a V8 heap of its own) and its relay
 * connections are given back between sends, at the cost of starting a thread (~50 ms) and
 * connecting again for the next one.
 */
export const SMTP_THREAD_IDLE_MS = 60_000;

/** Connections nodemailer keeps open; also the bound on messages a crash can send twice. */
export const DEFAULT_MAX_CONNECTIONS = 5;

/** The nodemailer options of a pooled SMTP transport (exported so the benchmark's baseline uses exactly these). */
export function smtpPoolOptions(smtp: SmtpServerSettings, password: string | null, opts: TransportOptions = {}) {
  return {
    pool: true as const,
    maxConnections: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxMessages: 100,
    host: smtp.host,
    port: smtp.port,
    // tls: TLS from the first byte (RFC 8314). starttls: upgrade, and refuse a server that
    // does not offer STARTTLS rather than send a code or a password in the clear (RFC 3207).
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth: smtp.user ? { user: smtp.user, pass: password ?? '' } : undefined,
    tls: { minVersion: 'TLSv1.2' as const, servername: smtp.host },
    // A relay that stops answering must not hold a message (and its lease) for nodemailer's 10 minutes.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    // Messages are raw bytes: nothing may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  };
}

/**
 * Classifies what nodemailer threw. An SMTP reply 5xx is permanent (RFC 5321 §4.2.1: do not
 * repeat the same request); 4xx and anything without a reply (refused, timed out, TLS or
 * connection lost) is transient and worth another attempt.
 */
export function smtpFailure(err: unknown): SendError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown; command?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const response = typeof e.response === 'string' && e.response ? e.response : null;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const text = response ?? (typeof e.code === 'string' ? `${e.code}: ${message}` : message);
  // Say which step of the session failed when it is not the message itself (a bare "500 command
  // not recognized" does not tell that STARTTLS was refused). Only the verb: nodemailer's
  // command string for AUTH PLAIN carries the credentials.
  const verb = typeof e.command === 'string' ? /^(STARTTLS|EHLO|HELO|LHLO|AUTH|CONN)\b/.exec(e.command)?.[1] : undefined;
  const step = verb ? `${SESSION_STEP[verb] ?? verb}: ` : '';
  return new SendError(!(code !== null && code >= 500 && code < 600), replyText(step + text));
}

const SESSION_STEP: Record<string, string> = {
  STARTTLS: 'STARTTLS failed',
  AUTH: 'sign-in to the relay failed',
  EHLO: 'greeting refused',
  HELO: 'greeting refused',
  LHLO: 'greeting refused',
  CONN: 'connection failed',
};

/**
 * The pooled SMTP transport (nodemailer, pool: true). By default nodemailer runs in a thread of
 * its own (smtp-thread.ts), started at the first message and again after it stopped; where its
 * code is not found, or with `thread: false`, in the calling thread. Either way the same options,
 * the same MIME and the same classification of failures.
 */
export function createSmtpTransport(smtp: SmtpServerSettings, password: string | null, opts: TransportOptions = {}): MailTransport {
  const options = smtpPoolOptions(smtp, password, opts);
  const security = { starttls: 'STARTTLS required', tls: 'implicit TLS', none: 'no encryption' }[smtp.security];
  // Looked up once: where the thread's code is, or null to send from the calling thread.
  const threadCode = opts.thread === false ? null : opts.threadFile !== undefined ? { file: opts.threadFile, ts: false } : smtpThreadFile();
  let threaded = threadCode !== null;
  let thread: SmtpThread | null = null;
  let threadSends = 0;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let transporter: ReturnType<typeof nodemailer.createTransport> | null = null;
  const idleMs = opts.threadIdleMs ?? SMTP_THREAD_IDLE_MS;
  function closeWhenIdle(): void {
    if (threadSends > 0 || !thread) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      const idle = thread;
      thread = null;
      void idle?.close();
    }, idleMs);
    idleTimer.unref();
  }
  return {
    kind: 'smtp',
    concurrency: options.maxConnections,
    get description() {
      return `SMTP ${smtp.user ? `${smtp.user}@` : ''}${smtp.host}:${smtp.port} (${security}, pool of ${options.maxConnections}${threaded ? ', own thread' : ''})`;
    },
    async send(m) {
      const envelope = { from: m.envelope.from, to: m.envelope.to };
      if (threaded && threadCode) {
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = null;
        if (!thread?.usable) thread = SmtpThread.start({ smtp, password, maxConnections: options.maxConnections }, threadCode);
        const current = thread;
        threadSends++;
        try {
          const outcome = await current.send(m.input, envelope);
          // A thread that stopped before it ever answered could not load (a broken file, or a
          // packaging that cannot start it): later messages go from this thread instead of
          // failing the same way until their attempts run out. This one is tried again.
          if (!current.usable && !current.answered) threaded = false;
          if (!outcome.ok) throw new SendError(outcome.transient, outcome.reply);
          return outcome.reply;
        } finally {
          threadSends--;
          closeWhenIdle();
        }
      }
      try {
        transporter ??= nodemailer.createTransport(options);
        // nodemailer builds the MIME with the same MailComposer options as the folder transport.
        const info = await transporter.sendMail({ ...mailOptions(m.input), envelope: { from: envelope.from, to: [envelope.to] } });
        return replyText(info.response || '250 accepted');
      } catch (err) {
        throw smtpFailure(err);
      }
    },
    async close(graceMs) {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
      transporter?.close();
      await thread?.close(graceMs);
    },
  };
}

/** The .eml file name of a message: its queue time and the unique part of its Message-ID. */
export function emlFileName(m: { messageId: string; createdAt: string }): string {
  const stamp = m.createdAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const local = (/^<([^@>]+)@/.exec(m.messageId)?.[1] ?? m.messageId).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return `${stamp}-${local}.eml`;
}

/** A mail folder's temporary file older than this is a left-over of a killed server, not a write under way. */
export const STALE_MAIL_TEMP_MS = 10 * 60_000;

/**
 * Writes each message as an RFC 5322 .eml file into a folder, as Django's file e-mail backend
 * and mail pickup directories do. Atomic: a temporary file in the same folder, flushed, then
 * renamed, so a reader never sees half a message. Named by the Message-ID, so a second
 * attempt of the same row replaces its own file rather than adding one. Owner-only files:
 * a message may carry a provisioning code.
 */
export function createFolderTransport(dir: string, opts: TransportOptions = {}): MailTransport {
  let ready: Promise<void> | null = null;
  return {
    kind: 'folder',
    concurrency: opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    description: `folder ${dir}`,
    async send(m) {
      const name = emlFileName({ messageId: m.input.messageId, createdAt: m.createdAt });
      const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        ready ??= fs.mkdir(dir, { recursive: true, mode: 0o700 }).then(() => {
          // A server killed between writing and renaming left a hidden temporary file (it may
          // hold a code): removed once it is old enough not to be another process's write.
          removeStaleTempFiles(dir, (name) => /^\..+\.eml\.[0-9a-f]{12}\.tmp$/.test(name), STALE_MAIL_TEMP_MS);
        });
        await ready;
        const fh = await fs.open(tmp, 'wx', 0o600);
        try {
          await fh.writeFile(await composeMessage(m.input));
          await fh.sync();
        } finally {
          await fh.close();
        }
        await fs.rename(tmp, join(dir, name));
      } catch (err) {
        ready = null;
        await fs.rm(tmp, { force: true }).catch(() => {});
        // A full disk or a folder made read-only may be put right: worth another attempt.
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        throw new SendError(true, `cannot write ${name} into the mail folder: ${code}`);
      }
      return `written to ${name}`;
    },
    async close() {},
  };
}

/** The transport of a configuration, or null for none. */
export function createTransport(config: TransportConfig, opts: TransportOptions = {}): MailTransport | null {
  if (config.kind === 'smtp') return createSmtpTransport(config.smtp, config.password, opts);
  if (config.kind === 'folder') return createFolderTransport(config.path, opts);
  // 'none', and 'unavailable' (the password does not open here): no transport.
  return null;
}
