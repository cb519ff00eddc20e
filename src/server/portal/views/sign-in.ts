import { html, type SafeHtml } from '../html';
import { codeField, field } from './fields';
import { alert, csrfField, notice, page, type Frame } from './layout';

/** The password step. A refusal is shown at the password field (the login stays filled in). */
export function signInPage(frame: Frame, opts: { login?: string; error?: string | null; notice?: string | null } = {}): SafeHtml {
  return page(
    frame,
    'Sign in',
    html`<div class="panel">
<h1>Sign in</h1>
${notice(opts.notice ?? null)}
<form method="post" action="/portal/sign-in" novalidate>
${csrfField(frame)}
${field({ name: 'login', label: 'Login', autocomplete: 'username', value: opts.login ?? '', autofocus: !opts.error, plain: true, maxlength: 128 })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', error: opts.error ?? null, autofocus: Boolean(opts.error), maxlength: 1024 })}
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</div>`,
  );
}

/** The second step with the authenticator app's code; the recovery code is one link away. */
export function codePage(frame: Frame, opts: { error?: string | null } = {}): SafeHtml {
  return page(
    frame,
    'Two-step verification',
    html`<div class="panel">
<h1>Two-step verification</h1>
<p>Open the authenticator app on your phone and enter the code it shows for this account.</p>
<form method="post" action="/portal/sign-in/code" novalidate>
${csrfField(frame)}
${codeField({ name: 'code', label: 'Authenticator code', hint: '6 digits, for example 123 456', error: opts.error ?? null })}
<div class="actions"><button type="submit">Verify</button></div>
</form>
<p><a href="/portal/sign-in/recovery-code">Sign in with a recovery code</a> if you do not have your phone.</p>
<p><a href="/portal/sign-in">Start again with your password</a></p>
</div>`,
  );
}

/** The second step with one of the recovery codes saved at enrolment. */
export function recoveryCodePage(frame: Frame, opts: { error?: string | null } = {}): SafeHtml {
  return page(
    frame,
    'Sign in with a recovery code',
    html`<div class="panel">
<h1>Sign in with a recovery code</h1>
<p>Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.</p>
<form method="post" action="/portal/sign-in/recovery-code" novalidate>
${csrfField(frame)}
${field({
  name: 'recoveryCode',
  label: 'Recovery code',
  hint: '16 letters and digits, for example 7K3M-Q9TD-4HXW-B2NP; dashes and case do not matter',
  autocomplete: 'off',
  className: 'recovery',
  maxlength: 64,
  plain: true,
  error: opts.error ?? null,
  autofocus: true,
})}
<div class="actions"><button type="submit">Sign in</button></div>
</form>
<p><a href="/portal/sign-in/code">Use your authenticator app instead</a></p>
<p><a href="/portal/sign-in">Start again with your password</a></p>
</div>`,
  );
}

/** A refusal that is not about a field: an expired or foreign form, a page that does not exist. */
export function messagePage(frame: Frame, title: string, message: string, next: { href: string; label: string }): SafeHtml {
  return page(
    frame,
    title,
    html`<div class="panel">
<h1>${title}</h1>
${alert(message)}
<p><a href="${next.href}">${next.label}</a></p>
</div>`,
  );
}
