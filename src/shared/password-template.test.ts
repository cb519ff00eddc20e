import { describe, expect, it } from 'vitest';
import { generateStrongPassword, templatePasswords } from './password-template';
import { checkPassword, DEFAULT_PASSWORD_POLICY } from './model/password-policy';

describe('template passwords', () => {
  it('join prefix, an index counting up from Start from, and postfix, in list order', () => {
    expect(templatePasswords({ prefix: 'Depot-', start: 7, postfix: '!x' }, 3)).toEqual(['Depot-7!x', 'Depot-8!x', 'Depot-9!x']);
  });

  it('allow an empty prefix and postfix and a start of zero', () => {
    expect(templatePasswords({ prefix: '', start: 0, postfix: '' }, 2)).toEqual(['0', '1']);
  });
});

describe('generateStrongPassword', () => {
  it('meets the default policy every time', () => {
    for (let i = 0; i < 500; i++) {
      expect(checkPassword(generateStrongPassword(), { ...DEFAULT_PASSWORD_POLICY, requireSymbol: true })).toEqual([]);
    }
  });

  it('has the requested length and avoids look-alike characters', () => {
    const pw = generateStrongPassword(24);
    expect([...pw]).toHaveLength(24);
    expect(pw).not.toMatch(/[0O1lI]/);
  });

  it('does not repeat itself', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateStrongPassword()));
    expect(seen.size).toBe(1000);
  });

  it('refuses lengths too short to be strong', () => {
    expect(() => generateStrongPassword(4)).toThrow(RangeError);
  });
});
