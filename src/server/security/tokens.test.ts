import { describe, expect, it } from 'vitest';
import { digestsEqual, newCredential, newToken, parseCredential, sha256Hex } from './tokens';
import { COMMON_PASSWORD_COUNT, isCommonPassword } from './common-passwords';

describe('tokens and credentials', () => {
  it('makes 32-byte tokens that never repeat', () => {
    const a = newToken();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('makes credentials of a 16-byte id and a 32-byte secret, and parses them back', () => {
    const c = newCredential();
    expect(Buffer.from(c.id, 'base64url')).toHaveLength(16);
    expect(Buffer.from(c.secret, 'base64url')).toHaveLength(32);
    expect(parseCredential(c.credential)).toEqual({ id: c.id, secret: c.secret });
  });

  it('refuses anything that is not exactly id.secret', () => {
    const c = newCredential();
    for (const bad of ['', c.id, `${c.id}.`, `${c.id}.${c.secret}x`, `${c.id}:${c.secret}`, `${c.id}.${c.secret.slice(1)}=`]) {
      expect(parseCredential(bad), bad).toBeNull();
    }
  });

  it('compares digests by value', () => {
    expect(digestsEqual(sha256Hex('a'), sha256Hex('a'))).toBe(true);
    expect(digestsEqual(sha256Hex('a'), sha256Hex('b'))).toBe(false);
    expect(digestsEqual(sha256Hex('a'), '')).toBe(false);
  });
});

describe('common-password list', () => {
  it('has a few hundred entries and matches regardless of case', () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThan(300);
    expect(isCommonPassword('Password1')).toBe(true);
    expect(isCommonPassword('QWERTY123')).toBe(true);
    expect(isCommonPassword('Harbour-Lights-42')).toBe(false);
  });
});
