import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicy } from '../../../../shared/model/password-policy';
import { passwordsFor } from '../../../../shared/password-template';
import type { TargetUser } from '../../store/types';
import { draftMode, formProblems, passwordVerdicts, policyFailures, type GenerateFields } from './form-problems';

const TEAM: TargetUser[] = ['a.berg', 'b.chen', 'c.diaz', 'd.evans', 'e.falk'].map((login, i) => ({ id: `u${i + 1}`, login }));
const BLANK: GenerateFields = { mode: 'same', password: '', confirm: '', prefix: '', startText: '1', postfix: '', unique: {} };
const GOOD = 'Harbour-Lights-42';

interface Situation {
  users?: readonly TargetUser[] | null;
  count?: number;
  again?: boolean;
  policy?: PasswordPolicy | null;
}

/** The form as the dialog sees it: every user's draft password checked against the policy and that user's login. */
function check(form: Partial<GenerateFields>, s: Situation = {}) {
  const fields = { ...BLANK, ...form };
  const users = s.users === undefined ? TEAM : s.users;
  const policy = s.policy === undefined ? DEFAULT_PASSWORD_POLICY : s.policy;
  const draft = draftMode(fields);
  const verdicts = users && draft ? passwordVerdicts(users, passwordsFor(draft, users.map((u) => u.id), { draft: true }), policy) : [];
  return {
    problems: formProblems(fields, { users, count: s.count ?? users?.length ?? 0, again: s.again ?? false, policy, verdicts }),
    failures: policyFailures(users, verdicts),
    verdicts,
  };
}

describe('choosing the password mode', () => {
  const note = 'Select two users or more for a template or unique passwords.';

  it('refuses a template or unique passwords for one user', () => {
    expect(check({ mode: 'template', prefix: 'Depot-' }, { users: TEAM.slice(0, 1) }).problems.modes).toBe(note);
    expect(check({ mode: 'same', password: GOOD, confirm: GOOD }, { users: TEAM.slice(0, 1) }).problems).toEqual({ modes: note });
  });

  it('offers them from two users on, and to "Generate again" for a single user', () => {
    expect(check({ mode: 'template' }, { users: TEAM.slice(0, 2) }).problems.modes).toBeUndefined();
    expect(check({ mode: 'template' }, { users: TEAM.slice(0, 1), again: true }).problems.modes).toBeUndefined();
  });

  it('goes by the selected count while the logins are still loading', () => {
    expect(check({}, { users: null, count: 1 }).problems.modes).toBe(note);
    expect(check({}, { users: null, count: 3 }).problems.modes).toBeUndefined();
  });
});

describe('the same password for everyone', () => {
  it('asks for the password first', () => {
    const { problems } = check({ mode: 'same' });
    expect(problems.password).toBe('Enter the new password');
    expect(problems.first).toBe('Enter the new password');
  });

  it('refuses a password that breaks the policy', () => {
    const { problems } = check({ password: 'harbour', confirm: 'harbour' });
    expect(problems.password).toBe('The password does not meet the policy');
    expect(problems.first).toBe('The password does not meet the policy');
  });

  it('refuses a confirmation that differs, and accepts a matching one', () => {
    const differs = check({ password: GOOD, confirm: 'Harbour-Lights-41' }).problems;
    expect(differs.password).toBeUndefined();
    expect(differs.confirm).toBe('The passwords do not match');
    expect(differs.first).toBe('The passwords do not match');
    expect(check({ password: GOOD, confirm: GOOD }).problems).toEqual({});
  });

  it('leaves the policy to the server until it has loaded', () => {
    expect(check({ password: 'harbour', confirm: 'harbour' }, { policy: null }).problems.first).toBeUndefined();
  });

  it('lets a password through that contains some users\' logins: those users get broken codes', () => {
    const pw = 'C.diaz-Harbour-42';
    const { problems, failures } = check({ password: pw, confirm: pw });
    expect(problems.first).toBeUndefined();
    expect(failures).toEqual({ count: 1, first: ['c.diaz'] });
  });
});

describe('a template', () => {
  it('asks for a whole number from 0 to 1,000,000,000 to start from', () => {
    for (const startText of ['', '-1', '1.5', '1e3', 'ten', '1000000001', '12345678901']) {
      const { problems, verdicts } = check({ mode: 'template', prefix: 'Depot-Key-', startText });
      expect(problems.start, startText).toBe('A whole number from 0 to 1,000,000,000');
      expect(problems.first, startText).toBe('Enter the number to start from');
      expect(verdicts, startText).toEqual([]);
    }
    for (const startText of ['0', '7', ' 1000000000 ']) {
      expect(check({ mode: 'template', prefix: 'Depot-Key-', startText }).problems, startText).toEqual({});
    }
  });

  it('refuses a template whose every password fails the policy', () => {
    const { problems, failures } = check({ mode: 'template', prefix: 'depot-' });
    expect(problems.first).toBe('Every password from this template fails the policy');
    expect(failures.count).toBe(5);
  });

  it('accepts one that fails for some users only, and names them', () => {
    const { problems, failures, verdicts } = check({ mode: 'template', prefix: 'A.berg-Key-' });
    expect(problems.first).toBeUndefined();
    expect(failures).toEqual({ count: 1, first: ['a.berg'] });
    expect(verdicts[0]?.map((v) => v.message)).toEqual(['Must not contain the login']);
    expect(verdicts[1]).toEqual([]);
  });
});

describe('unique passwords', () => {
  const strong = (ids: string[]) => Object.fromEntries(ids.map((id, i) => [id, `Unique-Pass-${i}x`]));

  it('counts the users who have no password yet, an emptied one included', () => {
    expect(check({ mode: 'unique', unique: strong(['u1', 'u2']) }).problems.first).toBe('3 users have no password yet: type one or use Generate all');
    expect(check({ mode: 'unique', unique: { ...strong(['u1', 'u2', 'u3', 'u4', 'u5']), u4: '' } }).problems.first).toBe(
      '1 user has no password yet: type one or use Generate all',
    );
    expect(check({ mode: 'unique', unique: strong(['u1', 'u2', 'u3', 'u4', 'u5']) }).problems).toEqual({});
  });

  it('refuses them when every one fails the policy', () => {
    const weak = Object.fromEntries(TEAM.map((u) => [u.id, 'short']));
    expect(check({ mode: 'unique', unique: weak }).problems.first).toBe('Every password fails the policy');
    expect(check({ mode: 'unique', unique: { ...weak, u5: 'Unique-Pass-5x' } }).problems.first).toBeUndefined();
  });

  it("checks each password against its own user's login", () => {
    const { failures, verdicts } = check({ mode: 'unique', unique: { ...strong(['u1', 'u2', 'u3', 'u4', 'u5']), u2: 'B.chen-Pass-2x' } });
    expect(failures).toEqual({ count: 1, first: ['b.chen'] });
    expect(verdicts.map((v) => v?.length)).toEqual([0, 1, 0, 0, 0]);
  });
});
