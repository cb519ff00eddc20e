import { checkPassword, describeViolations, type PasswordPolicy } from '../../../shared/model/password-policy';

/**
 * What the Set password dialog checks before sending: the policy's own rules with the policy's
 * own words (the server says the same, and also checks its list of common passwords), the
 * confirmation, and which users' logins the password contains (the server refuses it for them
 * only). Pure, for tests.
 */
export interface SetPasswordProblems {
  /** Why the password cannot be sent, in the policy's words; undefined when it can. */
  readonly password?: string;
  readonly confirm?: string;
  /** Users the login rule refuses it for (they keep their password), and how many in all. */
  readonly loginRefused: { readonly count: number; readonly first: readonly string[] };
}

/** How many refused logins are named. */
const NAMED = 5;

export function setPasswordProblems(password: string, confirm: string, policy: PasswordPolicy | null, logins: readonly string[]): SetPasswordProblems {
  const rules = policy ? checkPassword(password, policy) : [];
  const passwordProblem = !password ? 'Enter the new password' : rules.length > 0 ? describeViolations(rules) : undefined;
  const refused = policy && password && !passwordProblem ? logins.filter((l) => checkPassword(password, policy, { login: l }).some((v) => v.rule === 'forbidLogin')) : [];
  return {
    ...(passwordProblem ? { password: passwordProblem } : {}),
    ...(confirm !== password ? { confirm: 'The passwords do not match' } : {}),
    loginRefused: { count: refused.length, first: refused.slice(0, NAMED) },
  };
}
