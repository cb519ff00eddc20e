import { z } from 'zod';
import { UserSchema, UserSourceSchema } from '../../model/user';
import { CreateUserSchema, LocateUsersResultSchema, LocateUsersSchema, UserActionSchema, UserActionsResultSchema, UserListQuerySchema, UserPageSchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** One import row that was not created; `line` is the CSV line, `login` is '' when the row had none. */
export const ImportFailureSchema = z.object({ line: z.number().int(), login: z.string(), code: z.string(), message: z.string() });
export const ImportResultSchema = z.object({
  created: z.number().int(),
  failed: z.array(ImportFailureSchema),
  /** CSV (line,login,status,code,message) with every row's outcome, for "Save the report". */
  report: z.string(),
  /** The ids of the users created, so the list can select them. */
  createdIds: z.array(z.string()),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** Ids per users:action and users:setPassword call (the renderer sends larger selections in chunks). */
export const MAX_ACTION_IDS = 10_000;

/** One user's outcome of users:setPassword: ok, or the server's refusal (POLICY_VIOLATION with the policy's message, NOT_FOUND...). */
export const SetPasswordResultSchema = z.object({ userId: z.string(), ok: z.boolean(), code: z.string().optional(), message: z.string().optional() });

/** The users of one server. */
export const userChannels = {
  // Over IPC signedIn and disabled are JSON booleans; main sends them on as the query string's true/false.
  'users:list': channel(
    ServerRef.extend({ ...UserListQuerySchema.shape, signedIn: z.boolean().optional(), disabled: z.boolean().optional() }),
    UserPageSchema,
    'A page of users',
  ),
  'users:get': channel(ServerRef.extend({ userId: z.string() }), UserSchema, "A user's details"),
  'users:create': channel(ServerRef.extend(CreateUserSchema.shape), UserSchema, 'Create a user'),
  'users:update': channel(
    ServerRef.extend({
      userId: z.string(),
      login: z.string().optional(),
      displayName: z.string().optional(),
      email: z.string().optional(),
      /** internal or directory: which automatic one-time-password option reaches the user. */
      source: UserSourceSchema.optional(),
      /** May provision a phone for mobile authentication. */
      mobileAllowed: z.boolean().optional(),
    }),
    UserSchema,
    'Edit a user',
  ),
  'users:delete': channel(
    ServerRef.extend({ userIds: z.array(z.string()).min(1).max(10_000) }),
    z.object({ deleted: z.number().int(), failed: z.array(z.object({ userId: z.string(), code: z.string(), message: z.string() })) }),
    'Delete users',
  ),
  'users:signedIn': channel(
    ServerRef.extend({ userIds: z.array(z.string()).min(1).max(10_000) }),
    z.object({ count: z.number().int(), logins: z.array(z.string()).max(50) }),
    'How many of these users have a session now (issuing ends their sessions): for the confirmation',
  ),
  'users:action': channel(
    ServerRef.extend({ action: UserActionSchema, userIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_ACTION_IDS) }),
    UserActionsResultSchema,
    'Disable, enable, revoke the QR code of, or end the sessions of users: each user on their own, audited; failures per user',
  ),
  'users:setPassword': channel(
    ServerRef.extend({ userIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_ACTION_IDS), password: z.string().min(1).max(1024) }),
    z.object({ results: z.array(SetPasswordResultSchema) }),
    "Set one password for users without issuing a code (their QR codes stop working); checked against the policy per user, audited",
  ),
  'users:locate': channel(
    ServerRef.extend(LocateUsersSchema.shape),
    LocateUsersResultSchema,
    'The row index of the first of these users in the list (same search, filters and sort), to select and show a new user',
  ),
  'users:import': channel(
    ServerRef.extend({ csv: z.string().max(20 * 1024 * 1024) }),
    ImportResultSchema,
    'Create users from CSV text (login, display name, email, source); every row is created or gets its own error',
  ),
} as const;
