import { z } from 'zod';
import { GatepassError } from './errors';
import { ServerIdSchema } from './provisioning-payload';

/**
 * The reference mobile client's device file, format version 1 (docs/provisioning.md, "The
 * device file"): what a provisioned device keeps to sign in and to show authenticator codes.
 * It holds the device credential and the TOTP seed in clear, so it is written owner-only
 * (mode 0600), like an ssh private key. UTF-8 JSON, pretty-printed.
 */
export const DEVICE_FILE_FORMAT = 'gatepass-device';
export const DEVICE_FILE_VERSION = 1;

export const DeviceFileSchema = z.object({
  format: z.literal(DEVICE_FILE_FORMAT),
  version: z.literal(DEVICE_FILE_VERSION),
  server: z.object({
    url: z.url({ protocol: /^https?$/ }),
    id: ServerIdSchema,
    name: z.string(),
    /** `sha256/<base64>` of the server's TLS key when it serves https itself (the payload's pin), else null: the device trusts that key, and only it. */
    tlsPin: z
      .string()
      .regex(/^sha256\/[A-Za-z0-9+/]{43}=$/)
      .nullable(),
  }),
  login: z.string().min(1).max(128),
  device: z.object({
    id: z.string().min(1).max(64),
    name: z.string().max(64),
    createdAt: z.iso.datetime(),
  }),
  /** `<id>.<secret>`: signs the device in (POST /api/v1/auth/device). */
  credential: z.string().min(1).max(256),
  /** The device's own RFC 6238 seed: its codes are second factors of the user's password sign-ins. */
  totp: z.object({
    secret: z.string().regex(/^[A-Z2-7]{16,128}$/, 'A TOTP secret is base32 (A-Z, 2-7)'),
    algorithm: z.literal('SHA1'),
    digits: z.literal(6),
    period: z.literal(30),
  }),
});
export type DeviceFile = z.infer<typeof DeviceFileSchema>;

/** The file's text: pretty-printed, with a final newline. */
export function encodeDeviceFile(d: Omit<DeviceFile, 'format' | 'version'>): string {
  const full: DeviceFile = { format: DEVICE_FILE_FORMAT, version: DEVICE_FILE_VERSION, ...d };
  return `${JSON.stringify(DeviceFileSchema.parse(full), null, 2)}\n`;
}

/** True when the text claims to be a device file (any version), so a reader can tell it from a .usr file. */
export function isDeviceFileText(text: string): boolean {
  try {
    const raw: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    return typeof raw === 'object' && raw !== null && 'format' in raw && raw.format === DEVICE_FILE_FORMAT;
  } catch {
    return false;
  }
}

/** Reads a device file; PAYLOAD_INVALID naming what is wrong (never a secret) for anything that is not a version-1 file. */
export function decodeDeviceFile(text: string): DeviceFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass device file (not JSON)');
  }
  const head = z.object({ format: z.literal(DEVICE_FILE_FORMAT), version: z.number() }).safeParse(raw);
  if (!head.success) throw new GatepassError('PAYLOAD_INVALID', 'Not a Gatepass device file');
  if (head.data.version !== DEVICE_FILE_VERSION) {
    throw new GatepassError('PAYLOAD_INVALID', `Unsupported device file version ${head.data.version}; this build reads version ${DEVICE_FILE_VERSION}`);
  }
  const parsed = DeviceFileSchema.safeParse(raw);
  if (!parsed.success) {
    const where = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new GatepassError('PAYLOAD_INVALID', `Malformed device file (${where})`);
  }
  return parsed.data;
}
