import { describe, expect, it } from 'vitest';
import { decodeUsrConfig, encodeUsrConfig } from './usr-config';

const sample = {
  server: { url: 'https://gp.example.com:8443', name: 'Plant 1', tlsPin: `sha256/${'A'.repeat(43)}=` },
  login: 'a.berg',
  credential: 'abc.def',
  issuedAt: '2026-11-24T08:00:00.000Z',
  expiresAt: null,
};

describe('.usr device configuration', () => {
  it('round-trips everything a device needs to sign in by itself', () => {
    expect(decodeUsrConfig(encodeUsrConfig(sample))).toEqual({ format: 'gatepass-usr', version: 1, ...sample });
  });

  it('is readable JSON with a final newline', () => {
    const text = encodeUsrConfig(sample);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('"login": "a.berg"');
  });

  it('reads a file saved with a byte-order mark', () => {
    expect(decodeUsrConfig(`\uFEFF${encodeUsrConfig(sample)}`).login).toBe('a.berg');
  });

  it('refuses other versions, other files and broken fields with PAYLOAD_INVALID', () => {
    const v2 = encodeUsrConfig(sample).replace('"version": 1', '"version": 2');
    expect(() => decodeUsrConfig(v2)).toThrow(/Unsupported .usr version 2/);
    expect(() => decodeUsrConfig('{"hello":1}')).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    expect(() => decodeUsrConfig('not json')).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    const badUrl = encodeUsrConfig(sample).replace('https://gp.example.com:8443', 'file:///etc/passwd');
    expect(() => decodeUsrConfig(badUrl)).toThrow(/server.url/);
  });

  it('refuses to write a file with an invalid field', () => {
    expect(() => encodeUsrConfig({ ...sample, issuedAt: 'yesterday' })).toThrow();
  });
});
