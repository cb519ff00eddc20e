import { z } from 'zod';
import { HIDDEN_CHARACTERS } from '../model/user';
import { IdParams, route } from './route';

/** A computer's name as an administrator types it: bounded, no invisible or control characters, one spelling (NFC). */
export const ComputerNameSchema = z
  .string()
  .trim()
  .min(1, 'Computer name is required')
  .max(128, 'Computer name is at most 128 characters')
  .refine((s) => !HIDDEN_CHARACTERS.test(s), 'Computer name must not contain invisible, control or text-direction characters')
  .transform((s) => s.normalize('NFC'));

/** A registered computer as the Computers list shows it. */
export const ComputerSchema = z.object({
  id: z.string(),
  name: z.string(),
  registeredAt: z.string(),
  /** The administrator who registered it. */
  registeredBy: z.string(),
  /** The last call of its agent (to the minute), or null when it never called. */
  lastSeenAt: z.string().nullable(),
  /** When it was revoked (its credential stopped working), or null. */
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  /** Client sessions ever started on it, and those not ended. */
  sessions: z.number().int().nonnegative(),
  activeSessions: z.number().int().nonnegative(),
});
export type Computer = z.infer<typeof ComputerSchema>;

export const RegisterComputerSchema = z.object({
  name: ComputerNameSchema,
  /** The server address the agent will call, as written into its file (usually the one the console or CLI used). */
  serverUrl: z.url({ protocol: /^https?$/, error: 'serverUrl must be an http:// or https:// address' }).max(2048),
});

export const RegisteredComputerSchema = z.object({
  computer: ComputerSchema,
  /**
   * The agent configuration file (docs/agent-file.md), as text to save as `<name>.agent`. It
   * holds the computer's credential, which is shown this once and stored only hashed.
   */
  agentFile: z.string(),
});

export const ComputerListQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** active (default): computers whose agents may call; revoked; or all. */
  state: z.enum(['active', 'revoked', 'all']).default('active'),
  /** Case-insensitive part of the name. */
  search: z.string().max(200).optional(),
});
export type ComputerListQuery = z.output<typeof ComputerListQuerySchema>;
export const ComputerPageSchema = z.object({ total: z.number().int(), items: z.array(ComputerSchema) });

export const RevokedComputerSchema = z.object({
  computer: ComputerSchema,
  /** Client sessions on it that the revocation ended, and pending one-time passwords it voided. */
  sessionsEnded: z.number().int().nonnegative(),
  passwordsVoided: z.number().int().nonnegative(),
});

/** Computers whose agents sign users in with one-time passwords by email (docs/email-otp.md). */
export const computersApi = {
  registerComputer: route({
    method: 'POST',
    path: '/api/v1/computers',
    summary: 'Register a computer by name; answers its agent configuration file, with a credential shown this once',
    auth: 'admin',
    body: RegisterComputerSchema,
    response: RegisteredComputerSchema,
  }),
  listComputers: route({
    method: 'GET',
    path: '/api/v1/computers',
    summary: 'Page through registered computers by name: registered, last seen, sessions',
    auth: 'admin',
    query: ComputerListQuerySchema,
    response: ComputerPageSchema,
  }),
  getComputer: route({ method: 'GET', path: '/api/v1/computers/:id', summary: "A computer's details", auth: 'admin', params: IdParams, response: ComputerSchema }),
  revokeComputer: route({
    method: 'POST',
    path: '/api/v1/computers/:id/revoke',
    summary: "Revoke a computer: its credential stops working at once, its open client sessions end, its pending one-time passwords are void",
    auth: 'admin',
    params: IdParams,
    response: RevokedComputerSchema,
  }),
} as const;
