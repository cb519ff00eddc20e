import { z } from 'zod';
import { GatepassError } from './errors';

/**
 * The per-user device configuration file `<login>.usr`, format version 1 (docs/usr-format.md).
 * A screenless device imports it and signs in by itself: it holds what the QR code holds,
 * plus the server's name and TLS pin. UTF-8 JSON, so any device stack can read it.
 */
export const USR_FORMAT = 'gatepass-usr';
export const USR_VERSION = 1;

export const UsrConfigSchema = z.object({
  format: z.literal(USR_FORMAT),
  version: z.literal(USR_VERSION),
  server: z.object({
    url: z.url({ protocol: /^https?$/ }),
    name: z.string(),
    /** `sha256/<base64>` of the server certificate's public key, when the server has TLS; else null. */
    tlsPin: z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/).nullable(),
  }),
  login: z.string().min(1).max(128),
  credential: z.string().min(1).max(256),
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime().nullable(),
});
export type UsrConfig = z.infer<typeof UsrConfigSchema>;

/** The file's text: pretty-printed so an administrator can read it, with a final newline. */
export function encodeUsrConfig(c: Omit<UsrConfig, 'format' | 'version'>): string {
  const full: UsrConfig = { format: USR_FORMAT, version: USR_VERSION, ...c };
  return `${JSON.stringify(UsrConfigSchema.parse(full), null, 2)}\n`;
}

/** Reads a .usr file; PAYLOAD_INVALID with the reason for anything that is not a version-1 file. */
export function decodeUsrConfig(text: string): UsrConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass .usr file (not JSON)');
  }
  const head = z.object({ format: z.literal(USR_FORMAT), version: z.number() }).safeParse(raw);
  if (!head.success) throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass .usr file');
  if (head.data.version !== USR_VERSION)
    throw new GatepassError('PAYLOAD_INVALID', `Unsupported .usr version ${head.data.version}; this build reads version ${USR_VERSION}`);
  const parsed = UsrConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new GatepassError('PAYLOAD_INVALID', `Malformed .usr file (${where})`);
  }
  return parsed.data;
}
