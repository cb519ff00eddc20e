import { z } from 'zod';

/**
 * A TLS key pin as Gatepass writes it everywhere (QR codes, .usr, device and agent files, the
 * console's server list): `sha256/` and the base64 SHA-256 of the certificate's DER
 * SubjectPublicKeyInfo (RFC 7469 §2.4), 44 characters ending in `=`.
 */
export const TlsPinSchema = z
  .string()
  .trim()
  .regex(/^sha256\/[A-Za-z0-9+/]{43}=$/, 'A key pin is sha256/ followed by 44 characters of base64, as the server prints it at start');

/**
 * What a server presented when the console would not trust it: everything an administrator
 * compares with what the server printed at start (`gatepass server --tls self-signed` prints the
 * fingerprint and the pin) before trusting its key. Read from a connection that sent nothing.
 */
export const TlsCertificateSchema = z.object({
  /** The key's pin, what the console saves and checks on every connection. */
  pin: TlsPinSchema,
  /** SHA-256 of the whole certificate in colon hex (AB:CD:…), as the server and browsers print it. */
  fingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  /** The subject's common name (empty when it has none). */
  subject: z.string(),
  /** The issuer's common name (empty when it has none). */
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  /** The certificate signs itself (what `--tls self-signed` makes): its pin alone can vouch for it. */
  selfSigned: z.boolean(),
});
export type TlsCertificate = z.infer<typeof TlsCertificateSchema>;

/**
 * The details of TLS_UNTRUSTED and TLS_PIN_MISMATCH from the console's main process: the
 * certificate the server presents, and the pin that was expected (null when none was).
 */
export const TlsRefusalSchema = z.object({
  certificate: TlsCertificateSchema,
  pinned: z.string().nullable(),
});
export type TlsRefusal = z.infer<typeof TlsRefusalSchema>;

/** The refusal carried by an error's details, when it carries one (renderer and tests read it this way). */
export function tlsRefusalOf(err: unknown): TlsRefusal | null {
  const e = err as { code?: unknown; details?: unknown } | null;
  if (e?.code !== 'TLS_UNTRUSTED' && e?.code !== 'TLS_PIN_MISMATCH') return null;
  const parsed = TlsRefusalSchema.safeParse(e.details);
  return parsed.success ? parsed.data : null;
}

/**
 * Whether what an administrator pasted from the server's operator names this certificate: its
 * pin (`sha256/…`) or its SHA-256 fingerprint (colons, spaces and case do not matter). Null when
 * nothing was pasted; 'unreadable' when it is neither form.
 */
export function pastedKeyMatches(pasted: string, cert: TlsCertificate): boolean | null | 'unreadable' {
  const text = pasted.trim();
  if (!text) return null;
  if (/^sha256\//i.test(text)) {
    const pin = TlsPinSchema.safeParse(`sha256/${text.slice(7).replace(/\s+/g, '')}`);
    return pin.success ? pin.data === cert.pin : 'unreadable';
  }
  const hex = text.replace(/^sha-?256\s*(fingerprint)?\s*[:=]?\s*/i, '').replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return 'unreadable';
  return hex === cert.fingerprint.replace(/:/g, '');
}
