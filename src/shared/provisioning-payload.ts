import { z } from 'zod';
import { GatepassError } from './errors';

/**
 * The provisioning payload, format version 1 (docs/provisioning-payload.md): what a
 * provisioning QR code holds so the reference mobile client can set itself up. Compact JSON
 * like the sign-in code (docs/qr-payload.md), tagged `gp: "provision"` so neither reader
 * mistakes one for the other. It carries a single-use provisioning code, never a password or
 * a credential.
 */
export const PROVISIONING_PAYLOAD_VERSION = 1;

/** The longest payload text any reader accepts (a long server URL and login included); the QR image route refuses longer text unread. */
export const PROVISIONING_PAYLOAD_MAX_CHARS = 1024;

/** A server ID: random, base64url (today 16 bytes = 22 characters). */
export const ServerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'A server ID is 16 to 64 letters, digits, - or _');

/** A provisioning code as issued: base64url of at least 16 random bytes (22 characters for 128 bits). */
export const ProvisionCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{22,88}$/, 'A provisioning code is 22 to 88 letters, digits, - or _');

export const ProvisioningPayloadSchema = z.object({
  gp: z.literal('provision'),
  v: z.literal(PROVISIONING_PAYLOAD_VERSION),
  /** The server's base URL as devices reach it (its public URL). */
  s: z.url({ protocol: /^https?$/ }).max(512),
  /** The server ID (the reference's Site ID): which installation issued the code. */
  sid: ServerIdSchema,
  /** The user's login. */
  l: z.string().min(1).max(128),
  /** The provisioning code. */
  c: ProvisionCodeSchema,
  /** The server's TLS key pin (`sha256/<base64>`), when it serves https itself: a device trusts that key, and only it. Absent otherwise. */
  p: z
    .string()
    .regex(/^sha256\/[A-Za-z0-9+/]{43}=$/)
    .optional(),
});
export type ProvisioningPayloadWire = z.infer<typeof ProvisioningPayloadSchema>;

export interface ProvisioningPayload {
  server: string;
  serverId: string;
  login: string;
  code: string;
  /** The server's TLS key pin, or null when it has none (plain http, or TLS ended by a proxy). */
  tlsPin: string | null;
}

/** The text to put in the QR code. */
export function encodeProvisioningPayload(p: ProvisioningPayload): string {
  const wire: ProvisioningPayloadWire = { gp: 'provision', v: PROVISIONING_PAYLOAD_VERSION, s: p.server, sid: p.serverId, l: p.login, c: p.code };
  if (p.tlsPin) wire.p = p.tlsPin;
  return JSON.stringify(wire);
}

/** The scheme and path of the provisioning link a phone opens (the mail's plain-text part carries it). */
export const PROVISIONING_LINK_PREFIX = 'gatepass://provision?p=';

/**
 * The provisioning link of a payload: `gatepass://provision?p=<payload, percent-encoded>`, the
 * app link the mobile client registers, so a user reading the mail on the phone itself taps it
 * instead of scanning. It carries exactly the payload, code included: treat it as the QR code.
 */
export function provisioningLink(payloadText: string): string {
  return `${PROVISIONING_LINK_PREFIX}${encodeURIComponent(payloadText)}`;
}

/**
 * Reads a scanned provisioning text, or a provisioning link (`gatepass://provision?p=...`);
 * PAYLOAD_INVALID with the reason for anything that is not a version-1 provisioning payload
 * (another version is named, never guessed at). Messages never repeat the code.
 */
export function decodeProvisioningPayload(input: string): ProvisioningPayload {
  // A link is the payload percent-encoded (at most three characters for one): anything longer is not ours, unread.
  if (input.length > 3 * PROVISIONING_PAYLOAD_MAX_CHARS + PROVISIONING_LINK_PREFIX.length + 64) {
    throw new GatepassError('PAYLOAD_INVALID', `Not a Gatepass provisioning code (longer than ${PROVISIONING_PAYLOAD_MAX_CHARS} characters)`);
  }
  let text = input.trim();
  if (text.toLowerCase().startsWith(PROVISIONING_LINK_PREFIX)) {
    try {
      text = decodeURIComponent(text.slice(PROVISIONING_LINK_PREFIX.length));
    } catch {
      throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass provisioning link (broken percent-encoding)');
    }
  }
  if (text.length > PROVISIONING_PAYLOAD_MAX_CHARS) {
    throw new GatepassError('PAYLOAD_INVALID', `Not a Gatepass provisioning code (longer than ${PROVISIONING_PAYLOAD_MAX_CHARS} characters)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass provisioning code (not JSON)');
  }
  const head = z.object({ gp: z.string(), v: z.unknown() }).safeParse(raw);
  if (head.success && head.data.gp === 'signin') {
    throw new GatepassError('PAYLOAD_INVALID', 'This is a Gatepass sign-in code, not a provisioning code: sign in with it (gatepass device signin --qr-text)');
  }
  if (head.success && head.data.gp === 'provision' && head.data.v !== PROVISIONING_PAYLOAD_VERSION) {
    throw new GatepassError('PAYLOAD_INVALID', `Unsupported provisioning code version ${String(head.data.v)}; this build reads version ${PROVISIONING_PAYLOAD_VERSION}`);
  }
  const parsed = ProvisioningPayloadSchema.safeParse(raw);
  if (!parsed.success) throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass provisioning code (missing or malformed fields)');
  const w = parsed.data;
  return { server: w.s, serverId: w.sid, login: w.l, code: w.c, tlsPin: w.p ?? null };
}

/**
 * The QR image URL of a payload: the server's "QR Code URL" setting (the reference's form,
 * `https://host:8443/userportal/getQRCode?text=`) followed by the payload, percent-encoded.
 * This is what `url4` in a provisioning mail template expands to.
 */
export function qrImageUrlFor(qrCodeUrl: string, payloadText: string): string {
  return `${qrCodeUrl}${encodeURIComponent(payloadText)}`;
}
