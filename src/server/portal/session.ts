import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountCaller, ServiceContext } from '../context';
import { authenticateAccount } from '../modules/sessions/service';
import { newToken } from '../security/tokens';

/**
 * The portal's one cookie and what it says about this browser. Its value is `<kind>.<token>`:
 *
 * - `a.<random>`: nobody signed in yet; the value only anchors the sign-in form's CSRF token
 *   (so a foreign site cannot sign a browser in to an account of its choosing either);
 * - `p.<pending token>`: the password was right and the second factor is due; the pending
 *   token of the sign-in service lives here, bound to this browser, never in a URL;
 * - `s.<session token>`: a password session of the sessions service (full, or enrolment-only
 *   under mandatory two-step verification): the same session the REST API would give, so an
 *   administrator's "End sessions" ends it and the services' checks all apply.
 *
 * Only one of them at a time: signing in or out replaces the cookie, and with it the CSRF token.
 */
export const PORTAL_COOKIE = 'gp_portal';

const COOKIE_RE = /^([aps])\.([A-Za-z0-9_-]{32,128})$/;

/** What the portal cookie of a request stands for, checked against the database for sessions. */
export type PortalState =
  | { kind: 'none' }
  | { kind: 'anonymous'; cookie: string }
  | { kind: 'pending'; cookie: string; pendingToken: string }
  | { kind: 'session'; cookie: string; caller: AccountCaller }
  /** A session cookie whose session ended (signed out elsewhere, ended by an administrator, expired). */
  | { kind: 'ended'; cookie: string };

/** The cookie's value, or null when there is none or it is not one of ours. */
export function portalCookie(req: FastifyRequest): string | null {
  const value = req.cookies[PORTAL_COOKIE];
  return value !== undefined && COOKIE_RE.test(value) ? value : null;
}

const states = new WeakMap<FastifyRequest, Promise<PortalState>>();

/** The request's portal state, looked up once per request. */
export function portalState(ctx: ServiceContext, req: FastifyRequest): Promise<PortalState> {
  let state = states.get(req);
  if (!state) {
    state = resolveState(ctx, portalCookie(req));
    states.set(req, state);
  }
  return state;
}

async function resolveState(ctx: ServiceContext, cookie: string | null): Promise<PortalState> {
  const m = cookie ? COOKIE_RE.exec(cookie) : null;
  if (!cookie || !m?.[2]) return { kind: 'none' };
  if (m[1] === 'a') return { kind: 'anonymous', cookie };
  if (m[1] === 'p') return { kind: 'pending', cookie, pendingToken: m[2] };
  // A password session (full or enrolment-only) of a user; an administrator's token or a QR
  // device session is not a portal session, whatever the cookie holds.
  const caller = await authenticateAccount(ctx, m[2], true);
  return caller && caller.account.kind === 'user' ? { kind: 'session', cookie, caller } : { kind: 'ended', cookie };
}

/** A fresh anonymous cookie value. */
export function anonymousCookie(): string {
  return `a.${newToken()}`;
}

/** The cookie value for a pending second factor or a session. */
export function tokenCookie(kind: 'pending' | 'session', token: string): string {
  return `${kind === 'pending' ? 'p' : 's'}.${token}`;
}

/**
 * Whether the browser reached us over HTTPS: directly, or through a proxy that says so. A
 * client cannot gain by claiming https falsely: it only makes its own cookie Secure, which its
 * browser then keeps off plain http.
 */
export function cameOverHttps(req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/**
 * Sets the portal cookie: HttpOnly (no script may read it; the portal has none anyway),
 * SameSite=Strict (no other site's link or form sends it), Path=/portal (the REST API never
 * sees it), Secure when the page came over https. Without Max-Age it ends with the browser
 * session; the server's own expiry applies either way.
 */
export function setPortalCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds?: number): void {
  reply.setCookie(PORTAL_COOKIE, value, {
    path: '/portal',
    httpOnly: true,
    sameSite: 'strict',
    secure: cameOverHttps(req),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}
