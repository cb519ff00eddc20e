import { html, type SafeHtml } from '../html';
import { CSRF_FIELD } from '../security';
import { PORTAL_CSS_PATH } from '../styles';

/** What every page's frame needs: whose server this is, the form token, and who is signed in. */
export interface Frame {
  serverName: string;
  /** The CSRF token of this browser's portal cookie (every form carries it). */
  csrf: string;
  /** Shown in the header with a Sign out button; null before sign-in. */
  user: { login: string; displayName: string } | null;
}

/** The hidden field every form carries (checked on POST with the Origin check, plugin.ts). */
export function csrfField(frame: Frame): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${frame.csrf}">`;
}

/**
 * A whole page: the stylesheet (no inline style or script: the CSP allows neither), a skip
 * link as the first thing Tab reaches, the header with who is signed in and Sign out, and the
 * main landmark the skip link moves to.
 */
export function page(frame: Frame, title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · ${frame.serverName}</title>
<link rel="stylesheet" href="${PORTAL_CSS_PATH}">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header">
<span class="brand">${frame.serverName} · Account</span>
${
  frame.user
    ? html`<div><span class="who">Signed in as ${frame.user.displayName} (${frame.user.login})</span><form method="post" action="/portal/sign-out">${csrfField(frame)}<button type="submit" class="secondary">Sign out</button></form></div>`
    : null
}
</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`;
}

/** `2026-12-06T12:33:51.000Z` as `2026-12-06 12:33 UTC`: the server does not know the reader's time zone, so it says which it uses. */
export function instantText(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

/** {@link instantText} in a <time> element (machine-readable too); `never` for null. */
export function instant(iso: string | null): SafeHtml {
  if (!iso) return html`never`;
  return html`<time datetime="${iso}">${instantText(iso)}</time>`;
}

/** A confirmation that something worked, read out by screen readers without moving focus. */
export function notice(text: string | null): SafeHtml | null {
  return text ? html`<div class="notice" role="status"><p>${text}</p></div>` : null;
}

/** A page-level problem that belongs to no field, announced at once. */
export function alert(text: string | null): SafeHtml | null {
  return text ? html`<div class="alert" role="alert"><p>${text}</p></div>` : null;
}
