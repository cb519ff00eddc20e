import { describe, expect, it } from 'vitest';
import { GatepassError } from './errors';
import { decodeProvisioningPayload, encodeProvisioningPayload, PROVISIONING_PAYLOAD_MAX_CHARS, provisioningLink, qrImageUrlFor } from './provisioning-payload';
import { encodeSigninPayload } from './qr-payload';

const sample = { server: 'https://gp.example.com:8443', serverId: 'q2L0tMBv7Zk3xR9yWn4aHg', login: 'a.berg', code: 'hG4pX9tQ2mZ7vK1rB8wN3c', tlsPin: null };
const PIN = 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

function refusal(text: string): GatepassError {
  try {
    decodeProvisioningPayload(text);
  } catch (err) {
    if (err instanceof GatepassError) return err;
    throw err;
  }
  throw new Error('decoded');
}

describe('the provisioning payload, version 1', () => {
  it('encodes compact JSON with the documented keys in order, and decodes it back', () => {
    const text = encodeProvisioningPayload(sample);
    expect(text).toBe('{"gp":"provision","v":1,"s":"https://gp.example.com:8443","sid":"q2L0tMBv7Zk3xR9yWn4aHg","l":"a.berg","c":"hG4pX9tQ2mZ7vK1rB8wN3c"}');
    expect(decodeProvisioningPayload(text)).toEqual(sample);
  });

  it("carries the server's TLS key pin when it has one, as `p` at the end", () => {
    const text = encodeProvisioningPayload({ ...sample, tlsPin: PIN });
    expect(text.endsWith(`,"p":"${PIN}"}`)).toBe(true);
    expect(decodeProvisioningPayload(text)).toEqual({ ...sample, tlsPin: PIN });
    expect(() => decodeProvisioningPayload(text.replace(PIN, 'sha256/short'))).toThrow(/missing or malformed/);
  });

  it('trims what scanners add around the text and ignores keys a later version may add', () => {
    const text = encodeProvisioningPayload(sample).replace('}', ',"x":"later"}');
    expect(decodeProvisioningPayload(`\n ${text}\r\n`)).toEqual(sample);
  });

  it('keeps a login with non-Latin letters, spaces and quotes intact', () => {
    const p = { ...sample, login: 'Ünal "Ö" Çelik 李' };
    expect(decodeProvisioningPayload(encodeProvisioningPayload(p))).toEqual(p);
  });

  it('refuses what is not ours with PAYLOAD_INVALID, naming why and never the code', () => {
    const base = JSON.parse(encodeProvisioningPayload(sample)) as Record<string, unknown>;
    const cases: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      ['https://evil.example/?code=1', /not JSON/],
      [JSON.stringify({ ...base, gp: 'other' }), /missing or malformed/],
      [JSON.stringify({ ...base, v: 2 }), /Unsupported provisioning code version 2; this build reads version 1/],
      [JSON.stringify({ ...base, s: 'ftp://gp.example.com' }), /missing or malformed/],
      [JSON.stringify({ ...base, s: 'javascript:alert(1)' }), /missing or malformed/],
      [JSON.stringify({ ...base, sid: 'short' }), /missing or malformed/],
      [JSON.stringify({ ...base, l: '' }), /missing or malformed/],
      [JSON.stringify({ ...base, c: 'has spaces in it and is long enough' }), /missing or malformed/],
      [JSON.stringify({ ...base, c: undefined }), /missing or malformed/],
      [encodeSigninPayload({ server: sample.server, login: 'a.berg', credential: 'id.secret', issuedAt: '2025-01-01T00:00:00.000Z', expiresAt: null }), /sign-in code, not a provisioning code/],
      ['x'.repeat(PROVISIONING_PAYLOAD_MAX_CHARS + 1), /longer than 1024/],
      [' '.repeat(5000), /longer than 1024/],
      [provisioningLink('x'.repeat(PROVISIONING_PAYLOAD_MAX_CHARS + 1)), /longer than 1024/],
    ];
    for (const [text, why] of cases) {
      const err = refusal(text);
      expect(err.code, text).toBe('PAYLOAD_INVALID');
      expect(err.message, text).toMatch(why);
      expect(err.message).not.toContain(sample.code);
    }
  });

  it('makes and reads the provisioning link a phone opens, gatepass://provision?p=<payload>', () => {
    const text = encodeProvisioningPayload(sample);
    const link = provisioningLink(text);
    expect(link).toBe(`gatepass://provision?p=${encodeURIComponent(text)}`);
    expect(decodeProvisioningPayload(link)).toEqual(sample);
    expect(() => decodeProvisioningPayload('gatepass://provision?p=%E0%A4%A')).toThrow(/broken percent-encoding/);
    expect(() => decodeProvisioningPayload('gatepass://provision?p=hello')).toThrow(/not JSON/);
  });

  it('makes the QR image URL of the reference: the QR Code URL followed by the percent-encoded payload', () => {
    const text = encodeProvisioningPayload(sample);
    const url = qrImageUrlFor('https://gp.example.com:8443/userportal/getQRCode?text=', text);
    expect(url.startsWith('https://gp.example.com:8443/userportal/getQRCode?text=%7B%22gp%22%3A%22provision%22')).toBe(true);
    expect(new URL(url).searchParams.get('text')).toBe(text);
  });
});
