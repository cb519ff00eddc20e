import { describe, expect, it } from 'vitest';
import { GatepassError } from './errors';
import { QR_PAYLOAD_VERSION, decodeSigninPayload, encodeSigninPayload, type SigninPayload } from './qr-payload';

const base: SigninPayload = {
  server: 'https://gp.example.com:8443',
  login: 'a.berg',
  credential: 'k7Qx2mP9.uWq3dM0fXbT5rL8yZ1cV4nH6jK2pS9eA7gQ',
  issuedAt: '2025-11-24T08:41:00.000Z',
  expiresAt: null,
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatepassError);
    return (err as GatepassError).code;
  }
  throw new Error('expected a throw');
}

describe('sign-in payload', () => {
  it('encodes version 1 as compact JSON with the documented short keys, in order', () => {
    expect(encodeSigninPayload(base)).toBe(
      '{"gp":"signin","v":1,"s":"https://gp.example.com:8443","l":"a.berg","c":"k7Qx2mP9.uWq3dM0fXbT5rL8yZ1cV4nH6jK2pS9eA7gQ","i":"2025-11-24T08:41:00.000Z"}',
    );
    expect(QR_PAYLOAD_VERSION).toBe(1);
  });

  it('adds the expiry only when there is one', () => {
    const text = encodeSigninPayload({ ...base, expiresAt: '2025-12-24T08:41:00.000Z' });
    expect(JSON.parse(text)).toMatchObject({ e: '2025-12-24T08:41:00.000Z' });
    expect(JSON.parse(encodeSigninPayload(base))).not.toHaveProperty('e');
  });

  it('round-trips through decode, with or without an expiry', () => {
    expect(decodeSigninPayload(encodeSigninPayload(base))).toEqual(base);
    const expiring = { ...base, login: 'Борис', expiresAt: '2025-12-24T08:41:00.000Z' };
    expect(decodeSigninPayload(encodeSigninPayload(expiring))).toEqual(expiring);
  });

  it('carries the server\'s TLS key pin when it has one, and refuses a pin that is not one', () => {
    const pinned = { ...base, tlsPin: `sha256/${Buffer.alloc(32, 9).toString('base64')}` };
    expect(decodeSigninPayload(encodeSigninPayload(pinned))).toEqual(pinned);
    expect(JSON.parse(encodeSigninPayload(pinned))).toMatchObject({ p: pinned.tlsPin });
    expect(JSON.parse(encodeSigninPayload({ ...base, tlsPin: null }))).not.toHaveProperty('p');
    const bad = encodeSigninPayload(pinned).replace(pinned.tlsPin, 'sha256/not-a-pin');
    expect(codeOf(() => decodeSigninPayload(bad))).toBe('PAYLOAD_INVALID');
  });

  it('tolerates whitespace a scanner may add around the text', () => {
    expect(decodeSigninPayload(`\n ${encodeSigninPayload(base)} \r\n`)).toEqual(base);
  });

  it('refuses an unknown version with PAYLOAD_INVALID and says which version it reads', () => {
    const v2 = encodeSigninPayload(base).replace('"v":1', '"v":2');
    expect(codeOf(() => decodeSigninPayload(v2))).toBe('PAYLOAD_INVALID');
    expect(() => decodeSigninPayload(v2)).toThrow(/version 2.*version 1/);
  });

  it('refuses text that is not ours with PAYLOAD_INVALID', () => {
    for (const text of ['https://example.com', 'null', '[]', '{"gp":"wifi","v":1}', JSON.stringify({ ...JSON.parse(encodeSigninPayload(base)), s: 'ftp://x' })]) {
      expect(codeOf(() => decodeSigninPayload(text))).toBe('PAYLOAD_INVALID');
    }
  });

  it('never echoes the credential in its errors', () => {
    const bad = encodeSigninPayload(base).replace('"v":1', '"v":9');
    try {
      decodeSigninPayload(bad);
    } catch (err) {
      expect((err as Error).message).not.toContain(base.credential);
    }
    expect(codeOf(() => decodeSigninPayload(bad))).toBe('PAYLOAD_INVALID');
  });
});
