import { describe, expect, it } from 'vitest';
import { pastedKeyMatches, tlsRefusalOf, type TlsCertificate } from './tls-certificate';

const cert: TlsCertificate = {
  pin: `sha256/${Buffer.alloc(32, 5).toString('base64')}`,
  fingerprint: Array.from({ length: 32 }, (_v, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':'),
  subject: 'localhost',
  issuer: 'localhost',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2036-01-01T00:00:00.000Z',
  selfSigned: true,
};

describe('what an administrator pastes from the server operator', () => {
  it('matches the pin, or the fingerprint however its colons, spaces and case were copied', () => {
    expect(pastedKeyMatches(cert.pin, cert)).toBe(true);
    expect(pastedKeyMatches(`  ${cert.pin}\n`, cert)).toBe(true);
    expect(pastedKeyMatches(cert.fingerprint, cert)).toBe(true);
    expect(pastedKeyMatches(cert.fingerprint.toLowerCase().replace(/:/g, ' '), cert)).toBe(true);
    expect(pastedKeyMatches(`SHA-256 fingerprint ${cert.fingerprint}`, cert)).toBe(true);
  });

  it('refuses another key in either form, says when it is neither form, and is null when empty', () => {
    expect(pastedKeyMatches(`sha256/${Buffer.alloc(32, 6).toString('base64')}`, cert)).toBe(false);
    expect(pastedKeyMatches(cert.fingerprint.replace(/^../, '00'), cert)).toBe(false);
    expect(pastedKeyMatches('sha256/short=', cert)).toBe('unreadable');
    expect(pastedKeyMatches('AB:CD', cert)).toBe('unreadable');
    expect(pastedKeyMatches('   ', cert)).toBe(null);
  });
});

describe('a TLS refusal in an error', () => {
  it('is read from TLS_UNTRUSTED and TLS_PIN_MISMATCH details only, and only in its own shape', () => {
    expect(tlsRefusalOf({ code: 'TLS_UNTRUSTED', details: { certificate: cert, pinned: null } })).toEqual({ certificate: cert, pinned: null });
    expect(tlsRefusalOf({ code: 'TLS_PIN_MISMATCH', details: { certificate: cert, pinned: cert.pin } })).toEqual({ certificate: cert, pinned: cert.pin });
    expect(tlsRefusalOf({ code: 'SERVER_UNREACHABLE', details: { certificate: cert, pinned: null } })).toBe(null);
    expect(tlsRefusalOf({ code: 'TLS_UNTRUSTED', details: { certificate: { ...cert, fingerprint: 'nope' }, pinned: null } })).toBe(null);
    expect(tlsRefusalOf({ code: 'TLS_UNTRUSTED' })).toBe(null);
  });
});
