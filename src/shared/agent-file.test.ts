import { describe, expect, it } from 'vitest';
import { decodeAgentFile, encodeAgentFile } from './agent-file';

const CREDENTIAL = `${'a'.repeat(22)}.${'b'.repeat(43)}`;

describe('agent file format', () => {
  it('round-trips a version-1 file, pretty-printed with a final newline', () => {
    const fields = { server: { url: 'https://gp.example.com:8443', name: 'Plant 1', tlsPin: null }, computer: { id: 'c1', name: 'WS-01' }, credential: CREDENTIAL, issuedAt: '2026-11-24T08:00:00.000Z' };
    const text = encodeAgentFile(fields);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "format": "gatepass-agent",\n  "version": 1,');
    expect(decodeAgentFile(`\uFEFF${text}`)).toEqual({ format: 'gatepass-agent', version: 1, ...fields });
  });

  it('refuses files that are not ours or of another version, without echoing the credential', () => {
    const text = JSON.stringify({ format: 'gatepass-agent', version: 1, server: { url: 'http://x', name: 'x', tlsPin: null }, computer: { id: '1', name: 'x' }, credential: 'secret-value', issuedAt: new Date().toISOString() });
    expect(() => decodeAgentFile(text)).toThrow(/Malformed agent file \(credential\)/);
    try {
      decodeAgentFile(text);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-value');
    }
    expect(() => decodeAgentFile('{"format":"gatepass-agent","version":2}')).toThrow(/Unsupported agent file version 2/);
    expect(() => decodeAgentFile('{"format":"gatepass-usr","version":1}')).toThrow(/Not a Gatepass agent file/);
    expect(() => decodeAgentFile('nope')).toThrow(/not JSON/);
  });
});
