import { describe, expect, it } from 'vitest';
import { recoveryCodesText } from '../../shared/recovery-codes';
import { attr, escapeHtml, flag, html } from './html';
import { codePage, signInPage } from './views/sign-in';
import { enrolPage, groupSecret, homePage, recoveryCodesPage, recoveryFileName } from './views/two-step';
import type { Frame } from './views/layout';

const XSS = '<script>alert(1)</script>';
const frame = (user: Frame['user'] = null): Frame => ({ serverName: 'Plant <2> & "North"', csrf: 'tok-123', user });

describe('escaping', () => {
  it('turns the five HTML characters into entities', () => {
    expect(escapeHtml(`${XSS} & "quotes" 'single'`)).toBe('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;single&#39;');
  });

  it('escapes every value put into a template, in text and in quoted attributes', () => {
    const out = html`<p title="${'" onmouseover="x'}">${XSS}</p>`.value;
    expect(out).toBe('<p title="&quot; onmouseover=&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('keeps markup made by a template as it is (no double escaping), in lists too', () => {
    const items = ['a&b', '<b>'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>a&amp;b</li><li>&lt;b&gt;</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.value).toBe('0');
  });

  it('writes attributes only when they have a value', () => {
    expect(html`<input${attr('value', '')}${attr('maxlength', 6)}${attr('aria-describedby', 'a"b')}${flag('autofocus', true)}${flag('required', false)}>`.value).toBe(
      '<input maxlength="6" aria-describedby="a&quot;b" autofocus>',
    );
  });
});

describe('pages', () => {
  it('show a display name, a login and the server name as text, never as markup', () => {
    const page = homePage(frame({ login: 'x"y', displayName: XSS }), {
      enabled: false, enrolledAt: null, lastUsedAt: null, driftSteps: 0, failedAttempts: 0, nextTryAt: null, locked: false,
      recoveryCodesLeft: 0, enrolmentPendingUntil: null, devices: 0, kind: 'user', login: 'x"y', scope: 'full', mandatory: false, graceEndsAt: null,
    }).value;
    expect(page).not.toContain('<script>');
    expect(page).toContain('Signed in as &lt;script&gt;alert(1)&lt;/script&gt; (x&quot;y)');
    expect(page).toContain('<title>Your account · Plant &lt;2&gt; &amp; &quot;North&quot;</title>');
  });

  it('begin with a skip link to the main landmark, and load only the portal stylesheet', () => {
    const page = signInPage(frame()).value;
    const firstLink = /<a [^>]*>/.exec(page)?.[0];
    expect(firstLink).toBe('<a class="skip-link" href="#main">');
    expect(page).toContain('<main id="main" tabindex="-1">');
    expect(page).toMatch(/<link rel="stylesheet" href="\/portal\/assets\/portal-[0-9a-f]{12}\.css">/);
    expect(page).not.toMatch(/<script|\sstyle=/);
  });

  it('tie an error to its field: announced (role=alert), describing the input, which is marked invalid and focused', () => {
    const page = signInPage(frame(), { login: 'ann', error: 'The login or password is wrong.' }).value;
    expect(page).toContain('<p class="error" id="password-error" role="alert">The login or password is wrong.</p>');
    const input = /<input type="password"[^>]*>/.exec(page)?.[0] ?? '';
    expect(input).toContain('aria-describedby="password-error"');
    expect(input).toContain('aria-invalid="true"');
    expect(input).toContain('autofocus');
    expect(/<input type="text" id="login"[^>]*>/.exec(page)?.[0]).not.toContain('autofocus');
    expect(page).toContain('<label for="login">Login</label>');
    expect(page).toContain('<label for="password">Password</label>');
  });

  it('mark code fields for one-time codes and a numeric keyboard, with their hint', () => {
    const page = codePage(frame()).value;
    const input = /<input type="text" id="code"[^>]*>/.exec(page)?.[0] ?? '';
    expect(input).toContain('autocomplete="one-time-code"');
    expect(input).toContain('inputmode="numeric"');
    expect(input).toContain('aria-describedby="code-hint"');
    expect(page).toContain('<input type="hidden" name="_csrf" value="tok-123">');
  });

  it('show the enrolment QR code as an image with alt text and the key in groups of four', () => {
    expect(groupSecret('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')).toBe('ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567');
    const page = enrolPage(frame({ login: 'ann', displayName: 'Ann' }), {
      otpauthUri: 'otpauth://totp/x', secret: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', qrSvg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
      issuer: 'Plant', accountName: 'ann', algorithm: 'SHA1', digits: 6, period: 30, expiresAt: '2026-12-06T12:48:00.000Z',
    }).value;
    const img = /<img class="qr" src="data:image\/svg\+xml;base64,([^"]+)" alt="([^"]+)"/.exec(page);
    expect(Buffer.from(img?.[1] ?? '', 'base64').toString('utf8')).toBe('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    expect(img?.[2]).toBe('QR code for your authenticator app. If you cannot scan it, type the key shown in step 2.');
    expect(page).toContain('<p class="secret" id="secret">ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567</p>');
    expect(page).toContain('Confirm before 2026-12-06 12:48 UTC, or start again.');
  });

  it('offer the recovery codes as a .txt data: link holding exactly the shared file text', () => {
    const codes = ['AAAA-BBBB-CCCC-DDDD', 'EEEE-FFFF-GGGG-HHHH'];
    const fileText = recoveryCodesText({ serverName: 'Plant', login: 'ann', codes, generatedAt: '2026-12-06T12:00:00.000Z' });
    const page = recoveryCodesPage(frame({ login: 'ann', displayName: 'Ann' }), { codes, fileText, login: 'ann', why: 'enrolled' }).value;
    const link = /<a class="button" href="data:text\/plain;charset=utf-8;base64,([^"]+)" download="([^"]+)">Download as \.txt<\/a>/.exec(page);
    expect(Buffer.from(link?.[1] ?? '', 'base64').toString('utf8')).toBe(fileText);
    expect(link?.[2]).toBe('gatepass-recovery-codes-ann.txt');
    expect(page).toContain('<li>AAAA-BBBB-CCCC-DDDD</li>');
  });

  it('name the download safely whatever the login', () => {
    expect(recoveryFileName('../a b"c<d>')).toBe('gatepass-recovery-codes-.._a_b_c_d_.txt');
  });
});
