import { describe, expect, it } from 'vitest';
import type { TlsRefusal } from '../../../shared/model/tls-certificate';
import { pastedProblem, trustOnEnter } from './trust-key-step';

const refusal: TlsRefusal = {
  certificate: {
    pin: `sha256/${Buffer.alloc(32, 5).toString('base64')}`,
    fingerprint: Array.from({ length: 32 }, () => 'AB').join(':'),
    subject: 'localhost',
    issuer: 'localhost',
    validFrom: '2026-01-01T00:00:00.000Z',
    validTo: '2036-01-01T00:00:00.000Z',
    selfSigned: true,
  },
  pinned: null,
};
const otherPin = `sha256/${Buffer.alloc(32, 6).toString('base64')}`;

describe('Enter in the step that asks whether to trust a key', () => {
  it('never trusts with nothing pasted (a stray Enter from the password field): it only says how to trust', () => {
    expect(trustOnEnter('', refusal)).toBe('hint');
    expect(trustOnEnter('   ', refusal)).toBe('hint');
  });

  it('trusts a pasted pin or fingerprint that matches, and says what is wrong with one that does not', () => {
    expect(trustOnEnter(refusal.certificate.pin, refusal)).toBe('trust');
    expect(trustOnEnter(refusal.certificate.fingerprint.toLowerCase(), refusal)).toBe('trust');
    expect(trustOnEnter(otherPin, refusal)).toBe('problem');
    expect(pastedProblem(otherPin, refusal)).toMatch(/^This is not the key the server presents: do not trust it\./);
    expect(pastedProblem('hello', refusal)).toBe('Paste the key pin (sha256/…) or the SHA-256 fingerprint (AB:CD:…) as the server printed it');
    expect(pastedProblem('', refusal)).toBe(undefined);
  });

  it('never trusts a certificate that is not self-signed, whose pin alone cannot vouch for it', () => {
    const caIssued: TlsRefusal = { ...refusal, certificate: { ...refusal.certificate, issuer: 'Corp CA', selfSigned: false } };
    expect(trustOnEnter(caIssued.certificate.pin, caIssued)).toBe('hint');
  });
});
