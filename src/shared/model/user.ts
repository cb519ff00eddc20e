import { z } from 'zod';

/**
 * A login: what a person types or a device sends. Kept permissive on purpose (directory
 * logins contain dots, @, backslashes) but bounded and free of control characters; file
 * names made from logins are sanitised separately (issue 4).
 */
/**
 * Characters that make two logins look alike or a login look like something else: controls
 * (C0, DEL, C1 such as U+0085 NEXT LINE), format characters (zero-width spaces and joiners,
 * U+202E and the other bidi overrides, isolates and marks), line and paragraph separators,
 * lone surrogates and private-use characters.
 */
export const HIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

export const LoginSchema = z
  .string()
  .trim()
  .min(1, 'Login is required')
  .max(128, 'Login is at most 128 characters')
  .refine((s) => !HIDDEN_CHARACTERS.test(s), 'Login must not contain invisible, control or text-direction characters')
  // One spelling per login (Unicode NFC, as PRECIS's UsernameCasePreserved asks): a decomposed é
  // and a precomposed é are the same login, for uniqueness and for sign-in alike.
  .transform((s) => s.normalize('NFC'));

/**
 * A login as typed at a sign-in: compared in NFC, as logins are stored. Not refused for odd
 * characters: such a login simply matches no account, with the same answer as any other.
 */
export const SigninLoginSchema = z
  .string()
  .min(1, 'Login is required')
  .max(128, 'Login is at most 128 characters')
  .transform((s) => s.normalize('NFC'));

export const EmailSchema = z.union([z.email('Not a valid email address').max(254), z.literal('')]);

/**
 * Where a user comes from: `internal` (made in Gatepass, the default) or `directory` (mirrored
 * from a directory such as Active Directory). One-time passwords by email use it: "send to
 * directory users" finds the signed-in OS account among directory users, "send to internal
 * users" takes the login and password of internal users (docs/email-otp.md).
 */
export const UserSourceSchema = z.enum(['internal', 'directory']);
export type UserSource = z.infer<typeof UserSourceSchema>;

/**
 * Where a user stands with mobile provisioning (issue 10), as the Users list shows it:
 * `pending` until `at` (a live code is out), `provisioned` on `at` (the newest device that is
 * not revoked), `expired` at `at` (the last code ran out or was voided by wrong codes before
 * any device used it), or `none`.
 */
export const ProvisioningStateSchema = z.enum(['none', 'pending', 'provisioned', 'expired']);
export type ProvisioningState = z.infer<typeof ProvisioningStateSchema>;
export const UserProvisioningSchema = z.object({ state: ProvisioningStateSchema, at: z.string().nullable() });

export const UserSchema = z.object({
  id: z.string(),
  login: z.string(),
  displayName: z.string(),
  email: z.string(),
  totpEnabled: z.boolean(),
  /** When the user's current QR sign-in credential was issued, if any. */
  qrIssuedAt: z.string().nullable(),
  /** Active sessions of this user right now. */
  activeSessions: z.number().int().nonnegative(),
  /** When the user was disabled (no sign-in by any path), or null while enabled (and from servers older than this field). */
  disabledAt: z.string().nullable().default(null),
  /** Directory or internal (servers older than this field have only internal users). */
  source: UserSourceSchema.default('internal'),
  /** Whether the user may use mobile authentication (provision a phone); on unless an administrator turned it off (and from older servers). */
  mobileAllowed: z.boolean().default(true),
  /** Mobile provisioning state (none from servers older than this field). */
  provisioning: UserProvisioningSchema.default({ state: 'none', at: null }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

/** What the user list sorts by: text columns naturally and case-insensitively, then 2FA, QR issued, sessions. */
export const UserSortSchema = z.enum(['login', 'displayName', 'email', 'createdAt', 'totp', 'qrIssuedAt', 'sessions']);
export type UserSort = z.infer<typeof UserSortSchema>;
export const SortOrderSchema = z.enum(['asc', 'desc']);
