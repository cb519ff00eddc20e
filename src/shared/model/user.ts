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
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const UserSortSchema = z.enum(['login', 'displayName', 'email', 'createdAt']);
export type UserSort = z.infer<typeof UserSortSchema>;
export const SortOrderSchema = z.enum(['asc', 'desc']);
