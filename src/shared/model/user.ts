import { z } from 'zod';

/**
 * A login: what a person types or a device sends. Kept permissive on purpose (directory
 * logins contain dots, @, backslashes) but bounded and free of control characters; file
 * names made from logins are sanitised separately (issue 4).
 */
export const LoginSchema = z
  .string()
  .trim()
  .min(1, 'Login is required')
  .max(128, 'Login is at most 128 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'Login must not contain control characters');

export const EmailSchema = z.union([z.email('Not a valid email address').max(254), z.literal('')]);

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
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

/** What the user list sorts by: text columns naturally and case-insensitively, then 2FA, QR issued, sessions. */
export const UserSortSchema = z.enum(['login', 'displayName', 'email', 'createdAt', 'totp', 'qrIssuedAt', 'sessions']);
export type UserSort = z.infer<typeof UserSortSchema>;
export const SortOrderSchema = z.enum(['asc', 'desc']);
