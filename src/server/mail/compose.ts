import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

/** An image the HTML shows as `cid:<cid>`, carried in the message (multipart/related). */
export interface InlineImage {
  /** Content-ID without angle brackets, e.g. `qr-code@gatepass`. */
  cid: string;
  filename: string;
  contentType: string;
  content: Uint8Array;
}

/** What a message says: the templates' output, before it is addressed. */
export interface MailContent {
  /** One line; a subject is kept in the outbox report, so it must never carry a secret. */
  subject: string;
  html: string;
  /** The plain-text alternative (multipart/alternative). */
  text: string;
  inline?: readonly InlineImage[];
}

/** A mailbox: an address and, optionally, the name shown with it. */
export interface Mailbox {
  name: string;
  address: string;
}

/** A new Message-ID, `<uuid@host>` (RFC 5322 §3.6.4): fixed when the message is queued. */
export function newMessageId(host: string): string {
  return `<${randomUUID()}@${host}>`;
}

/**
 * The whole RFC 5322 message (CRLF line ends, 7-bit: every part base64 or quoted-printable),
 * built once by nodemailer's MailComposer. The outbox stores these bytes and both transports
 * send them as they are, so an .eml file and an SMTP delivery of one row are identical, and a
 * second attempt sends exactly what the first did, Message-ID and Date included.
 */
export async function composeMessage(opts: { from: Mailbox; to: Mailbox; content: MailContent; messageId: string; date: Date }): Promise<Buffer> {
  const composer = new MailComposer({
    from: opts.from,
    to: opts.to,
    subject: oneLine(opts.content.subject),
    messageId: opts.messageId,
    date: opts.date,
    text: opts.content.text,
    html: opts.content.html,
    attachments: (opts.content.inline ?? []).map((img) => ({
      cid: img.cid,
      filename: img.filename,
      contentType: img.contentType,
      contentDisposition: 'inline',
      content: Buffer.from(img.content.buffer, img.content.byteOffset, img.content.byteLength),
    })),
    // RFC 3834: an automatic message; out-of-office robots must not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  const built = await composer.compile().build();
  // MailComposer leaves a part's own line breaks as given (LF from our templates); SMTP turns
  // them into CRLF on the wire. Written as CRLF here (RFC 5322 §2.1), the .eml file and the
  // SMTP delivery are the same bytes, and a retry sends exactly what is stored.
  return Buffer.from(built.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/** A header value on one line: line breaks would start a new header (header injection). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t\0]+/g, ' ').trim();
}
