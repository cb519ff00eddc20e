import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { qrPng } from '../qr/png';
import { composeMessage, composeStored, encodeStored, newMessageId } from './compose';
import { escapeHtml, fillHtml, QR_CONTENT_ID, renderOtpMail, renderProvisioningMail, renderTestMail } from './templates';
import { zbarReadBytes } from '../../test-support/zbar';

const dir = mkdtempSync(join(tmpdir(), 'gp-mail-templates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What zbarimg (a real QR reader) reads from a PNG; '' when it finds no code. */
function zbar(png: Uint8Array): string {
  return zbarReadBytes(png) ?? '';
}

const HOSTILE = `<img src=x onerror=alert(1)> & "quotes"`;
const PAYLOAD = '{"v":1,"s":"https://gp.example.org","id":"srv-1","l":"anna.berg","c":"Zq8v2kP0wN7tY4rB1mX9sL3dH6fJ5gC"}';
const CODE = 'Zq8v2kP0wN7tY4rB1mX9sL3dH6fJ5gC';

function provisioning(over: Partial<Parameters<typeof renderProvisioningMail>[0]> = {}) {
  return renderProvisioningMail({
    displayName: HOSTILE,
    login: 'anna.berg',
    serverName: 'Plant <2> & "Depot"',
    qrPngBytes: qrPng(PAYLOAD),
    qrUrl: `https://gp.example.org/userportal/getQRCode?text=${encodeURIComponent(PAYLOAD)}&format=png`,
    link: `https://gp.example.org/provision?code=${CODE}&login=anna.berg`,
    validUntil: new Date('2030-05-06T07:08:09Z'),
    ...over,
  });
}

describe('mail templates', () => {
  it('escapes every field in the HTML part, so a display name cannot add markup', () => {
    const html = provisioning().html;
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('onerror=alert(1)>');
    expect(html).toContain('Hello &#60;img src=x onerror=alert(1)&#62; &#38; &#34;quotes&#34;,');
    expect(html).toContain('Plant &#60;2&#62; &#38; &#34;Depot&#34;');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('turns <img src=url4> into the embedded copy and other url4 into the QR image URL, quoted', () => {
    const m = provisioning();
    expect(m.html).toContain(`<img src="cid:${QR_CONTENT_ID}" alt="Gatepass provisioning QR code"`);
    // The URL's & is escaped inside the attribute, and the unquoted href=url4 got quotes.
    expect(m.html).toContain('<a href="https://gp.example.org/userportal/getQRCode?text=%7B%22v%22');
    expect(m.html).toContain('&#38;format=png">Open the QR code in your browser</a>');
    expect(m.html).not.toMatch(/\burl4\b/);
    expect(m.inline).toHaveLength(1);
    expect(m.inline?.[0]?.cid).toBe(QR_CONTENT_ID);
  });

  it('with qrImage "url" shows the hosted image and carries no attachment', () => {
    const m = provisioning({ qrImage: 'url' });
    expect(m.html).toContain('<img src="https://gp.example.org/userportal/getQRCode?text=');
    expect(m.html).not.toContain('cid:');
    expect(m.inline).toEqual([]);
  });

  it('never reads a field value as a token: a display name "url4 {{login}}" stays text', () => {
    const m = provisioning({ displayName: 'url4 {{login}}' });
    expect(m.html).toContain('Hello url4 {{login}},');
    expect(m.text).toContain('Hello url4 {{login}},');
  });

  it('writes a plain-text alternative with the provisioning link, the login and the validity in UTC', () => {
    const m = provisioning({ displayName: 'Anna\r\nBcc: x@evil.example' });
    expect(m.text).toContain(`https://gp.example.org/provision?code=${CODE}&login=anna.berg`);
    expect(m.text).toContain('Your login: anna.berg. The code works once, until 2030-05-06 07:08 UTC.');
    // Line breaks inside a field become spaces: a field cannot add lines.
    expect(m.text).toContain('Hello Anna Bcc: x@evil.example,');
    expect(m.subject).toBe('Set up Gatepass on your phone for Plant <2> & "Depot"');
  });

  it('refuses a script or data URL as the link and anything but http(s) as the QR image URL', () => {
    expect(() => provisioning({ link: 'javascript:alert(1)' })).toThrow(/provisioning link must be a web or app link/);
    expect(() => provisioning({ link: 'data:text/html,<b>x</b>' })).toThrow(/not data:/);
    expect(() => provisioning({ qrUrl: 'ftp://gp.example.org/qr' })).toThrow(/QR Code URL must be an http\(s\) URL/);
    expect(provisioning({ link: 'gatepass://provision?c=1' }).text).toContain('gatepass://provision?c=1');
  });

  it('quotes url4 in a custom template and leaves the rest of the markup alone', () => {
    const out = fillHtml('<IMG SRC=url4 alt="{{n}}"><a href=\'url4\'>x</a> see url4', { n: '"a"' }, 'https://q.example/?a=1&b=2', 'cid:c@x');
    expect(out).toBe(`<IMG SRC="cid:c@x" alt="&#34;a&#34;"><a href='https://q.example/?a=1&#38;b=2'>x</a> see https://q.example/?a=1&#38;b=2`);
  });

  it('builds the same MIME from the stored form every time, and a mail reader parses it back: Message-ID, HTML, text, and the inline QR decodes with zbarimg', async () => {
    const content = provisioning();
    const messageId = newMessageId('gp.example.org');
    const row = { id: '0b7e1f52-3c1d-4e6a-9a55-1f0e2d3c4b5a', messageId, createdAt: '2030-01-01T00:00:00.000Z' };
    // What the outbox stores, and the sender builds at each attempt: the same bytes every time.
    const stored = encodeStored({ name: 'Gatepass', address: 'gatepass@gp.example.org' }, { name: HOSTILE, address: 'anna@example.org' }, content);
    const raw = await composeStored({ ...row, stored });
    expect((await composeStored({ ...row, stored })).equals(raw)).toBe(true);
    const direct = await composeMessage({
      from: { name: 'Gatepass', address: 'gatepass@gp.example.org' },
      to: { name: HOSTILE, address: 'anna@example.org' },
      content,
      messageId,
      date: new Date(row.createdAt),
      boundary: row.id,
    });
    expect(direct.equals(raw)).toBe(true);
    expect(raw.toString('latin1')).toContain('\r\nDate: Tue, 01 Jan 2030 00:00:00 +0000\r\n');
    expect(messageId).toMatch(/^<[0-9a-f-]{36}@gp\.example\.org>$/);
    // 7-bit, CRLF lines of at most 998 octets (RFC 5322 §2.1.1), so any relay carries it unchanged.
    expect([...raw].every((b) => b < 128)).toBe(true);
    expect(raw.toString('latin1').split('\r\n').every((l) => l.length <= 998 && !l.includes('\n') && !l.includes('\r'))).toBe(true);
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe(messageId);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : null).toEqual({ name: HOSTILE, address: 'anna@example.org' });
    expect(mail.html).toContain('Hello &#60;img src=x onerror=alert(1)&#62;');
    expect(mail.text).toContain(`code=${CODE}`);
    const qr = mail.attachments.find((a) => a.cid === QR_CONTENT_ID);
    expect(qr?.contentType).toBe('image/png');
    expect(qr?.contentDisposition).toBe('inline');
    expect(zbar(qr!.content)).toBe(PAYLOAD);
  });

  it('writes the test message with who sent it and when', () => {
    const m = renderTestMail({ serverName: 'Plant <2>', sentBy: 'admin', at: new Date('2030-01-02T03:04:05Z') });
    expect(m.subject).toBe('Gatepass test message from Plant <2>');
    expect(m.html).toContain('Gatepass server Plant &#60;2&#62;, sent by admin at 2030-01-02 03:04 UTC.');
    expect(m.text).toContain('sent by admin at 2030-01-02 03:04 UTC.');
  });

  it('writes the one-time password message: the password, the computer, until when; never the password in the subject', () => {
    const input = { code: '0427 9913', displayName: '', login: 'a.berg', computerName: 'WS <01>', serverName: 'Plant 1', validUntil: new Date('2030-01-02T03:34:05Z') };
    const m = renderOtpMail({ ...input, emergency: false });
    expect(m.subject).toBe('Your one-time password for WS <01>');
    expect(m.text).toContain('Hello a.berg,');
    expect(m.text).toContain('    0427 9913\n');
    expect(m.text).toContain('It works once, only on WS <01>, until 2030-01-02 03:34 UTC.');
    expect(m.html).toContain('<b>0427 9913</b>');
    expect(m.html).toContain('computer <b>WS &#60;01&#62;</b>');
    expect(m.html).not.toContain('<01>');
    const e = renderOtpMail({ ...input, emergency: true });
    expect(e.subject).toBe('Your one-time password for WS <01> (emergency access)');
    expect(e.text).toContain('You asked for an emergency access one-time password');
  });
});
