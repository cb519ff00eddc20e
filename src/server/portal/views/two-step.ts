import type { z } from 'zod';
import type { AccountTwoStepSchema, EnrolmentStartSchema } from '../../../shared/api/totp';
import { RECOVERY_CODE_COUNT } from '../../../shared/recovery-codes';
import { html, type SafeHtml } from '../html';
import { codeField, field } from './fields';
import { csrfField, instant, instantText, notice, page, type Frame } from './layout';

type AccountTwoStep = z.output<typeof AccountTwoStepSchema>;
type EnrolmentStart = z.output<typeof EnrolmentStartSchema>;

/** When few recovery codes are left, the account page says so. */
const FEW_CODES = 2;

function driftText(steps: number): string {
  const s = steps * 30;
  if (s === 0) return 'none';
  return `${s > 0 ? '+' : '−'}${Math.abs(s)} seconds (your app's clock is ${s > 0 ? 'ahead' : 'behind'}; found by a resync)`;
}

/** The account page: the user's two-step verification and what they can do about it. */
export function homePage(frame: Frame, state: AccountTwoStep, opts: { notice?: string | null } = {}): SafeHtml {
  const pending = state.enrolmentPendingUntil
    ? html`<div class="warning"><p>You started setting up an authenticator app. <a href="/portal/enrol">Finish the setup</a> before ${instant(state.enrolmentPendingUntil)}.</p></div>`
    : null;
  const body = state.enabled
    ? html`<dl class="state">
<dt>Status</dt><dd>On: you sign in with your password and a code from your authenticator app</dd>
<dt>Set up</dt><dd>${instant(state.enrolledAt)}</dd>
<dt>Last code accepted</dt><dd>${instant(state.lastUsedAt)}</dd>
<dt>Recovery codes left</dt><dd>${state.recoveryCodesLeft} of ${RECOVERY_CODE_COUNT}</dd>
<dt>Clock drift</dt><dd>${driftText(state.driftSteps)}</dd>
</dl>
${state.recoveryCodesLeft <= FEW_CODES ? html`<div class="warning"><p>${state.recoveryCodesLeft === 0 ? 'You have no recovery codes left.' : `Only ${state.recoveryCodesLeft} recovery ${state.recoveryCodesLeft === 1 ? 'code is' : 'codes are'} left.`} <a href="/portal/recovery-codes">Get new recovery codes</a> so you can still sign in if you lose your phone.</p></div>` : null}
${state.locked ? html`<div class="warning"><p>There were 100 wrong codes in a row: codes are not accepted until your administrator lets this account try again.</p></div>` : null}
${!state.locked && state.nextTryAt ? html`<div class="warning"><p>After several wrong codes, the next code can be tried from ${instant(state.nextTryAt)}.</p></div>` : null}
<h2>Manage</h2>
<ul>
<li><a href="/portal/recovery-codes">Get new recovery codes</a> (the old ones stop working)</li>
<li><a href="/portal/resync">Resync your authenticator app</a> (when right codes are refused)</li>
<li><a href="/portal/enrol">Set up a new authenticator app</a> (a new phone)</li>
</ul>`
    : html`<dl class="state"><dt>Status</dt><dd>Off: you sign in with your password alone</dd></dl>
${state.mandatory ? html`<div class="warning"><p>This server requires two-step verification. Set it up now, or you will not be able to sign in.</p></div>` : null}
<p>With two-step verification, signing in also needs a code from an authenticator app on your phone, so your password alone is not enough for someone else.</p>
<p><a class="button" href="/portal/enrol">Set up two-step verification</a></p>`;
  return page(
    frame,
    'Your account',
    html`<div class="panel">
<h1>Your account</h1>
${notice(opts.notice ?? null)}
${pending}
<h2>Two-step verification</h2>
${body}
<h2>Your phone</h2>
<p>The Gatepass app on your phone can sign you in and give your codes. <a href="/portal/phone">Set up the Gatepass app on your phone</a></p>
</div>`,
  );
}

/** Before an enrolment is started: what it is, and the button that starts it (a POST: it makes a secret). */
export function enrolIntroPage(frame: Frame, state: AccountTwoStep, opts: { error?: string | null } = {}): SafeHtml {
  const enrolmentOnly = state.scope === 'enrolment';
  return page(
    frame,
    'Set up two-step verification',
    html`<div class="panel">
<h1>Set up two-step verification</h1>
${opts.error ? html`<div class="alert" role="alert"><p>${opts.error}</p></div>` : null}
${enrolmentOnly ? html`<div class="warning"><p>This server requires two-step verification. Set it up now to continue${state.graceEndsAt ? html`; you can sign in with your password alone to do this until ${instant(state.graceEndsAt)}` : null}.</p></div>` : null}
${state.enabled ? html`<p>You already use an authenticator app. A new one replaces it once you confirm it with a code, and you get new recovery codes.</p>` : null}
<ol class="steps">
<li>Install an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator or FreeOTP.</li>
<li>Start the setup: this page then shows a QR code to scan with the app, and a key you can type instead.</li>
<li>Enter the code the app shows, to confirm.</li>
</ol>
<form method="post" action="/portal/enrol/start">
${csrfField(frame)}
<div class="actions"><button type="submit">Start setup</button>${enrolmentOnly ? null : html`<a href="/portal/">Back to your account</a>`}</div>
</form>
</div>`,
  );
}

/** The secret as people type it: groups of four (`ABCD EFGH ...`). */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

