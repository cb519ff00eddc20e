import { createHash, X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { GatepassError } from '../shared/errors';

/**
 * Checks that an https server presents the public key pinned in a .usr file
 * (`sha256/<base64 of the SHA-256 of the DER SubjectPublicKeyInfo>`, the HPKP form of
 * RFC 7469 §2.4) before any credential is sent to it. The certificate chain is still
 * verified by the sign-in request itself.
 */
export async function checkTlsPin(url: string, pin: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || 443);
  const actual = await new Promise<string>((ok, fail) => {
    // Only the key is read here; the request that follows verifies the chain as usual.
    const socket = connect({ host: u.hostname, port, servername: u.hostname, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.raw) return fail(new GatepassError('SERVER_ERROR', `${u.origin} presented no certificate`));
      const spki = new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
      ok(`sha256/${createHash('sha256').update(spki).digest('base64')}`);
    });
    socket.on('timeout', () => {
      socket.destroy();
      fail(new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${u.origin}: timed out`));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => fail(new GatepassError('SERVER_UNREACHABLE', `Cannot reach ${u.origin}: ${err.code ?? 'network error'}`)));
  });
  if (actual !== pin) throw new GatepassError('SERVER_ERROR', `${u.origin} does not present the TLS key pinned in the .usr file: not signing in`);
}
