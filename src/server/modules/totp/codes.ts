import { timingSafeEqual } from 'node:crypto';
import { generate, generateSecret } from 'otplib';

/**
 * RFC 6238 TOTP as authenticator apps compute it: HMAC-SHA-1, 6 digits, 30-second steps
 * from the Unix epoch (otplib's defaults, which match `oathtool --totp`). The step
 * arithmetic is ours, so which steps are accepted, and that each is accepted once, is
 * decided here and in the database, not inside the library.
 */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** 20 bytes = 160 bits, RFC 4226 §4's recommended shared-secret length. */
export const TOTP_SECRET_BYTES = 20;
/** The current step and one either side (RFC 6238 §5.2: one step of network delay or clock skew). */
export const TOTP_WINDOW_STEPS = 1;

/** The time step of an instant: floor(unix seconds / 30). */
export function stepOf(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_S);
}

/** A new secret, base32 (RFC 4648, no padding): 32 characters for 160 bits. */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

/** The code of one time step. */
export async function codeAt(secret: string, step: number): Promise<string> {
  return generate({ secret, epoch: step * TOTP_PERIOD_S, period: TOTP_PERIOD_S, digits: TOTP_DIGITS, algorithm: 'sha1' });
}

/**
 * The step among `steps` whose code is `code`, or null. Every candidate is computed and
 * compared in constant time, so the answer's timing does not tell which step matched.
 * When two steps share a code (one chance in a million), the latest wins.
 */
export async function matchStep(secret: string, code: string, steps: readonly number[]): Promise<number | null> {
  const given = Buffer.from(code.padEnd(TOTP_DIGITS, ' ').slice(0, TOTP_DIGITS), 'utf8');
  let found: number | null = null;
  for (const step of steps) {
    const expected = Buffer.from(await codeAt(secret, step), 'utf8');
    const same = expected.length === given.length && timingSafeEqual(expected, given);
    if (same && (found === null || step > found)) found = step;
  }
  return found;
}

/** The steps a sign-in accepts now: the device's current step (server step + drift) and one either side. */
export function windowSteps(now: Date, driftSteps: number): number[] {
  const centre = stepOf(now) + driftSteps;
  const out: number[] = [];
  for (let s = centre - TOTP_WINDOW_STEPS; s <= centre + TOTP_WINDOW_STEPS; s++) out.push(s);
  return out;
}

/**
 * The key URI authenticator apps read (Google's Key Uri Format, which Microsoft
 * Authenticator and FreeOTP follow): `otpauth://totp/<Issuer>:<login>?secret=...&issuer=...`.
 * Issuer and login are percent-encoded; a colon inside either would split the label
 * wrongly, so the issuer's colons become spaces and the login's are encoded (%3A).
 * Algorithm, digits and period are the defaults every app assumes, so they are left out.
 */
export function keyUri(issuer: string, login: string, secret: string): string {
  const iss = encodeURIComponent(issuer.replace(/:/g, ' ').trim() || 'Gatepass');
  return `otpauth://totp/${iss}:${encodeURIComponent(login)}?secret=${secret}&issuer=${iss}`;
}
