import { describe, expect, it } from 'vitest';
import { GatepassError } from './errors';
import { decodeDeviceFile, encodeDeviceFile, isDeviceFileText } from './device-file';
import { encodeUsrConfig } from './usr-config';

const sample = {
  server: { url: 'https://gp.example.com:8443', id: 'q2L0tMBv7Zk3xR9yWn4aHg', name: 'Harbour Gate', tlsPin: 'sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' },
  login: 'a.berg',
  device: { id: 'C9Sq8ih4Bopc7qTi5pGA3w', name: 'Anna’s phone', createdAt: '2026-03-01T10:00:00.000Z' },
  credential: 'C9Sq8ih4Bopc7qTi5pGA3w.B4q-Ijfa0a8EKKhKFSJOpNss5bFp6bLiUXmX6GXyyN4',
  totp: { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', algorithm: 'SHA1' as const, digits: 6 as const, period: 30 as const },
};

function refusal(text: string): GatepassError {
  try {
    decodeDeviceFile(text);
  } catch (err) {
    if (err instanceof GatepassError) return err;
    throw err;
  }
  throw new Error('decoded');
}

describe('the device file, version 1', () => {
  it('writes pretty JSON with format and version first, and reads it back', () => {
    const text = encodeDeviceFile(sample);
    expect(text.startsWith('{\n  "format": "gatepass-device",\n  "version": 1,\n')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(decodeDeviceFile(text)).toEqual({ format: 'gatepass-device', version: 1, ...sample });
    expect(decodeDeviceFile(`\uFEFF${text}`).login).toBe('a.berg');
  });

  it('tells a device file from a .usr file', () => {
    expect(isDeviceFileText(encodeDeviceFile(sample))).toBe(true);
    const usr = encodeUsrConfig({ server: { url: sample.server.url, name: 'x', tlsPin: null }, login: 'a.berg', credential: sample.credential, issuedAt: sample.device.createdAt, expiresAt: null });
    expect(isDeviceFileText(usr)).toBe(false);
    expect(isDeviceFileText('not json')).toBe(false);
  });

  it('refuses other files and versions with PAYLOAD_INVALID, naming the fields and never a secret', () => {
    const base = JSON.parse(encodeDeviceFile(sample)) as Record<string, unknown>;
    expect(refusal('{').message).toMatch(/not JSON/);
    expect(refusal('{"format":"gatepass-usr","version":1}').message).toBe('Not a Gatepass device file');
    expect(refusal(JSON.stringify({ ...base, version: 2 })).message).toBe('Unsupported device file version 2; this build reads version 1');
    const bad = refusal(JSON.stringify({ ...base, totp: { ...sample.totp, secret: 'lower-case!' }, server: { ...sample.server, url: 'file:///etc' } }));
    expect(bad.message).toBe('Malformed device file (server.url, totp.secret)');
    expect(bad.message).not.toContain(sample.credential);
  });

  it('refuses to write a file that would not read back', () => {
    expect(() => encodeDeviceFile({ ...sample, login: '' })).toThrow();
  });
});
