import { describe, expect, it } from 'vitest';
import { formatRecoveryCode, normaliseRecoveryCode, recoveryCodesText, RECOVERY_CODE_ALPHABET } from './recovery-codes';

describe('recovery codes as people read and type them', () => {
  it('use 32 characters without I, L, O or U, so 16 of them hold 80 bits', () => {
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
    expect(RECOVERY_CODE_ALPHABET).not.toMatch(/[ILOU]/);
    expect(16 * Math.log2(RECOVERY_CODE_ALPHABET.length)).toBe(80);
  });

  it('read a typed code whatever its case, spaces and dashes, with I and L as 1 and O as 0', () => {
    expect(formatRecoveryCode('ABCDEFGHJKMNPQRS')).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(normaliseRecoveryCode('abcd efgh-jkmn pqrs')).toBe('ABCDEFGHJKMNPQRS');
    expect(normaliseRecoveryCode('O1L0-IIII-0000-2222')).toBe('0110111100002222');
    expect(normaliseRecoveryCode('ABCD-EFGH-JKMN-PQR')).toBeNull();
    expect(normaliseRecoveryCode('ABCD-EFGH-JKMN-PQRU')).toBeNull();
    expect(normaliseRecoveryCode('')).toBeNull();
  });

  it('save as a .txt file that says what they are for, one code a line', () => {
    const text = recoveryCodesText({ serverName: 'Harbour Gate', login: 'a.berg', codes: ['ABCD-EFGH-JKMN-PQRS', '0123456789ABCDEF'], generatedAt: '2026-03-01T10:00:00.000Z' });
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('Gatepass recovery codes for a.berg on Harbour Gate');
    expect(lines).toContain('ABCD-EFGH-JKMN-PQRS');
    expect(lines).toContain('0123-4567-89AB-CDEF');
    expect(text).toContain('Generating new codes makes all of these stop working.');
  });
});
