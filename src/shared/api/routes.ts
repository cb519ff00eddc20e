import { z } from 'zod';
import { EmailSchema, LoginSchema, SortOrderSchema, UserSchema, UserSortSchema } from '../model/user';
import { PasswordPolicySchema } from '../model/password-policy';

/**
 * The server's REST API, one table. The server registers its handlers from it, the
 * console's axios client calls through it, and /api/openapi.json is generated from it,
 * so the three cannot drift.
 */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify-style path under the server root, `:name` for parameters. */
  path: string;
  summary: string;
  /** Who may call: nobody signed in, an administrator session, or a user (device) session. */
  auth: 'none' | 'admin' | 'user';
  params: P;
  query: Q;
  body: B;
  response: R;
}

const none = z.object({}).strict();
const IdParams = z.object({ id: z.string().min(1).max(64) });

function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  def: Omit<RouteDef<P, Q, B, R>, 'params' | 'query' | 'body'> & { params?: P; query?: Q; body?: B },
): RouteDef<P, Q, B, R> {
  return {
    ...def,
    params: (def.params ?? none) as P,
    query: (def.query ?? none) as Q,
    body: (def.body ?? none) as B,
  };
}

export const ServerInfoSchema = z.object({
  product: z.literal('gatepass'),
  name: z.string(),
  version: z.string(),
  apiVersion: z.literal(1),
  /** SHA-256 of the server's TLS certificate (base64), when it serves TLS itself. */
  tlsPin: z.string().nullable(),
});

export const AdminSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  login: z.string(),
});

export const UserListQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  search: z.string().max(200).optional(),
  sort: UserSortSchema.default('login'),
  order: SortOrderSchema.default('asc'),
});

export const UserPageSchema = z.object({ total: z.number().int(), items: z.array(UserSchema) });

export const CreateUserSchema = z.object({
  login: LoginSchema,
  displayName: z.string().trim().max(200).default(''),
  email: EmailSchema.default(''),
  /** Optional initial password, checked against the policy. */
  password: z.string().max(1024).optional(),
});

export const UpdateUserSchema = z
  .object({ login: LoginSchema, displayName: z.string().trim().max(200), email: EmailSchema })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'Nothing to change');

export const SetPasswordSchema = z.object({ password: z.string().min(1).max(1024) });

/** A QR sign-in credential as issued: the secret appears here once and is stored hashed. */
export const IssuedCredentialSchema = z.object({
  userId: z.string(),
  login: z.string(),
  credential: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string().nullable(),
  /** How many of the user's sessions issuing this credential ended. */
  sessionsEnded: z.number().int().nonnegative(),
});

export const IssueBatchSchema = z.object({
  /** Each user's new password; the server sets it (policy permitting) and issues a credential. */
  items: z
    .array(z.object({ userId: z.string().min(1), password: z.string().max(1024) }))
    .min(1)
    .max(10_000),
  /** Credential lifetime in days; omitted means it lasts until voided. */
  validDays: z.number().int().min(1).max(3650).optional(),
});

export const IssueResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), userId: z.string(), issued: IssuedCredentialSchema }),
  z.object({
    ok: z.literal(false),
    userId: z.string(),
    login: z.string().nullable(),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
]);
export const IssueBatchResultSchema = z.object({ results: z.array(IssueResultSchema) });

export const QrSigninSchema = z.object({ login: z.string().min(1).max(128), credential: z.string().min(1).max(256) });
export const UserSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
});

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.string().nullable(),
});
export const AuditQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const AuditPageSchema = z.object({ total: z.number().int(), items: z.array(AuditEntrySchema) });

const Ok = z.object({ ok: z.literal(true) });

export const api = {
  serverInfo: route({ method: 'GET', path: '/api/v1/info', summary: 'Server identity and API version', auth: 'none', response: ServerInfoSchema }),
  adminSignin: route({
    method: 'POST',
    path: '/api/v1/auth/admin',
    summary: 'Sign in as an administrator; returns a session token',
    auth: 'none',
    body: z.object({ login: z.string().min(1).max(128), password: z.string().min(1).max(1024) }),
    response: AdminSessionSchema,
  }),
  adminSignout: route({ method: 'POST', path: '/api/v1/auth/signout', summary: 'End this session', auth: 'admin', response: Ok }),
  listUsers: route({ method: 'GET', path: '/api/v1/users', summary: 'Page through users, with search and sort', auth: 'admin', query: UserListQuerySchema, response: UserPageSchema }),
  getUser: route({ method: 'GET', path: '/api/v1/users/:id', summary: "A user's details", auth: 'admin', params: IdParams, response: UserSchema }),
  createUser: route({ method: 'POST', path: '/api/v1/users', summary: 'Create a user', auth: 'admin', body: CreateUserSchema, response: UserSchema }),
  updateUser: route({
    method: 'PATCH',
    path: '/api/v1/users/:id',
    summary: 'Edit a user; a login change voids their QR credentials',
    auth: 'admin',
    params: IdParams,
    body: UpdateUserSchema,
    response: UserSchema,
  }),
  deleteUser: route({ method: 'DELETE', path: '/api/v1/users/:id', summary: 'Delete a user', auth: 'admin', params: IdParams, response: Ok }),
  getPolicy: route({ method: 'GET', path: '/api/v1/policy', summary: 'The password policy', auth: 'admin', response: PasswordPolicySchema }),
  setPolicy: route({
    method: 'PUT',
    path: '/api/v1/policy',
    summary: 'Replace the password policy (applies to passwords set from now on)',
    auth: 'admin',
    body: PasswordPolicySchema.refine((p) => p.minLength <= p.maxLength, { message: 'Minimum length must not exceed maximum length', path: ['minLength'] }),
    response: PasswordPolicySchema,
  }),
  setPassword: route({
    method: 'PUT',
    path: '/api/v1/users/:id/password',
    summary: "Set a user's password (checked against the policy); voids their QR credentials",
    auth: 'admin',
    params: IdParams,
    body: SetPasswordSchema,
    response: Ok,
  }),
  issueQrBatch: route({
    method: 'POST',
    path: '/api/v1/qr-credentials',
    summary: 'For each user: set the password, issue a QR sign-in credential, end their sessions',
    auth: 'admin',
    body: IssueBatchSchema,
    response: IssueBatchResultSchema,
  }),
  qrSignin: route({
    method: 'POST',
    path: '/api/v1/auth/qr',
    summary: 'Sign in a device with a QR credential',
    auth: 'none',
    body: QrSigninSchema,
    response: UserSessionSchema,
  }),
  me: route({
    method: 'GET',
    path: '/api/v1/me',
    summary: 'The signed-in user (device session)',
    auth: 'user',
    response: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
  }),
  listAudit: route({ method: 'GET', path: '/api/v1/audit', summary: 'Audit log of admin actions, newest first', auth: 'admin', query: AuditQuerySchema, response: AuditPageSchema }),
} as const;

export type Api = typeof api;
export type RouteName = keyof Api;
export type RouteParams<N extends RouteName> = z.input<Api[N]['params']>;
export type RouteQuery<N extends RouteName> = z.input<Api[N]['query']>;
export type RouteBody<N extends RouteName> = z.input<Api[N]['body']>;
export type RouteResponse<N extends RouteName> = z.output<Api[N]['response']>;
