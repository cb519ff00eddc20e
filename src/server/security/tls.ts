import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, dirname } from 'node:path';
import forge from 'node-forge';
import { GatepassError } from '../../shared/errors';
import { removeStaleTempFiles } from '../stale-temp-files';

/** A certificate and key the server serves HTTPS with, and what clients pin. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** `sha256/<base64>` of the DER SubjectPublicKeyInfo (RFC 7469 §2.4): what QR codes, .usr, device and agent files carry. */
  pin: string;
  /** SHA-256 of the whole certificate, as browsers and `openssl x509 -fingerprint -sha256` show it (AB:CD:...). */
  fingerprint: string;
}

/** The SPKI pin of a PEM certificate. */
export function spkiPin(certPem: string | Buffer): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

function material(cert: string, key: string): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new GatepassError('VALIDATION_FAILED', 'The TLS certificate is not a PEM certificate');
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new GatepassError('VALIDATION_FAILED', 'The TLS key is not a PEM private key (an encrypted key must be decrypted first)');
  }
  if (!x509.checkPrivateKey(privateKey)) throw new GatepassError('VALIDATION_FAILED', 'The TLS key does not belong to the certificate');
  return { cert, key, pin: spkiPin(cert), fingerprint: x509.fingerprint256 };
}

/** The certificate and key an operator gave (`--tls-cert`, `--tls-key`), checked to belong together. */
export function readTls(certFile: string, keyFile: string): TlsMaterial {
  for (const f of [certFile, keyFile]) if (!existsSync(f)) throw new GatepassError('VALIDATION_FAILED', `No such file: ${f}`);
  // A key others can read is no secret: refuse it, as ssh refuses such a private key.
  if (process.platform !== 'win32' && (statSync(keyFile).mode & 0o077) !== 0) {
    throw new GatepassError('VALIDATION_FAILED', `${keyFile} can be read by other users: chmod 600 it`);
  }
  return material(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'));
}

/** How long a made-up certificate lasts: its key is what clients pin, so it is not renewed lightly. */
const SELF_SIGNED_YEARS = 10;

/**
 * A self-signed certificate for `hosts` (names and IP addresses), made on the first start and
 * kept in `certFile`/`keyFile` (the key owner-only) so its pin stays the same across restarts.
 * Clients trust it by its pin, not by a certificate authority. Returns whether it was made now.
 */
export function selfSignedTls(certFile: string, keyFile: string, hosts: readonly string[]): TlsMaterial & { created: boolean } {
  if (existsSync(certFile) && existsSync(keyFile)) return { ...readTls(certFile, keyFile), created: false };
  // Node makes the key (native, fast); node-forge writes the X.509 structure around it.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive 16-byte serial (RFC 5280 §4.1.2.2: at most 20 octets, positive).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + SELF_SIGNED_YEARS * 365 * 86_400_000);
  const name = [{ name: 'commonName', value: hosts[0] ?? 'gatepass' }, { name: 'organizationName', value: 'Gatepass (self-signed)' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  // No keyUsage extension: OpenSSL (Node) then accepts the certificate as its own issuer, so a
  // client can make it the one trust anchor of a pinned connection.
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  // Key first: a certificate on disk always has its key beside it.
  writeAtomic(keyFile, keyPem, 0o600);
  writeAtomic(certFile, certPem, 0o644);
  return { ...material(certPem, keyPem), created: true };
}

/** Temporary files of {@link writeAtomic} older than this are left-overs of a killed start. */
const STALE_TEMP_MS = 60_000;

/**
 * Writes a whole file or none of it (a crash never leaves half a key to fail the next start).
 * A temporary copy a killed start left beside it (it may hold a private key) is removed first.
 */
function writeAtomic(path: string, text: string, mode: number): void {
  const base = `${basename(path)}.`;
  removeStaleTempFiles(dirname(path), (name) => name.startsWith(base) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(base.length)), STALE_TEMP_MS);
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode, flag: 'wx' });
  renameSync(tmp, path);
}