/**
 * A started enrolment: the QR code (the server's SVG as a data: image, which the CSP allows
 * and which needs no further request), the key as text for typing in, and the code to confirm.
 */
export function enrolPage(frame: Frame, enrolment: EnrolmentStart, opts: { error?: string | null } = {}): SafeHtml {
  const qr = `data:image/svg+xml;base64,${Buffer.from(enrolment.qrSvg, 'utf8').toString('base64')}`;
  return page(
    frame,
    'Set up two-step verification',
    html`<div class="panel">
<h1>Set up two-step verification</h1>
<h2 id="scan">1. Scan this QR code with your authenticator app</h2>
<img class="qr" src="${qr}" alt="QR code for your authenticator app. If you cannot scan it, type the key shown in step 2." width="224" height="224">
<h2 id="type">2. Or type this key into the app</h2>
<p class="secret" id="secret">${groupSecret(enrolment.secret)}</p>
<dl class="state">
<dt>Account</dt><dd>${enrolment.accountName}</dd>
<dt>Issuer</dt><dd>${enrolment.issuer}</dd>
<dt>Type</dt><dd>Time-based, 6 digits, every 30 seconds</dd>
</dl>
<h2 id="confirm">3. Enter the code the app shows</h2>
<form method="post" action="/portal/enrol/confirm" novalidate>
${csrfField(frame)}
${codeField({ name: 'code', label: 'Code from the app', hint: `6 digits. Confirm before ${instantText(enrolment.expiresAt)}, or start again.`, error: opts.error ?? null, autofocus: Boolean(opts.error) })}
<div class="actions"><button type="submit">Turn on two-step verification</button></div>
</form>
<form method="post" action="/portal/enrol/cancel">
${csrfField(frame)}
<div class="actions"><button type="submit" class="secondary">Cancel setup</button></div>
</form>
</div>`,
  );
}

/** A file name safe on every OS for a login's recovery codes. */
export function recoveryFileName(login: string): string {
  return `gatepass-recovery-codes-${login.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)}.txt`;
}

/**
 * The recovery codes, shown this once: the answer to the POST that made them (nothing keeps
 * them to show again). The .txt download is a data: link in this page, so it goes when the
 * page does and no URL of the server can hand the codes out again. Printing is the browser's
 * own command (a Print button would need script, which the CSP forbids); the print
 * stylesheet leaves only the codes.
 */
export function recoveryCodesPage(frame: Frame, opts: { codes: readonly string[]; fileText: string; login: string; why: 'enrolled' | 'regenerated' }): SafeHtml {
  const href = `data:text/plain;charset=utf-8;base64,${Buffer.from(opts.fileText, 'utf8').toString('base64')}`;
  return page(
    frame,
    'Save your recovery codes',
    html`<div class="panel">
<h1>Save your recovery codes</h1>
${notice(opts.why === 'enrolled' ? 'Two-step verification is on.' : 'You have new recovery codes: your earlier codes no longer work.')}
<div class="warning"><p>This is the only time these codes are shown. Save them now: download them, print this page with your browser's Print command (Ctrl+P), or write them down. Each code signs you in once if you lose your phone.</p></div>
<ol class="codes" aria-label="Recovery codes">
${opts.codes.map((c) => html`<li>${c}</li>`)}
</ol>
<div class="actions">
<a class="button" href="${href}" download="${recoveryFileName(opts.login)}">Download as .txt</a>
<a href="/portal/">I have saved them: continue</a>
</div>
</div>`,
  );
}

/** New recovery codes: asks for the password (a session left open is not enough to swap the codes). */
export function regeneratePage(frame: Frame, opts: { codesLeft: number; setId: string; error?: string | null }): SafeHtml {
  return page(
    frame,
    'New recovery codes',
    html`<div class="panel">
<h1>New recovery codes</h1>
<p>You have ${opts.codesLeft} unused recovery ${opts.codesLeft === 1 ? 'code' : 'codes'}. New codes replace all of them: the old ones stop working at once, and the new ones are shown only once.</p>
<form method="post" action="/portal/recovery-codes" novalidate>
${csrfField(frame)}
<input type="hidden" name="set" value="${opts.setId}">
${field({ name: 'password', label: 'Your password', hint: 'To make sure it is you.', type: 'password', autocomplete: 'current-password', error: opts.error ?? null, autofocus: true, maxlength: 1024 })}
<div class="actions"><button type="submit">Make new recovery codes</button><a href="/portal/">Cancel</a></div>
</form>
</div>`,
  );
}

/** Resync: two consecutive codes, so the server can find how far the phone's clock is off. */
export function resyncPage(frame: Frame, opts: { error?: string | null } = {}): SafeHtml {
  return page(
    frame,
    'Resync your authenticator app',
    html`<div class="panel">
<h1>Resync your authenticator app</h1>
<p>If right codes are refused, your phone's clock may be off. Enter the code your app shows now, then wait until it shows the next one and enter that too. The server works out the difference and allows for it from then on.</p>
<form method="post" action="/portal/resync" novalidate>
${csrfField(frame)}
${codeField({ name: 'code1', label: 'Code shown now', error: opts.error ?? null, autofocus: true })}
${codeField({ name: 'code2', label: 'Next code', hint: 'Wait for the app to show a new code (up to 30 seconds).', autofocus: false })}
<div class="actions"><button type="submit">Resync</button><a href="/portal/">Cancel</a></div>
</form>
</div>`,
  );
}
