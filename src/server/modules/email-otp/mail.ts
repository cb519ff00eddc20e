import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import { groupedCode } from './codes';

/** A message's content: subject (never a secret: the outbox keeps it), HTML and plain text. */
export interface OtpMailContent {
  subject: string;
  html: string;
  text: string;
}

/** One one-time password message. Its content carries the password: queue it, never log it. */
export interface OtpMailDraft {
  to: string;
  toName: string;
  /** The password row's id: the outbox report gives it back. */
  ref: string;
  content: OtpMailContent;
  /** Not sent after this (the password has expired by then). */
  expiresAt: Date;
}

/**
 * Where one-time password mail goes: queued in the caller's transaction, so the row that makes
 * (or re-sends) a password and the message carrying it commit together or not at all, and "a
 * mail was sent" is decided by the database. `wake` runs after the commit.
 */
export interface OtpMailer {
  /** Queues the message inside `trx`; answers its Message-ID (for the audit). */
  queue(trx: Kysely<Database>, draft: OtpMailDraft, createdBy: string): Promise<{ messageId: string }>;
  /** Tells this process's sender to look for due messages now (after the commit). */
  wake(): void;
}

/** Escapes text for HTML content (OWASP XSS rule #1). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `2025-01-02 03:04 UTC`: one unambiguous form whatever the reader's locale. */
function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Control characters out of text that goes into a subject or the plain part. */
function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** What an OTP message says. */
export interface OtpMailInput {
  code: string;
  computerName: string;
  serverName: string;
  displayName: string;
  expiresAt: Date;
  emergency: boolean;
}

/**
 * The message carrying a one-time password: the password (grouped 4+4), the computer it works
 * on, when it expires, and what to do if the reader did not ask for it. The subject names the
 * computer, never the password.
 */
export function renderOtpMail(input: OtpMailInput): OtpMailContent {
  const code = groupedCode(input.code);
  const until = formatUtc(input.expiresAt);
  const who = input.displayName.trim();
  const kind = input.emergency ? 'an emergency access one-time password' : 'a one-time password';
  const subject = plain(`Your one-time password for ${input.computerName}${input.emergency ? ' (emergency access)' : ''}`);
  const text = [
    who ? `Hello ${plain(who)},` : 'Hello,',
    '',
    `You asked for ${kind} to sign in to the computer ${plain(input.computerName)} (Gatepass server ${plain(input.serverName)}).`,
    '',
    `    ${code}`,
    '',
    `It works once, only on ${plain(input.computerName)}, until ${until}.`,
    'If you did not ask for it, do not use it and tell your administrator.',
    '',
  ].join('\r\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1f2328">
<p>${who ? `Hello ${escapeHtml(who)},` : 'Hello,'}</p>
<p>You asked for ${kind} to sign in to the computer <b>${escapeHtml(input.computerName)}</b> (Gatepass server ${escapeHtml(input.serverName)}).</p>
<p style="font-size: 28px; letter-spacing: 4px; font-family: Consolas, monospace"><b>${escapeHtml(code)}</b></p>
<p>It works once, only on ${escapeHtml(input.computerName)}, until ${escapeHtml(until)}.</p>
<p>If you did not ask for it, do not use it and tell your administrator.</p>
</body>
</html>
`;
  return { subject, html, text };
}
