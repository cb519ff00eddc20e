import { describe, expect, it } from 'vitest';
import { checkAgainstServer, checkPassword, commonChecked, DEFAULT_PASSWORD_POLICY, describeViolations, type PasswordPolicy } from './password-policy';

const strict: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY, requireSymbol: true };
const rules = (pw: string, policy = DEFAULT_PASSWORD_POLICY, login?: string, common: string[] = []) =>
  checkPassword(pw, policy, { login, isCommon: (p) => common.includes(p.toLowerCase()) }).map((v) => v.rule);

describe('checkPassword', () => {
  it('accepts a password that meets every rule', () => {
    expect(rules('Harbour-Lights-42', strict, 'a.berg')).toEqual([]);
  });

  it('names each missing character class', () => {
    expect(rules('alllowercase')).toEqual(['requireUppercase', 'requireDigit']);
    expect(rules('ALLUPPER123')).toEqual(['requireLowercase']);
    expect(rules('NoSymbols123', strict)).toEqual(['requireSymbol']);
  });

  it('counts length in characters, so non-Latin and emoji passwords are judged fairly', () => {
    expect(rules('Пароль12', DEFAULT_PASSWORD_POLICY)).toEqual([]);
    expect(rules('Ab1😀😀', DEFAULT_PASSWORD_POLICY)).toEqual(['minLength']);
    expect(rules('Ab1' + 'x'.repeat(200))).toEqual(['maxLength']);
  });

  it('rejects a password containing the login, whatever the case', () => {
    expect(rules('xxBERGxx1A', DEFAULT_PASSWORD_POLICY, 'berg')).toEqual(['forbidLogin']);
  });

  it('does not treat a one- or two-letter login as contained everywhere', () => {
    expect(rules('Harbour-Lights-42', DEFAULT_PASSWORD_POLICY, 'a')).toEqual([]);
  });

  it('rejects common passwords through the injected blocklist', () => {
    expect(rules('Password1', DEFAULT_PASSWORD_POLICY, undefined, ['password1'])).toEqual(['forbidCommon']);
  });

  it('switches rules off when the policy does', () => {
    const lax: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY, requireUppercase: false, requireDigit: false, forbidCommon: false };
    expect(rules('lowercase', lax, undefined, ['lowercase'])).toEqual([]);
  });

  it('explains the failures in one line for a broken code', () => {
    expect(describeViolations(checkPassword('short', DEFAULT_PASSWORD_POLICY))).toBe(
      'Password does not meet the policy: at least 8 characters, an uppercase letter, a digit',
    );
    expect(describeViolations([])).toBe('');
  });
});

describe('checkAgainstServer', () => {
  const published = { ...DEFAULT_PASSWORD_POLICY, commonPasswords: ['password1', 'qwerty123'] };

  it("refuses what is on the server's list, ignoring case and surrounding spaces, as the server does", () => {
    expect(checkAgainstServer(' PassWord1 ', published).map((v) => v.rule)).toEqual(['forbidCommon']);
    expect(checkAgainstServer('Qwerty123', published, 'x.user').map((v) => v.rule)).toEqual(['forbidCommon']);
    expect(checkAgainstServer('Harbour-Lights-42', published)).toEqual([]);
  });

  it('says when it cannot check the list: a server that publishes none, with the rule on', () => {
    const { commonPasswords: _omit, ...older } = published;
    expect(commonChecked(older)).toBe(false);
    expect(commonChecked({ ...older, forbidCommon: false })).toBe(true);
    expect(commonChecked(published)).toBe(true);
  });
});
