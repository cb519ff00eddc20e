import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY } from '../../../shared/model/password-policy';
import { setPasswordProblems } from './set-password-check';

const logins = ['a.berg', 'granite', 'c.diaz'];

describe('checking a password before setting it for users', () => {
  it("refuses a weak password in the policy's own words", () => {
    expect(setPasswordProblems('weak', 'weak', DEFAULT_PASSWORD_POLICY, logins).password).toBe(
      'Password does not meet the policy: at least 8 characters, an uppercase letter, a digit',
    );
    expect(setPasswordProblems('', '', DEFAULT_PASSWORD_POLICY, logins).password).toBe('Enter the new password');
  });

  it("refuses a password on the server's common-password list before sending it, in the server's words", () => {
    const policy = { ...DEFAULT_PASSWORD_POLICY, commonPasswords: ['password123'] };
    expect(setPasswordProblems('PASSword123', 'PASSword123', policy, logins).password).toBe(
      'Password does not meet the policy: too common: found in the list of breached passwords',
    );
    // A server that does not publish its list decides that rule alone.
    expect(setPasswordProblems('PASSword123', 'PASSword123', DEFAULT_PASSWORD_POLICY, logins).password).toBeUndefined();
  });

  it('asks for the same password twice', () => {
    expect(setPasswordProblems('Granite-Falls-2031', 'Granite-Falls-2030', DEFAULT_PASSWORD_POLICY, logins).confirm).toBe('The passwords do not match');
  });

  it('names the users whose login the password contains, and passes it for the others', () => {
    const p = setPasswordProblems('Granite-Falls-2031', 'Granite-Falls-2031', DEFAULT_PASSWORD_POLICY, logins);
    expect(p.password).toBeUndefined();
    expect(p.confirm).toBeUndefined();
    expect(p.loginRefused).toEqual({ count: 1, first: ['granite'] });
  });

  it('refuses the password outright when it contains the login of every user it is for', () => {
    expect(setPasswordProblems('Granite-Falls-2031', 'Granite-Falls-2031', DEFAULT_PASSWORD_POLICY, ['granite']).password).toBe(
      'Password does not meet the policy: must not contain the login',
    );
  });

  it('checks nothing against the policy before it has loaded', () => {
    expect(setPasswordProblems('weak', 'weak', null, logins)).toEqual({ loginRefused: { count: 0, first: [] } });
  });
});
