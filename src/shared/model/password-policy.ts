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

/** NIST SP 800-63B: a memorised secret is at least 8 characters; no policy may ask for less. */
export const MIN_LENGTH_FLOOR = 8;

/**
 * A policy an administrator sets: the stored shape, with the NIST floor on the minimum and the
 * minimum no higher than the maximum. Reading stays lenient (a server of an older version may
 * hold a lower minimum), so only new policies are held to it.
 */
export const PolicyUpdateSchema = PasswordPolicySchema.extend({
  minLength: z
    .number()
    .int()
    // abort: a minimum out of range is the one thing to say; comparing it with the maximum would add noise.
    .min(MIN_LENGTH_FLOOR, { message: `Minimum length must be at least ${MIN_LENGTH_FLOOR}`, abort: true })
    .max(256, { message: 'Minimum length must be at most 256', abort: true }),
}).refine((p) => p.minLength <= p.maxLength, { message: 'Minimum length must not exceed maximum length', path: ['minLength'] });

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

/**
 * The policy as the server answers it (GET /api/v1/policy): the rules plus its list of common
 * passwords, so the console checks exactly what the server will check and never shows a
 * password the server refuses as passing. The list is absent from servers that predate it.
 */
export const ServerPolicySchema = PasswordPolicySchema.extend({
  /** Normalised entries ({@link normalizeForBlocklist}); a few hundred, so sending them is cheap. */
  commonPasswords: z.array(z.string().max(256)).max(100_000).optional(),
});
export type ServerPolicy = z.infer<typeof ServerPolicySchema>;

/** How a password is compared with the common-password list, on the server and in the console alike. */
export function normalizeForBlocklist(password: string): string {
  return password.trim().toLowerCase();
}

// One Set per policy object the console received, built on first use.
const blocklists = new WeakMap<readonly string[], ReadonlySet<string>>();

function blocklistOf(list: readonly string[]): ReadonlySet<string> {
  let set = blocklists.get(list);
  if (!set) {
    set = new Set(list);
    blocklists.set(list, set);
  }
  return set;
}

/**
 * {@link checkPassword} with the server's own list: what the server decides for this password
 * and login. Without a list (an older server) the common-password rule cannot be checked here;
 * `commonChecked` says so, and the caller must not promise that the password passes.
 */
export function checkAgainstServer(password: string, policy: ServerPolicy, login = ''): PolicyViolation[] {
  const list = policy.commonPasswords;
  return checkPassword(password, policy, { login, ...(list ? { isCommon: (pw: string) => blocklistOf(list).has(normalizeForBlocklist(pw)) } : {}) });
}

/** Whether the console can check the common-password rule for this server (it publishes its list, or the rule is off). */
export function commonChecked(policy: ServerPolicy): boolean {
  return !policy.forbidCommon || policy.commonPasswords !== undefined;
}

/** One line for a broken QR code or an error message. */
export function describeViolations(violations: PolicyViolation[]): string {
  return violations.length === 0 ? '' : `Password does not meet the policy: ${violations.map((x) => x.message.toLowerCase()).join(', ')}`;
}
