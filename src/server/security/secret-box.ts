import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { GatepassError } from '../../shared/errors';

/**
 * Encryption of what the server must read back (TOTP secrets), under keys kept outside the
 * database: AES-256-GCM with a fresh 96-bit nonce per value (NIST SP 800-38D), the value's
 * owner bound in as associated data so a ciphertext copied onto another account's row does
 * not open. Each ciphertext names its key id, so keys can be rotated: every listed key still
 * opens what it sealed, and new values are sealed with the first (current) key.
 */
export interface SecretBox {
  /** The id of the key new values are sealed with. */
  readonly currentKeyId: string;
  /** Every key this box can open with, current first. */
  readonly keyIds: readonly string[];
  /** `gp1.<key id>.<nonce>.<ciphertext and tag>`, base64url parts. */
  seal(plain: Uint8Array, context: string): string;
  /** The plaintext; TWO_STEP_UNAVAILABLE when the key is not ours or the value was tampered with. */
  open(sealed: string, context: string): Buffer;
  /** The key id a sealed value names, or null when it is not one of ours. */
  keyIdOf(sealed: string): string | null;
  /**
   * A 256-bit key for another purpose, derived from one of the box's keys with HKDF-SHA-256
   * (RFC 5869) under `label` (the purpose, e.g. the HMAC of email one-time passwords), so no
   * key serves two algorithms. The current key by default; null when the box lacks `keyId`.
   */
  deriveKey(label: string, keyId?: string): { keyId: string; key: Buffer } | null;
}

const FORMAT = 'gp1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_RE = /^gp1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)$/;

/** A key's id: derived from the key itself, so a list can never name a key wrongly. */
export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256').update('gatepass secret key id\0').update(key).digest('hex').slice(0, 16);
}

/** A new random 256-bit key, base64, as a key file line or an entry of GATEPASS_SECRET_KEY. */
export function newSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Parses a key list: base64 (or base64url) 32-byte keys separated by commas, spaces or line
 * breaks, the first one current; `#` starts a comment line (key files carry one).
 * Throws a message naming the entry that is wrong, never the key itself.
 */
export function parseKeyList(text: string, source: string): Buffer[] {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n')
    .split(/[\s,]+/)
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${source} holds no key`);
  return entries.map((entry, i) => {
    const key = /^[A-Za-z0-9+/=_-]+$/.test(entry) ? Buffer.from(entry, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) throw new Error(`${source}: entry ${i + 1} is not a base64 ${KEY_BYTES}-byte key`);
    return key;
  });
}

/** A box over the given keys, the first current. */
export function createSecretBox(keys: readonly Uint8Array[]): SecretBox {
  const first = keys[0];
  if (!first) throw new Error('A secret box needs at least one key');
  const byId = new Map<string, Uint8Array>();
  for (const k of keys) if (!byId.has(keyIdOf(k))) byId.set(keyIdOf(k), k);
  const currentKeyId = keyIdOf(first);
  const unavailable = (why: string) => new GatepassError('TWO_STEP_UNAVAILABLE', why);
  return {
    currentKeyId,
    keyIds: [...byId.keys()],
    seal(plain, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', first, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return `${FORMAT}.${currentKeyId}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, context) {
      const m = SEALED_RE.exec(sealed);
      if (!m) throw unavailable('A stored two-step secret is not in a format this server reads');
      const [, kid = '', nonce = '', body = ''] = m;
      const key = byId.get(kid);
      if (!key) throw unavailable(`A stored two-step secret is sealed with key ${kid}, which this server does not have (see docs/two-step.md, key rotation)`);
      const bytes = Buffer.from(body, 'base64url');
      if (bytes.length < TAG_BYTES) throw unavailable('A stored two-step secret is damaged');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]);
      } catch {
        // Why: a failed tag check means tampering or a value moved between rows; never decrypt it.
        throw unavailable('A stored two-step secret does not authenticate (damaged, or moved from another account)');
      }
    },
    keyIdOf(sealed) {
      return SEALED_RE.exec(sealed)?.[1] ?? null;
    },
    deriveKey(label, keyId = currentKeyId) {
      const key = byId.get(keyId);
      if (!key) return null;
      // No salt (RFC 5869 §3.1: the input is already a uniformly random key); the label is the info.
      return { keyId, key: Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), Buffer.from(`gatepass ${label}`, 'utf8'), KEY_BYTES)) };
    },
  };
}

const KEY_FILE_HEADER =
  '# Gatepass secret keys: AES-256-GCM keys that seal two-step (TOTP) secrets, base64, one a line.\n' +
  '# The first line seals new secrets; the others still open what they sealed (key rotation:\n' +
  '# docs/two-step.md). Keep this file private (mode 0600) and back it up with the database:\n' +
  '# without it no stored two-step secret can be read.\n';

/**
 * Reads the key file, creating it (mode 0600, exclusively, so two starts cannot both write
 * one) with a fresh key when it does not exist. On POSIX a file that others can read or
 * write is refused, as ssh refuses such a private key.
 */
export function loadKeyFile(path: string): Buffer[] {
  try {
    writeFileSync(path, `${KEY_FILE_HEADER}${newSecretKey()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`Cannot create the secret key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`The secret key file ${path} is open to other users (mode ${mode.toString(8).padStart(4, '0')}): run chmod 600 on it`);
    }
  }
  return parseKeyList(readFileSync(path, 'utf8'), path);
}
