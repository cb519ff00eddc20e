import { createHash, X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import { GatepassError } from '../../shared/errors';

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
      const x = new X509Certificate(cert.raw);
      ok({ leaf: cert.raw, authorized, selfSigned: x.issuer === x.subject && x.checkIssued(x) });
    });
    socket.on('timeout', () => {
      socket.destroy();
      fail(new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${url.origin}: timed out`));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => fail(new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${url.origin}: ${err.code ?? 'network error'}`)));
  });
}

/**
 * An https.Agent that talks only to a server presenting the pinned key: checked once before
 * anything is sent, then on every connection the agent makes (a key swapped later is caught too).
 */
export async function pinnedAgent(serverUrl: string, pin: string, timeoutMs: number): Promise<Agent> {
  const url = new URL(serverUrl);
  const seen = await presented(url, timeoutMs);
  const actual = pinOfCertificate(seen.leaf);
  if (actual !== pin) throw new GatepassError('TLS_PIN_MISMATCH', `${url.origin} does not present the TLS key pinned for it (${pin.slice(0, 20)}…): nothing was sent`);
  const samePin = (cert: PeerCertificate): Error | undefined =>
    cert.raw && pinOfCertificate(cert.raw) === pin ? undefined : new GatepassError('TLS_PIN_MISMATCH', `${url.origin} changed its TLS key: nothing was sent`);
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
