import { GatepassError } from '../../shared/errors';
import { oneLine, type MailContent } from './compose';

/**
 * The messages the server writes: a template per kind, with `{{name}}` fields and Swivel's
 * `url4` token for the QR image (docs/mail.md, "Templates"). Every field is HTML-escaped in
 * the HTML part; the template itself is ours (or an administrator's), never a user's.
 */

/** A message template: subject line, HTML part and plain-text part. */
export interface MailTemplate {
  subject: string;
  html: string;
  text: string;
}

/** The Content-ID of the embedded QR code: `<img src="cid:provisioning-qr@gatepass">`. */
export const QR_CONTENT_ID = 'provisioning-qr@gatepass';

/**
 * The default provisioning message. `<img src=url4>` is the reference's convention: with the
 * QR embedded (the default) it shows the copy carried in the message; the link further down
 * still opens the hosted image (the server's "QR Code URL") for clients that show neither.
 */
export const PROVISIONING_TEMPLATE: MailTemplate = {
  subject: 'Set up Gatepass on your phone for {{serverName}}',
  html: `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Set up Gatepass on your phone</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1f2328; line-height: 1.45">
<p>Hello {{displayName}},</p>
<p>Scan this code with the Gatepass app on your phone to set the phone up as your authenticator for {{serverName}}:</p>
<p><img src=url4 alt="Gatepass provisioning QR code" width="260" height="260" style="image-rendering: pixelated"></p>
<p>Reading this on the phone itself? <a href="{{link}}">Set up Gatepass from this link</a>.</p>
<p>No code above? <a href=url4>Open the QR code in your browser</a>.</p>
<p>Your login: <strong>{{login}}</strong>. The code works once, until {{validUntil}}.</p>
<p style="color: #59636e">If you did not expect this message, tell your administrator and do not use the code.</p>
</body>
</html>
`,
  text: `Hello {{displayName}},

Set up the Gatepass app on your phone as your authenticator for {{serverName}}.

On the phone, open this link:
{{link}}

Or scan the QR code at:
url4

Your login: {{login}}. The code works once, until {{validUntil}}.

If you did not expect this message, tell your administrator and do not use the code.
`,
};

/** The test message of the mail settings ("Send test message"). */
export const TEST_TEMPLATE: MailTemplate = {
  subject: 'Gatepass test message from {{serverName}}',
  html: `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Gatepass test message</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1f2328">
<p>This is a test message from the Gatepass server {{serverName}}, sent by {{sentBy}} at {{at}}.</p>
<p>It arrived, so the server's mail settings work.</p>
</body>
</html>
`,
  text: `This is a test message from the Gatepass server {{serverName}}, sent by {{sentBy}} at {{at}}.

It arrived, so the server's mail settings work.
`,
};

/** Escapes text for HTML content and quoted attribute values (OWASP XSS rule #1 and #2). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text for the plain part or a subject: control characters (other than the template's own line ends) become spaces. */
function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

type Fields = Readonly<Record<string, string>>;

function field(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined) throw new GatepassError('INTERNAL', `The mail template uses {{${name}}}, which this message does not have`);
  return value;
}

/**
 * The HTML part: `{{name}}` becomes the escaped field, `url4` the escaped QR image URL, and
 * inside an `<img>` tag `url4` becomes `imgUrl4` (the embedded copy). One pass over the
 * template, so a field's value is never read as a token (a display name "url4" stays text).
 * An unquoted attribute gets quotes: the URL carries `=` and `&`.
 */
export function fillHtml(template: string, fields: Fields, url4: string, imgUrl4: string): string {
  const inTag = (tag: string, value: string) => tag.replace(/(=\s*)?\burl4\b|\{\{(\w+)\}\}/g, (_m, eq: string | undefined, name: string | undefined) => token(eq, name, value));
  const token = (eq: string | undefined, name: string | undefined, value: string) => {
    if (name !== undefined) return escapeHtml(field(fields, name));
    return eq !== undefined ? `${eq}"${escapeHtml(value)}"` : escapeHtml(value);
  };
  // The tag name in any case; the token only as written (url4).
  return template.replace(/<[Ii][Mm][Gg]\b[^>]*>|(=\s*)?\burl4\b|\{\{(\w+)\}\}/g, (m, eq: string | undefined, name: string | undefined) =>
    m.startsWith('<') ? inTag(m, imgUrl4) : token(eq, name, url4),
  );
}

/** The plain-text part or the subject: fields and `url4` as text, in one pass. */
export function fillText(template: string, fields: Fields, url4: string): string {
  return template.replace(/\burl4\b|\{\{(\w+)\}\}/g, (_m, name: string | undefined) => (name !== undefined ? plain(field(fields, name)) : url4));
}

/** Refuses a URL a mail must not carry: anything but http(s) for an image, script or data URLs for a link. */
function checkUrl(value: string, what: string, httpOnly: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GatepassError('VALIDATION_FAILED', `The ${what} is not an absolute URL`);
  }
  const scheme = url.protocol.toLowerCase();
  const ok = httpOnly ? scheme === 'http:' || scheme === 'https:' : !['javascript:', 'data:', 'vbscript:', 'file:'].includes(scheme);
  if (!ok) throw new GatepassError('VALIDATION_FAILED', `The ${what} must be ${httpOnly ? 'an http(s) URL' : 'a web or app link'}, not ${scheme}`);
  return value;
}

