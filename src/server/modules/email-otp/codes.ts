import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { GatepassError } from '../../../shared/errors';
import type { SecretBox } from '../../security/secret-box';

/**
 * The one-time passwords themselves (docs/email-otp.md, "Storage"): 8 random digits, kept as
 * an HMAC-SHA-256 under a key derived from the server's secret key (a bare hash of 10^8 values
 * falls to brute force in seconds; without the key the HMAC says nothing), and, while it may
 * be used, sealed by the secret box so that asking again can re-send the same password.
 */

/** Digits of a password: 10^8 values, 5 tries each (NIST SP 800-63B §5.1.3.2 asks for at least 10^6). */
export const OTP_DIGITS = 8;

/** The HKDF label of the HMAC key: its own key, never the sealing key itself. */
export const OTP_HMAC_LABEL = 'email-otp hmac v1';

/** A fresh password: uniform over 00000000-99999999 (randomInt draws without modulo bias). */
export function newOtpCode(): string {
  return String(randomInt(0, 10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
}

/** `1234 5678`: easier to read from a mail and to type; sign-ins ignore the space. */
export function groupedCode(code: string): string {
  return `${code.slice(0, 4)} ${code.slice(4)}`;
}

/** What the sealed copy is bound to: the row, so a sealed value copied onto another row does not open. */
export function sealContext(otpId: string): string {
  return `email-otp:${otpId}`;
}

/** HMAC-SHA-256 (hex) of the row id and the code: bound to its row, so a known HMAC is worthless on another. */
export function otpHmac(key: Buffer, otpId: string, code: string): string {
  return createHmac('sha256', key).update(`${otpId}\0${code}`, 'utf8').digest('hex');
}

/** Whether `code` is the password of the row, compared in constant time. */
export function otpMatches(key: Buffer, otpId: string, code: string, storedHex: string): boolean {
  const a = Buffer.from(otpHmac(key, otpId, code), 'hex');
  const b = Buffer.from(storedHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The secret box, or EMAIL_OTP_UNAVAILABLE: without a server key no password can be stored safely. */
export function requireBox(box: SecretBox | null): SecretBox {
  if (!box) {
    throw new GatepassError(
      'EMAIL_OTP_UNAVAILABLE',
      'One-time passwords by email are unavailable: the server has no secret key (set GATEPASS_SECRET_KEY, the same on every replica; see docs/email-otp.md)',
    );
  }
  return box;
}

/**
 * The HMAC key of `keyId` (the current key by default), derived per process call: HKDF is
 * microseconds, and no derived key outlives the box it came from. Null when the box no longer
 * holds that key (rotated out: its passwords cannot be checked, so they are void).
 */
export function hmacKey(box: SecretBox, keyId?: string): { keyId: string; key: Buffer } | null {
  return box.deriveKey(OTP_HMAC_LABEL, keyId);
}
