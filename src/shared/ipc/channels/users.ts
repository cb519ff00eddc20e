import { z } from 'zod';
import { UserSchema } from '../../model/user';
import { CreateUserSchema, UserListQuerySchema, UserPageSchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** One import row that was not created; `line` is the CSV line, `login` is '' when the row had none. */
export const ImportFailureSchema = z.object({ line: z.number().int(), login: z.string(), code: z.string(), message: z.string() });
export const ImportResultSchema = z.object({
  created: z.number().int(),
  failed: z.array(ImportFailureSchema),
  /** CSV (line,login,status,code,message) with every row's outcome, for "Save the report". */
  report: z.string(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** The users of one server. */
export const userChannels = {
  // Over IPC signedIn is a JSON boolean; main sends it on as the query string's true/false.
  'users:list': channel(ServerRef.extend({ ...UserListQuerySchema.shape, signedIn: z.boolean().optional() }), UserPageSchema, 'A page of users'),
  'users:get': channel(ServerRef.extend({ userId: z.string() }), UserSchema, "A user's details"),
  'users:create': channel(ServerRef.extend(CreateUserSchema.shape), UserSchema, 'Create a user'),
  'users:update': channel(
    ServerRef.extend({
      userId: z.string(),
      login: z.string().optional(),
      displayName: z.string().optional(),
      email: z.string().optional(),
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
  'users:import': channel(
    ServerRef.extend({ csv: z.string().max(20 * 1024 * 1024) }),
    ImportResultSchema,
    'Create users from CSV text (login, display name, email); every row is created or gets its own error',
  ),
} as const;
