import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh bearer token: 32 random bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 hex of a token or secret: what the database keeps instead of the value. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two hex digests without an early exit, so timing says nothing about the match. */
export function digestsEqual(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** A QR sign-in credential as issued: `<id>.<secret>`, both base64url. */
export interface NewCredential {
  id: string;
  secret: string;
  credential: string;
}

/** Makes a credential: a 16-byte id to look it up by, and a 32-byte secret stored only hashed. */
export function newCredential(): NewCredential {
  const id = randomBytes(16).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, credential: `${id}.${secret}` };
}

const CREDENTIAL_RE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** Splits a credential into id and secret, or null when it is not one of ours. */
export function parseCredential(credential: string): { id: string; secret: string } | null {
  const m = CREDENTIAL_RE.exec(credential.trim());
  return m && m[1] && m[2] ? { id: m[1], secret: m[2] } : null;
}
