import { z } from 'zod';
import { EmailSchema, LoginSchema, ProvisioningStateSchema, SortOrderSchema, UserSchema, UserSortSchema, UserSourceSchema } from '../model/user';
import { IdParams, Instant, Ok, route } from './route';

export const UserListQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  search: z.string().max(200).optional(),
  sort: UserSortSchema.default('login'),
  order: SortOrderSchema.default('asc'),
  /** never: no live QR code (never issued, voided or expired); issued: one that works now. */
  qr: z.enum(['never', 'issued']).optional(),
  /** Users whose live QR code was issued before this instant (excludes those without one). */
  qrIssuedBefore: Instant.optional(),
  /** Users created at or after this instant. */
  createdSince: Instant.optional(),
  /** true: only users signed in now (a live device session); false: only those who are not. */
  signedIn: z.stringbool().optional(),
  /** enabled: users with two-step verification on; disabled: users without it (on the users_totp index). */
  totp: z.enum(['enabled', 'disabled']).optional(),
  /** true: only disabled users; false: only active ones (with totp=disabled: who mandatory 2FA would lock out). */
  disabled: z.stringbool().optional(),
  /** Mobile provisioning: none, pending (a live code is out), provisioned (a device that is not revoked), expired. */
  provisioning: ProvisioningStateSchema.optional(),
});
export type UserListQuery = z.output<typeof UserListQuerySchema>;

export const UserPageSchema = z.object({ total: z.number().int(), items: z.array(UserSchema) });

export const CreateUserSchema = z.object({
  login: LoginSchema,
  displayName: z.string().trim().max(200).default(''),
  email: EmailSchema.default(''),
  /** Optional initial password, checked against the policy. */
  password: z.string().max(1024).optional(),
  /** internal (default) or directory: which automatic one-time-password option reaches the user. */
  source: UserSourceSchema.default('internal'),
  /** May provision a phone for mobile authentication (default on). */
  mobileAllowed: z.boolean().default(true),
});

export const UpdateUserSchema = z
  .object({ login: LoginSchema, displayName: z.string().trim().max(200), email: EmailSchema, source: UserSourceSchema, mobileAllowed: z.boolean() })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'Nothing to change');

export const SetPasswordSchema = z.object({ password: z.string().min(1).max(1024) });

/** What an administrator can do to many users at once; each is audited per user. */
export const UserActionSchema = z.enum(['disable', 'enable', 'revokeQr', 'endSessions']);
export type UserAction = z.infer<typeof UserActionSchema>;

export const UserActionsSchema = z.object({ action: UserActionSchema, userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000) });
export const UserActionResultSchema = z.object({
  userId: z.string(),
  login: z.string().nullable(),
  ok: z.boolean(),
  /** Sessions ended (disable, revokeQr, endSessions). */
  sessionsEnded: z.number().int().nonnegative(),
  /** QR credentials voided (revokeQr). */
  credentialsVoided: z.number().int().nonnegative(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export const UserActionsResultSchema = z.object({ results: z.array(UserActionResultSchema) });

/**
 * Where some users are in the list as an administrator sees it (its search, filters and sort,
 * without paging), so the console can select a user it just created and scroll to them. In a
 * JSON body, so `signedIn` is a boolean here.
 */
export const LocateUsersSchema = UserListQuerySchema.omit({ offset: true, limit: true, signedIn: true, disabled: true }).extend({
  signedIn: z.boolean().optional(),
  disabled: z.boolean().optional(),
  /** The users to find: the first of them in the list's order. */
  userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000).optional(),
  /** Type-ahead instead: the first row whose login starts with this, ignoring case. */
  loginPrefix: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^\p{Cc}]*$/u, 'The login prefix has no control characters')
    .optional(),
  /** With loginPrefix: start at this row (the focused one) and wrap to the top; an unknown id starts at the top. */
  fromUserId: z.string().min(1).max(64).optional(),
  /** With fromUserId: start after it, so typing the same letter again goes on to the next match. */
  skipFrom: z.boolean().default(false),
});
/** The first of the users in the list's order and its row index (the list's offset), or nulls when the list hides them all. */
export const LocateUsersResultSchema = z.object({ userId: z.string().nullable(), index: z.number().int().nonnegative().nullable() });

/** Rows of an import, checked one by one on the server: a bad row is that row's error, not the batch's. */
export const ImportUsersSchema = z.object({
  users: z
    .array(z.object({ login: z.unknown(), displayName: z.unknown().optional(), email: z.unknown().optional(), source: z.unknown().optional() }))
    .min(1)
    .max(10_000),
});
export const ImportUsersResultSchema = z.object({
  created: z.number().int(),
  failed: z.number().int(),
  /** One per row, in order. */
  results: z.array(
    z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), userId: z.string(), login: z.string() }),
      z.object({ ok: z.literal(false), code: z.string(), message: z.string() }),
    ]),
  ),
});

/** The user directory: list, read, create, edit, delete, set a password. */
export const usersApi = {
  listUsers: route({ method: 'GET', path: '/api/v1/users', summary: 'Page through users, with search and sort', auth: 'admin', query: UserListQuerySchema, response: UserPageSchema }),
  getUser: route({ method: 'GET', path: '/api/v1/users/:id', summary: "A user's details", auth: 'admin', params: IdParams, response: UserSchema }),
  createUser: route({ method: 'POST', path: '/api/v1/users', summary: 'Create a user', auth: 'admin', body: CreateUserSchema, response: UserSchema }),
  updateUser: route({
    method: 'PATCH',
    path: '/api/v1/users/:id',
    summary: 'Edit a user (login, display name, email, whether they may use mobile authentication); a login change voids their QR credentials',
    auth: 'admin',
    params: IdParams,
    body: UpdateUserSchema,
    response: UserSchema,
  }),
  deleteUser: route({ method: 'DELETE', path: '/api/v1/users/:id', summary: 'Delete a user', auth: 'admin', params: IdParams, response: Ok }),
  setPassword: route({
    method: 'PUT',
    path: '/api/v1/users/:id/password',
    summary: "Set a user's password (checked against the policy); voids their QR credentials",
    auth: 'admin',
    params: IdParams,
    body: SetPasswordSchema,
    response: Ok,
  }),
  userActions: route({
    method: 'POST',
    path: '/api/v1/users/actions',
    summary: 'Disable, enable, revoke the QR code of, or end the sessions of many users; each user on their own, audited',
    auth: 'admin',
    body: UserActionsSchema,
    response: UserActionsResultSchema,
  }),
  locateUsers: route({
    method: 'POST',
    path: '/api/v1/users/locate',
    summary: 'Where the first of these users (or the first login starting with loginPrefix at or after fromUserId: type-ahead) is in the list (same search, filters and sort): its row index, or null when the list hides them',
    auth: 'admin',
    body: LocateUsersSchema,
    response: LocateUsersResultSchema,
  }),
  importUsers: route({
    method: 'POST',
    path: '/api/v1/users/import',
    summary: 'Create many users; each row succeeds or fails on its own; one audit entry with the counts',
    auth: 'admin',
    body: ImportUsersSchema,
    response: ImportUsersResultSchema,
  }),
} as const;
