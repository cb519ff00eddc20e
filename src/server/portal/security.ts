import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The portal's browser-facing defences, as pure functions of a request's headers and cookie:
 * the response headers every portal answer carries, the CSRF token of a portal cookie and the
 * same-origin check of a form post. plugin.ts applies them; docs/portal.md explains them.
 */

/**
 * Nothing runs or loads but the portal's own stylesheet and images (the QR code is a data:
 * URI): no script at all, forms post only back to the portal, no page may frame it
 * (clickjacking), and no <base> can redirect relative links.
 */
export const PORTAL_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Headers on every portal answer, pages and refusals alike. */
export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PORTAL_CSP,
  // No MIME sniffing: a response is only ever what its Content-Type says.
  'x-content-type-options': 'nosniff',
  // No URL of ours (none holds a secret, but the paths say what a user is doing) goes to another site.
  'referrer-policy': 'no-referrer',
  // For browsers older than CSP's frame-ancestors.
  'x-frame-options': 'DENY',
  // A page opened from the portal cannot reach back into it (window.opener), nor the reverse.
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // The portal uses none of these; a page that cannot ask for them cannot be tricked into it.
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** The form field that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';

/**
 * The CSRF token of a portal cookie value: a one-way digest of it, so the token differs per
 * browser session and changes when the session does (sign-in, sign-out), needs no storage
 * (every replica computes the same), and showing it in a page reveals nothing of the cookie.
 */
export function csrfTokenFor(cookieValue: string): string {
  return createHash('sha256').update(`gatepass-portal-csrf\0${cookieValue}`, 'utf8').digest('base64url');
}

/** Whether a submitted token is the one of this cookie, compared in constant time. */
export function csrfTokenMatches(cookieValue: string | null, submitted: unknown): boolean {
  if (!cookieValue || typeof submitted !== 'string' || submitted.length === 0) return false;
  const want = Buffer.from(csrfTokenFor(cookieValue), 'utf8');
  const got = Buffer.from(submitted, 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The headers {@link crossSiteProblem} reads. */
export interface OriginHeaders {
  host?: string | undefined;
  origin?: string | undefined;
  referer?: string | undefined;
  'sec-fetch-site'?: string | undefined;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Why a form post may not be from one of the portal's own pages, or null when it is.
 *
 * - `Sec-Fetch-Site` (Fetch Metadata, every current browser) must say `same-origin` when sent.
 * - `Origin` (or, without one, `Referer`) must name this host when it names any.
 * - At least one of them must prove the post same-origin: a request that says nothing of
 *   where it came from is refused too.
 *
 * Why Sec-Fetch-Site carries most of the weight: our pages send `Referrer-Policy:
 * no-referrer`, under which browsers post forms with `Origin: null` and no Referer (Fetch
 * standard, "serializing a request origin"), so on its own an Origin check would refuse our
 * own forms or have to let `null` through. The CSRF token is checked besides (plugin.ts).
 */
export function crossSiteProblem(h: OriginHeaders): string | null {
  const host = h.host?.toLowerCase();
  if (!host) return 'The request has no Host header';
  const site = h['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return `The form was sent from another site (Sec-Fetch-Site: ${site.slice(0, 32)})`;
  let proven = site === 'same-origin';
  if (h.origin !== undefined && h.origin !== 'null') {
    if (hostOf(h.origin) !== host) return 'The form was sent from another site (Origin)';
    proven = true;
  } else if (h.referer !== undefined) {
    if (hostOf(h.referer) !== host) return 'The form was sent from another site (Referer)';
    proven = true;
  }
  return proven ? null : 'The browser did not say which site sent the form';
}
