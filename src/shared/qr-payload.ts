import { z } from 'zod';
import { GatepassError } from './errors';

/**
 * The sign-in QR payload, format version 1 (docs/qr-payload.md). Compact JSON so any
 * scanner shows something readable, with a `gp` tag and version so a device can tell our
 * codes from others and refuse a version it does not know. It carries a server-issued
 * credential, never the user's password.
 */
export const QR_PAYLOAD_VERSION = 1;

export const SigninPayloadSchema = z.object({
  gp: z.literal('signin'),
  v: z.literal(QR_PAYLOAD_VERSION),
  /** Server base URL, e.g. https://gp.example.com:8443 */
  s: z.url({ protocol: /^https?$/ }),
  /** Login */
  l: z.string().min(1).max(128),
  /** Credential issued by the server: `<id>.<secret>` */
  c: z.string().min(1).max(256),
  /** Issued at, ISO 8601 UTC */
  i: z.string(),
  /** Expires at, ISO 8601 UTC, absent when the credential lasts until voided */
  e: z.string().optional(),
  /** The server's TLS key pin (`sha256/<base64>`), absent for a plain-HTTP server: a device trusts that key, and only it. */
  p: z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/).optional(),
});
export type SigninPayloadWire = z.infer<typeof SigninPayloadSchema>;

export interface SigninPayload {
  server: string;
  login: string;
  credential: string;
  issuedAt: string;
  expiresAt: string | null;
  /** The server's TLS key pin, null when it has none. */
  tlsPin?: string | null;
}

/** Text to put in the QR code. */
export function encodeSigninPayload(p: SigninPayload): string {
  const wire: SigninPayloadWire = { gp: 'signin', v: QR_PAYLOAD_VERSION, s: p.server, l: p.login, c: p.credential, i: p.issuedAt };
  if (p.expiresAt) wire.e = p.expiresAt;
  if (p.tlsPin) wire.p = p.tlsPin;
  return JSON.stringify(wire);
}

/** Reads a scanned QR text; PAYLOAD_INVALID with a reason for anything else. */
export function decodeSigninPayload(text: string): SigninPayload {
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim());
  } catch {
    throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass sign-in code (not JSON)');
  }
  if (typeof raw === 'object' && raw !== null && 'gp' in raw && 'v' in raw && raw.gp === 'signin' && raw.v !== QR_PAYLOAD_VERSION) {
    throw new GatepassError('PAYLOAD_INVALID', `Unsupported sign-in code version ${String(raw.v)}; this build reads version ${QR_PAYLOAD_VERSION}`);
  }
  const parsed = SigninPayloadSchema.safeParse(raw);
  if (!parsed.success) throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass sign-in code (missing or malformed fields)');
  const w = parsed.data;
  return { server: w.s, login: w.l, credential: w.c, issuedAt: w.i, expiresAt: w.e ?? null, ...(w.p ? { tlsPin: w.p } : {}) };
}
