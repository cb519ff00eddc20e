import type { z } from 'zod';
import type { DeviceSchema } from '../../../shared/api/devices';
import type { UserProvisioningSchema } from '../../../shared/model/user';
import { html, type SafeHtml } from '../html';
import { field } from './fields';
import { alert, csrfField, instant, page, type Frame } from './layout';

type Device = z.output<typeof DeviceSchema>;

/** "24 hours", "30 minutes", "3 days": how long the server's codes last. */
export function validityText(seconds: number): string {
  // Days from two on: "24 hours" is what people say of one day's validity.
  const [n, unit] =
    seconds % 86_400 === 0 && seconds >= 2 * 86_400 ? [seconds / 86_400, 'day'] : seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [Math.round(seconds / 60), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * "Your phone": what the Gatepass app does, the phones already set up, and the form that shows
 * a provisioning code. It asks for the password: a code lets a phone sign in as the user and
 * give their second factor, so a session left open must not be enough to get one.
 */
export function phonePage(
  frame: Frame,
  opts: { allowed: boolean; devices: readonly Device[]; provisioning: z.output<typeof UserProvisioningSchema>; validitySeconds: number; error?: string | null },
): SafeHtml {
  const active = opts.devices.filter((d) => d.revokedAt === null);
  return page(
    frame,
    'Your phone',
    html`<div class="panel">
<h1>Your phone</h1>
<p>The Gatepass app on your phone signs you in and gives the codes for two-step verification. To set it up, show a provisioning code here and scan it with the app.</p>
<h2>Phones set up</h2>
${
  active.length === 0
    ? html`<p>None yet.</p>`
    : html`<ul class="devices">${active.map((d) => html`<li><strong>${d.name}</strong>: set up ${instant(d.createdAt)}, last used ${instant(d.lastUsedAt)}</li>`)}</ul>`
}
${opts.provisioning.state === 'pending' && opts.provisioning.at ? html`<p>A provisioning code given to you earlier works until ${instant(opts.provisioning.at)}. A new one replaces it.</p>` : null}
<h2>Set up a phone</h2>
${alert(opts.error ?? null)}
${
  opts.allowed
    ? html`<form method="post" action="/portal/phone" novalidate>
${csrfField(frame)}
${field({ name: 'password', label: 'Your password', hint: 'A provisioning code lets a phone sign in as you: confirm it is you.', type: 'password', autocomplete: 'current-password', error: null, autofocus: Boolean(opts.error), maxlength: 1024 })}
<p>The code works once, for ${validityText(opts.validitySeconds)}. Any earlier code stops working.</p>
<div class="actions"><button type="submit">Show my provisioning code</button><a href="/portal/">Back to your account</a></div>
</form>`
    : html`<div class="warning"><p>Your administrator has not allowed mobile authentication for your account: ask them if you need it.</p></div><p><a href="/portal/">Back to your account</a></p>`
}
</div>`,
  );
}

/**
 * The provisioning code, shown this once: the answer to the POST that made it (the server keeps
 * only its hash). The QR code is a PNG in a data: image drawn by the server, so the code is in
 * no URL, no request log and no browser history; the link opens the app on this phone.
 */
export function phoneCodePage(frame: Frame, opts: { login: string; pngBase64: string; link: string; expiresAt: string }): SafeHtml {
  return page(
    frame,
    'Your provisioning code',
    html`<div class="panel">
<h1>Scan this code with the Gatepass app</h1>
<img class="qr" src="data:image/png;base64,${opts.pngBase64}" alt="Provisioning QR code for ${opts.login}: scan it with the Gatepass app" width="260" height="260">
<div class="warning"><p>It works once, until ${instant(opts.expiresAt)}: the first phone that uses it is set up, then it is spent. Do not share it. Showing a new code makes this one stop working.</p></div>
<p>Reading this on your phone? <a href="${opts.link}">Set up Gatepass from this link</a>.</p>
<p>This page is not kept: once you leave it the code is gone from this screen. If the phone could not use it, show a new one.</p>
<div class="actions"><a class="button" href="/portal/phone">Done</a><a href="/portal/">Back to your account</a></div>
</div>`,
  );
}
