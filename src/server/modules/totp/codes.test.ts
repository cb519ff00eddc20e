import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { codeAt, keyUri, matchStep, newTotpSecret, stepOf, windowSteps } from './codes';

describe('TOTP codes (RFC 6238: SHA-1, 6 digits, 30 s)', () => {
  it('match oathtool, the reference implementation, for the RFC test secret and for fresh secrets', async () => {
    // RFC 6238 Appendix B's SHA-1 key "12345678901234567890", base32.
    const rfc = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    for (const t of [59, 1111111109, 1234567890, 2000000000]) {
      const expected = execFileSync('oathtool', ['--totp', '-b', rfc, '-N', `@${t}`], { encoding: 'utf8' }).trim();
      expect(await codeAt(rfc, Math.floor(t / 30))).toBe(expected);
    }
    expect(await codeAt(rfc, Math.floor(59 / 30))).toBe('287082'); // the RFC's own table (8 digits 94287082)
    const fresh = newTotpSecret();
    const at = new Date();
    const expected = execFileSync('oathtool', ['--totp', '-b', fresh, '-N', `@${Math.floor(at.getTime() / 1000)}`], { encoding: 'utf8' }).trim();
    expect(await codeAt(fresh, stepOf(at))).toBe(expected);
  });

  it('make secrets of 160 random bits', () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(a);
  });

  it('accept the current step and one either side, shifted by the drift', async () => {
    const secret = newTotpSecret();
    const now = new Date('2030-01-01T00:00:10Z');
    const c = stepOf(now);
    expect(windowSteps(now, 0)).toEqual([c - 1, c, c + 1]);
    expect(windowSteps(now, 4)).toEqual([c + 3, c + 4, c + 5]);
    expect(await matchStep(secret, await codeAt(secret, c + 1), windowSteps(now, 0))).toBe(c + 1);
    expect(await matchStep(secret, await codeAt(secret, c + 2), windowSteps(now, 0))).toBeNull();
  });

  it('write the key URI apps read, with the colon that splits issuer and login kept unambiguous', () => {
    expect(keyUri('Harbour Gate', 'a.berg@example.com', 'ABC')).toBe('otpauth://totp/Harbour%20Gate:a.berg%40example.com?secret=ABC&issuer=Harbour%20Gate');
    expect(keyUri('Plant: 2', 'dom\\x:y', 'ABC')).toBe('otpauth://totp/Plant%20%202:dom%5Cx%3Ay?secret=ABC&issuer=Plant%20%202');
  });
});
