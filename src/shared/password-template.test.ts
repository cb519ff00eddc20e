import { describe, expect, it } from 'vitest';
import { generateStrongPassword, parseTemplateStart, templatePasswords } from './password-template';
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

describe('Start from with leading zeros', () => {
  it('pads every number to the typed width, and grows past it', () => {
    const start = parseTemplateStart('098');
    expect(start).toEqual({ start: 98, digits: 3 });
    expect(templatePasswords({ prefix: 'Depot-', postfix: '!', ...start! }, 4)).toEqual(['Depot-098!', 'Depot-099!', 'Depot-100!', 'Depot-101!']);
  });

  it('does not pad a number typed without a leading zero, and reads a lone 0 as zero', () => {
    expect(parseTemplateStart('10')).toEqual({ start: 10 });
    expect(parseTemplateStart(' 0 ')).toEqual({ start: 0 });
    expect(templatePasswords({ prefix: '', postfix: '', ...parseTemplateStart('9')! }, 2)).toEqual(['9', '10']);
  });

  it('refuses anything but digits up to the bound', () => {
    for (const bad of ['', '-1', '1.5', '1e3', '0x10', '١٢', '1000000001', '00000000001', ' 1 2']) expect(parseTemplateStart(bad), bad).toBeNull();
    expect(parseTemplateStart('1000000000')).toEqual({ start: 1_000_000_000 });
  });
});