/** `2025-01-02 03:04 UTC`: one unambiguous form whatever the reader's locale. */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What a provisioning message says. */
export interface ProvisioningMailInput {
  displayName: string;
  login: string;
  serverName: string;
  /** The QR code of the provisioning payload, as a PNG (src/server/qr/png.ts). */
  qrPngBytes: Uint8Array;
  /** The hosted QR image, `<QR Code URL><payload>`: what `url4` expands to. */
  qrUrl: string;
  /** The provisioning link the phone opens (the plain-text part carries it). */
  link: string;
  validUntil: Date;
  /** 'inline' (default): `<img src=url4>` shows the copy carried in the message; 'url': the hosted image only. */
  qrImage?: 'inline' | 'url';
  template?: MailTemplate;
}

/**
 * The provisioning message for one user: subject, HTML (with the QR embedded as a cid: image
 * by default, because many mail clients block remote images), plain text with the link.
 * The content carries the provisioning code (in the QR and the link): queue it, never log it.
 */
export function renderProvisioningMail(input: ProvisioningMailInput): MailContent {
  const t = input.template ?? PROVISIONING_TEMPLATE;
  const qrUrl = checkUrl(input.qrUrl, 'QR Code URL', true);
  const link = checkUrl(input.link, 'provisioning link', false);
  const fields: Fields = {
    displayName: input.displayName.trim() || input.login,
    login: input.login,
    serverName: input.serverName,
    link,
    validUntil: formatUtc(input.validUntil),
  };
  const inline = (input.qrImage ?? 'inline') === 'inline';
  return {
    subject: oneLine(fillText(t.subject, fields, qrUrl)),
    html: fillHtml(t.html, fields, qrUrl, inline ? `cid:${QR_CONTENT_ID}` : qrUrl),
    text: fillText(t.text, fields, qrUrl),
    inline: inline ? [{ cid: QR_CONTENT_ID, filename: 'gatepass-qr.png', contentType: 'image/png', content: input.qrPngBytes }] : [],
  };
}

/** The test message: who asked for it, from which server, when. */
export function renderTestMail(input: { serverName: string; sentBy: string; at: Date }): MailContent {
  const fields: Fields = { serverName: input.serverName, sentBy: input.sentBy, at: formatUtc(input.at) };
  return {
    subject: oneLine(fillText(TEST_TEMPLATE.subject, fields, '')),
    html: fillHtml(TEST_TEMPLATE.html, fields, '', ''),
    text: fillText(TEST_TEMPLATE.text, fields, ''),
  };
}

/**
 * The one-time password message (docs/email-otp.md): the password, the computer it works on,
 * until when, and what to do when the reader did not ask for it. The subject names the
 * computer, never the password (the outbox keeps subjects for its report).
 */
export const OTP_TEMPLATE: MailTemplate = {
  subject: 'Your one-time password for {{computerName}}{{emergencyNote}}',
  html: `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Your one-time password</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1f2328; line-height: 1.45">
<p>Hello {{displayName}},</p>
<p>You asked for {{kind}} to sign in to the computer <b>{{computerName}}</b> (Gatepass server {{serverName}}):</p>
<p style="font-size: 28px; letter-spacing: 4px; font-family: Consolas, 'Courier New', monospace"><b>{{code}}</b></p>
<p>It works once, only on {{computerName}}, until {{validUntil}}.</p>
<p>If you did not ask for it, do not use it and tell your administrator.</p>
</body>
</html>
`,
  text: `Hello {{displayName}},

You asked for {{kind}} to sign in to the computer {{computerName}} (Gatepass server {{serverName}}):

    {{code}}

It works once, only on {{computerName}}, until {{validUntil}}.
If you did not ask for it, do not use it and tell your administrator.
`,
};

/** What a one-time password message says. */
export interface OtpMailInput {
  /** The password as the reader should see it (`1234 5678`). */
  code: string;
  displayName: string;
  login: string;
  computerName: string;
  serverName: string;
  validUntil: Date;
  /** Asked for with "I need emergency access to this computer". */
  emergency: boolean;
}

/** The message carrying a one-time password to its user. It carries the password: queue it, never log it. */
export function renderOtpMail(input: OtpMailInput): MailContent {
  const fields: Fields = {
    code: input.code,
    displayName: input.displayName.trim() || input.login,
    computerName: input.computerName,
    serverName: input.serverName,
    validUntil: formatUtc(input.validUntil),
    kind: input.emergency ? 'an emergency access one-time password' : 'a one-time password',
    emergencyNote: input.emergency ? ' (emergency access)' : '',
  };
  return {
    subject: oneLine(fillText(OTP_TEMPLATE.subject, fields, '')),
    html: fillHtml(OTP_TEMPLATE.html, fields, '', ''),
    text: fillText(OTP_TEMPLATE.text, fields, ''),
  };
}
