import { randomUUID } from 'node:crypto';
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import type { SecretBox } from '../security/secret-box';

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
 * A message as the outbox keeps it until it is sent: everything the MIME is built from, so
 * building it again gives the same bytes (see {@link composeStored}). JSON in the row; the
 * inline images as base64. It may carry a secret: never log it.
 */
export interface StoredMessage {
  from: Mailbox;
  to: Mailbox;
  subject: string;
  html: string;
  text: string;
  inline: Array<{ cid: string; filename: string; contentType: string; base64: string }>;
}

const MailboxSchema = z.object({ name: z.string(), address: z.string() });
const StoredMessageSchema = z.object({
  from: MailboxSchema,
  to: MailboxSchema,
  subject: z.string(),
  html: z.string(),
  text: z.string(),
  inline: z.array(z.object({ cid: z.string(), filename: z.string(), contentType: z.string(), base64: z.string() })),
});

/** The stored form of a message (JSON text for the outbox row). */
export function encodeStored(from: Mailbox, to: Mailbox, content: MailContent): string {
  const stored: StoredMessage = {
    from,
    to,
    subject: oneLine(content.subject),
    html: content.html,
    text: content.text,
    inline: (content.inline ?? []).map((img) => ({
      cid: img.cid,
      filename: img.filename,
      contentType: img.contentType,
      base64: Buffer.from(img.content.buffer, img.content.byteOffset, img.content.byteLength).toString('base64'),
    })),
  };
  return JSON.stringify(stored);
}

/** Everything a message is built from, fixed when it was queued. */
export interface ComposeInput {
  from: Mailbox;
  to: Mailbox;
  content: MailContent;
  messageId: string;
  /** The Date header: when the message was queued. */
  date: Date;
  /** Seed of the multipart boundaries (the row id), so every build of a row is the same. */
  boundary: string;
}

/**
 * The message as nodemailer takes it, for MailComposer (the folder transport) and for
 * sendMail (the SMTP transport) alike: both build it with the same MailComposer, so an .eml
 * file and the SMTP delivery of a row are the same bytes (tested), and every attempt of a row
 * sends the same bytes: the Message-ID, the Date and the boundaries are fixed.
 */
export function mailOptions(i: ComposeInput): MailComposerOptions {
  return {
    from: i.from,
    to: i.to,
    subject: oneLine(i.content.subject),
    messageId: i.messageId,
    date: i.date,
    text: i.content.text,
    html: i.content.html,
    attachments: (i.content.inline ?? []).map((img) => ({
      cid: img.cid,
      filename: img.filename,
      contentType: img.contentType,
      contentDisposition: 'inline',
      content: Buffer.from(img.content.buffer, img.content.byteOffset, img.content.byteLength),
    })),
    // RFC 3834: an automatic message; out-of-office robots must not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
    baseBoundary: i.boundary.replace(/[^A-Za-z0-9]/g, '').slice(0, 32),
  };
}

/**
 * The whole RFC 5322 message (7-bit: every part base64 or quoted-printable), as an .eml file
 * holds it. MailComposer leaves a part's own line breaks as given (LF from our templates) and
 * SMTP turns them into CRLF on the wire; written as CRLF here (RFC 5322 §2.1), the file is the
 * bytes the SMTP server receives.
 */
export async function composeMessage(i: ComposeInput): Promise<Buffer> {
  const built = await new MailComposer(mailOptions(i)).compile().build();
  return Buffer.from(built.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/** The associated data that binds a sealed message to its outbox row (a copy on another row does not open). */
function sealContext(rowId: string): string {
  return `gatepass mail content ${rowId}`;
}

/**
 * The outbox row's `content`: the stored form sealed with the server's secret box when it has
 * one (the message may carry a provisioning code or a one-time password), else as it is.
 */
export function sealStored(box: SecretBox | null, rowId: string, stored: string): string {
  return box ? box.seal(Buffer.from(stored, 'utf8'), sealContext(rowId)) : stored;
}

/** Opens a row's `content` (sealed or not); throws when it cannot (another key, damaged, moved). */
export function openStored(box: SecretBox | null, rowId: string, content: string): string {
  if (content.startsWith('{')) return content;
  if (!box) throw new Error('sealed, and this server has no secret key');
  return box.open(content, sealContext(rowId)).toString('utf8');
}

/** What an outbox row's content and identity give: the input of {@link mailOptions}. Throws on a row it cannot read. */
export function decodeStored(row: { id: string; messageId: string; createdAt: string; stored: string }, box: SecretBox | null = null): ComposeInput {
  const m: StoredMessage = StoredMessageSchema.parse(JSON.parse(openStored(box, row.id, row.stored)));
  return {
    from: m.from,
    to: m.to,
    content: {
      subject: m.subject,
      html: m.html,
      text: m.text,
      // A copy of its own for each image: a small decoded Buffer is a view of Node's shared 8 KB
      // pool, and handing it to the SMTP thread would copy the whole pool.
      inline: m.inline.map((i) => ({ cid: i.cid, filename: i.filename, contentType: i.contentType, content: new Uint8Array(Buffer.from(i.base64, 'base64')) })),
    },
    messageId: row.messageId,
    date: new Date(row.createdAt),
    boundary: row.id,
  };
}

/** The .eml bytes of an outbox row. */
export function composeStored(row: { id: string; messageId: string; createdAt: string; stored: string }, box: SecretBox | null = null): Promise<Buffer> {
  return composeMessage(decodeStored(row, box));
}

/** A header value on one line: line breaks would start a new header (header injection). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t\0]+/g, ' ').trim();
}
