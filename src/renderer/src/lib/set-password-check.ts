import { checkAgainstServer, describeViolations, type ServerPolicy } from '../../../shared/model/password-policy';

/**
 * What the Set password dialog checks before sending: the policy's own rules and the server's
 * common-password list, in the policy's own words (what the server would answer), the
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

export function setPasswordProblems(password: string, confirm: string, policy: ServerPolicy | null, logins: readonly string[]): SetPasswordProblems {
  const rules = policy ? checkAgainstServer(password, policy) : [];
  let passwordProblem = !password ? 'Enter the new password' : rules.length > 0 ? describeViolations(rules) : undefined;
  const refused = policy && password && !passwordProblem ? logins.filter((l) => checkAgainstServer(password, policy, l).some((v) => v.rule === 'forbidLogin')) : [];
  // Refused for every one of them: nothing would be set, so it is the password's problem.
  if (!passwordProblem && logins.length > 0 && refused.length === logins.length) {
    passwordProblem = describeViolations(checkAgainstServer(password, policy!, refused[0]));
  }
  return {
    ...(passwordProblem ? { password: passwordProblem } : {}),
    ...(confirm !== password ? { confirm: 'The passwords do not match' } : {}),
    loginRefused: { count: refused.length, first: refused.slice(0, NAMED) },
  };
}
