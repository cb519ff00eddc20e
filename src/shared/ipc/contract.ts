import { z } from 'zod';
import { ServerSchema } from '../model/server';
import { UserSchema } from '../model/user';
import { PasswordPolicySchema } from '../model/password-policy';
import { api, AuditPageSchema, CreateUserSchema, UserListQuerySchema, UserPageSchema } from '../api/routes';

/**
 * Every console channel, `domain:verb` -> zod input and output. Main validates inputs
 * (and outputs, in development), the renderer's API is generated from this table, and the
 * browser host binds the same table over HTTP. A channel that is not here does not exist.
 */
const ServerRef = z.object({ serverId: z.string().min(1) });

/** What the renderer gets to draw a QR code: the module matrix as an SVG path, not the payload text. */
export const QrImageSchema = z.object({
  /** Modules per side, quiet zone excluded. */
  size: z.number().int().positive(),
  /** SVG path data in module units (one unit per module). */
  path: z.string(),
});

export const GeneratedCodeSchema = z.object({
  userId: z.string(),
  login: z.string(),
  displayName: z.string(),
  status: z.enum(['ok', 'broken']),
  /** Why the code is broken: the server's message (e.g. the policy rules the password failed). */
  reason: z.string().optional(),
  errorCode: z.string().optional(),
  qr: QrImageSchema.nullable(),
  issuedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type GeneratedCode = z.infer<typeof GeneratedCodeSchema>;

export const PasswordModeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('same'), password: z.string().min(1).max(1024) }),
  /** prefix + index + postfix, the index counting up from `start` in the order of `userIds` (2 users or more). */
  z.object({ kind: z.literal('template'), prefix: z.string().max(512), start: z.number().int().min(0).max(1_000_000_000), postfix: z.string().max(512) }),
  /** A password per user id (2 users or more); every user of the call needs one. */
  z.object({ kind: z.literal('unique'), passwords: z.record(z.string(), z.string().min(1).max(1024)) }),
]);
export type PasswordMode = z.infer<typeof PasswordModeSchema>;

export const JobSummarySchema = z.object({
  jobId: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  serverUrl: z.string(),
  createdAt: z.string(),
  codes: z.array(GeneratedCodeSchema),
});

export const SaveResultSchema = z.discriminatedUnion('kind', [
  /** Written to disk by main (Electron's save dialog, or a path given by the caller). */
  z.object({ kind: z.literal('saved'), path: z.string(), bytes: z.number().int() }),
  /** Browser host: a one-time download link on the host's own origin. */
  z.object({ kind: z.literal('download'), url: z.string(), fileName: z.string(), bytes: z.number().int() }),
  z.object({ kind: z.literal('cancelled') }),
]);

/** One import row that was not created; `line` is the CSV line, `login` is '' when the row had none. */
export const ImportFailureSchema = z.object({ line: z.number().int(), login: z.string(), code: z.string(), message: z.string() });
export const ImportResultSchema = z.object({
  created: z.number().int(),
  failed: z.array(ImportFailureSchema),
  /** CSV (line,login,status,code,message) with every row's outcome, for "Save the report". */
  report: z.string(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

function channel<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) {
  return { input, output, summary };
}

export const contract = {
  'app:info': channel(
    z.object({}).strict(),
    z.object({
      version: z.string(),
      host: z.enum(['electron', 'web']),
      keychain: z.enum(['available', 'unavailable']),
      keychainMessage: z.string().optional(),
    }),
    'What this console runs on',
  ),
  'servers:list': channel(z.object({}).strict(), z.array(ServerSchema), 'The servers in the tree'),
  'servers:add': channel(
    z.object({
      name: z.string().trim().max(100).optional(),
      url: z.url({ protocol: /^https?$/ }).max(2048),
      login: z.string().trim().min(1).max(128),
      password: z.string().min(1).max(1024),
      /** Save the password in the OS keychain; refused with KEYCHAIN_UNAVAILABLE if there is none. */
      remember: z.boolean().default(true),
    }),
    ServerSchema,
    'Add a server after signing in to it',
  ),
  'servers:remove': channel(ServerRef, z.object({ ok: z.literal(true) }), 'Forget a server and its saved password'),
  'servers:connect': channel(
    ServerRef.extend({ password: z.string().min(1).max(1024).optional() }),
    ServerSchema,
    'Sign in again, with the saved password or one given for this session',
  ),
  'users:list': channel(ServerRef.extend(UserListQuerySchema.shape), UserPageSchema, 'A page of users'),
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
  'policy:get': channel(ServerRef, PasswordPolicySchema, "The server's password policy"),
  'policy:set': channel(
    // The route's own body schema, so a minimum above the maximum is refused here too (VALIDATION_FAILED).
    ServerRef.extend({ policy: api.setPolicy.body }),
    PasswordPolicySchema,
    'Replace the password policy; it applies to passwords set from now on, existing passwords and codes stay valid',
  ),
  'audit:list': channel(
    ServerRef.extend({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(100) }),
    AuditPageSchema,
    "The server's audit log",
  ),
  'qr:generate': channel(
    ServerRef.extend({ userIds: z.array(z.string()).min(1).max(10_000), mode: PasswordModeSchema }),
    JobSummarySchema,
    'Set passwords, issue QR credentials and keep the job in main',
  ),
  'qr:regenerate': channel(
    z.object({ jobId: z.string(), userIds: z.array(z.string()).min(1).max(10_000), mode: PasswordModeSchema }),
    JobSummarySchema,
    'Issue again for some users of a job (the broken ones) and update that job in place; one user is enough here',
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
  'export:save': channel(
    z.object({
      jobId: z.string(),
      /**
       * pdf: "All QR codes in one file"; zip: "Each QR code as a separate file" (`<login>.pdf`).
       * With includeConfig, pdf gives ONE zip: `<name>.pdf` plus `config/<login>.usr`; zip adds
       * `<login>.usr` next to each PDF. Broken users get no .usr, and a README.txt lists them.
       */
      format: z.enum(['pdf', 'zip']),
      includeConfig: z.boolean().default(false),
      pageSize: z.enum(['A4', 'Letter']).default('A4'),
      /** badges: several cards per page, when the card renderer supports it (else single). */
      layout: z.enum(['single', 'badges']).default('single'),
      /** Only for the CLI and tests; the console asks with a save dialog or downloads. */
      path: z.string().optional(),
    }),
    SaveResultSchema,
    'Save a job as files',
  ),
  'export:cancel': channel(
    z.object({ jobId: z.string() }),
    z.object({ ok: z.literal(true) }),
    'Cancel a running save of this job: it returns { kind: "cancelled" } and leaves no file',
  ),
} as const;

/** Events main pushes to the renderer. */
export const events = {
  /** rendering: cards done of total; writing: config files and finishing the file. */
  'export:progress': z.object({ jobId: z.string(), done: z.number().int(), total: z.number().int(), phase: z.enum(['rendering', 'writing']) }),
  'servers:changed': z.object({}),
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type ChannelInput<C extends Channel> = z.input<Contract[C]['input']>;
export type ChannelOutput<C extends Channel> = z.output<Contract[C]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(contract, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}
