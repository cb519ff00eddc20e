import { z } from 'zod';

/** The server's password policy; the server decides, the console shows and pre-checks it. */
export const PasswordPolicySchema = z.object({
  minLength: z.number().int().min(1).max(256),
  maxLength: z.number().int().min(1).max(1024),
  requireLowercase: z.boolean(),
  requireUppercase: z.boolean(),
  requireDigit: z.boolean(),
  requireSymbol: z.boolean(),
  /** Reject passwords that contain the login (case-insensitive). */
  forbidLogin: z.boolean(),
  /** Reject passwords found in the server's list of common passwords. */
  forbidCommon: z.boolean(),
});
export type PasswordPolicy = z.infer<typeof PasswordPolicySchema>;

/** NIST SP 800-63B sets 8 as the floor; classes are asked for because the reference servers do. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 128,
  requireLowercase: true,
  requireUppercase: true,
  requireDigit: true,
  requireSymbol: false,
  forbidLogin: true,
  forbidCommon: true,
};

export type PolicyRule =
  | 'minLength'
  | 'maxLength'
  | 'requireLowercase'
  | 'requireUppercase'
  | 'requireDigit'
  | 'requireSymbol'
  | 'forbidLogin'
  | 'forbidCommon';

export interface PolicyViolation {
  rule: PolicyRule;
  message: string;
}

/**
 * Checks a password against a policy. Pure, so the console can check live as the
 * administrator types and the server can decide with the very same code. `isCommon` is
 * injected because the blocklist lives on the server.
 */
export function checkPassword(
  password: string,
  policy: PasswordPolicy,
  context: { login?: string; isCommon?: (password: string) => boolean } = {},
): PolicyViolation[] {
  const v: PolicyViolation[] = [];
  // Length counts code points, not UTF-16 units, so an emoji counts once.
  const length = [...password].length;
  if (length < policy.minLength) v.push({ rule: 'minLength', message: `At least ${policy.minLength} characters` });
  if (length > policy.maxLength) v.push({ rule: 'maxLength', message: `At most ${policy.maxLength} characters` });
  if (policy.requireLowercase && !/\p{Ll}/u.test(password))
    v.push({ rule: 'requireLowercase', message: 'A lowercase letter' });
  if (policy.requireUppercase && !/\p{Lu}/u.test(password))
    v.push({ rule: 'requireUppercase', message: 'An uppercase letter' });
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) v.push({ rule: 'requireDigit', message: 'A digit' });
  if (policy.requireSymbol && !/[^\p{L}\p{Nd}]/u.test(password))
    v.push({ rule: 'requireSymbol', message: 'A symbol (not a letter or digit)' });
  const login = context.login?.trim().toLowerCase();
  if (policy.forbidLogin && login && login.length >= 3 && password.toLowerCase().includes(login))
    v.push({ rule: 'forbidLogin', message: 'Must not contain the login' });
  if (policy.forbidCommon && context.isCommon?.(password))
    v.push({ rule: 'forbidCommon', message: 'Too common: found in the list of breached passwords' });
  return v;
}

/** One line for a broken QR code or an error message. */
export function describeViolations(violations: PolicyViolation[]): string {
  return violations.length === 0 ? '' : `Password does not meet the policy: ${violations.map((x) => x.message.toLowerCase()).join(', ')}`;
}
