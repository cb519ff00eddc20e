import { createHash, X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import { GatepassError } from '../../shared/errors';
import type { TlsCertificate } from '../../shared/model/tls-certificate';

/**
 * Pinning a Gatepass server's TLS key (RFC 7469's pin form, `sha256/<base64>` of the DER
 * SubjectPublicKeyInfo), as QR codes, .usr, device and agent files carry it. With a pin, the
 * key decides trust: a self-signed server is trusted by its pin, a CA-issued one must also pass
 * the usual checks, and a server presenting any other key gets nothing sent to it.
 */

/** The pin of a DER certificate. */
export function pinOfCertificate(der: Buffer): string {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** The common name of an X.509 name as Node prints it (one `KEY=value` a line), or '' when it has none. */
function commonName(name: string): string {
  return name.split('\n').find((line) => line.startsWith('CN='))?.slice(3) ?? '';
}

/**
 * What an administrator compares before trusting a server's key: its pin, the SHA-256
 * fingerprint as `gatepass server` prints it (colon hex), names, validity, and whether it signs itself.
 */
export function describeCertificate(der: Buffer): TlsCertificate {
  const x = new X509Certificate(der);
  return {
    pin: pinOfCertificate(der),
    fingerprint: x.fingerprint256,
    subject: commonName(x.subject),
    issuer: commonName(x.issuer),
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
    selfSigned: isSelfSigned(x),
  };
}

function isSelfSigned(x: X509Certificate): boolean {
  return x.issuer === x.subject && x.checkIssued(x) && x.verify(x.publicKey);
}

function pemOf(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/** What a server presents: its leaf certificate (DER), whether its chain verified with the system's CAs, and whether the leaf signs itself. */
async function presented(url: URL, timeoutMs: number): Promise<{ leaf: Buffer; authorized: boolean; selfSigned: boolean }> {
  return new Promise((ok, fail) => {
    // Nothing is sent on this connection: it only reads the certificate.
    const socket = connect({ host: url.hostname, port: Number(url.port || 443), ...(isIP(url.hostname) ? {} : { servername: url.hostname }), rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
      const authorized = socket.authorized;
      socket.end();
      if (!cert?.raw) return fail(new GatepassError('SERVER_ERROR', `${url.origin} presented no certificate`));
      ok({ leaf: cert.raw, authorized, selfSigned: isSelfSigned(new X509Certificate(cert.raw)) });
    });
    socket.on('timeout', () => {
      socket.destroy();
      fail(new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${url.origin}: timed out`));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => fail(new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${url.origin}: ${err.code ?? 'network error'}`)));
  });
}

/**
 * The certificate a server presents, read without trusting it and without sending anything (no
 * HTTP request, no credential): for the administrator to compare before trusting its key.
 */
export async function probeCertificate(serverUrl: string, timeoutMs: number): Promise<TlsCertificate> {
  return describeCertificate((await presented(new URL(serverUrl), timeoutMs)).leaf);
}

/**
 * An https.Agent that talks only to a server presenting the pinned key: checked once before
 * anything is sent, then on every connection the agent makes (a key swapped later is caught too).
 */
export async function pinnedAgent(serverUrl: string, pin: string, timeoutMs: number): Promise<Agent> {
  const url = new URL(serverUrl);
  const seen = await presented(url, timeoutMs);
  const actual = pinOfCertificate(seen.leaf);
  // The details say what is presented instead, so a console can show it for review (never trusted silently).
  if (actual !== pin) {
    throw new GatepassError('TLS_PIN_MISMATCH', `${url.origin} does not present the TLS key pinned for it (${pin.slice(0, 20)}…): nothing was sent`, {
      certificate: describeCertificate(seen.leaf),
      pinned: pin,
    });
  }
  const samePin = (cert: PeerCertificate): Error | undefined =>
    cert.raw && pinOfCertificate(cert.raw) === pin
      ? undefined
      : new GatepassError('TLS_PIN_MISMATCH', `${url.origin} changed its TLS key: nothing was sent`, cert.raw ? { certificate: describeCertificate(cert.raw), pinned: pin } : undefined);
  if (seen.authorized) {
    // A certificate a CA vouches for: the usual host name check, and the pin on top.
    return new Agent({ keepAlive: true, checkServerIdentity: (host, cert) => checkServerIdentity(host, cert) ?? samePin(cert) });
  }
  if (seen.selfSigned) {
    // No CA vouches for it: the pinned certificate is its own trust anchor, and the pin is the check.
    return new Agent({ keepAlive: true, ca: pemOf(seen.leaf), checkServerIdentity: (_host, cert) => samePin(cert) });
  }
  throw new GatepassError('SERVER_ERROR', `${url.origin} presents the pinned key in a certificate chain this machine does not trust, and not self-signed: install its CA`);
}
