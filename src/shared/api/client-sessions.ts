import { z } from 'zod';
import { Instant, route } from './route';

/**
 * A user's sign-in to a computer with a one-time password by email (email-otp.ts), from the
 * allowed sign-in to the agent's sign-out: the Client sessions list.
 */
export const ClientSessionSchema = z.object({
  id: z.string(),
  /** `<signed-in user> (<email>)`, as the reference's User Name column shows it. */
  userName: z.string(),
  /** The account signed in on the computer, as its agent named it (the Gatepass login when it did not). */
  osUser: z.string(),
  /** The Gatepass user the one-time password was mailed to. */
  userId: z.string(),
  login: z.string(),
  email: z.string(),
  computerId: z.string(),
  /** The computer's name when the session started. */
  computerName: z.string(),
  startedAt: z.string(),
  /** Null while the session is open. */
  endedAt: z.string().nullable(),
  /** `signed_out` (the agent ended it), `computer_revoked`, or null while open. */
  endReason: z.string().nullable(),
  /** Started with "I need emergency access to this computer". */
  emergency: z.boolean(),
});
export type ClientSession = z.infer<typeof ClientSessionSchema>;

/** `<signed-in user> (<email>)`: the User Name column of the reference's Client Sessions list. */
export function clientSessionUserName(osUser: string, email: string): string {
  return `${osUser} (${email})`;
}

export const ClientSessionQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Case-insensitive part of the signed-in user or the Gatepass login. */
  user: z.string().max(200).optional(),
  /** Case-insensitive part of the email address. */
  email: z.string().max(200).optional(),
  /** Case-insensitive part of the computer's name, or its id. */
  computer: z.string().max(200).optional(),
  /** Started at or after this instant. */
  from: Instant.optional(),
  /** Started before this instant (a date means before that day starts). */
  to: Instant.optional(),
  /** true: open sessions only; false: ended ones only. */
  active: z.stringbool().optional(),
  /** true: emergency-access sessions only; false: the others. */
  emergency: z.stringbool().optional(),
});
export type ClientSessionQuery = z.output<typeof ClientSessionQuerySchema>;
export const ClientSessionPageSchema = z.object({ total: z.number().int(), items: z.array(ClientSessionSchema) });

/** The Client sessions list (newest first, filtered); CSV files are made from its pages (client-sessions-csv.ts). */
export const clientSessionsApi = {
  listClientSessions: route({
    method: 'GET',
    path: '/api/v1/client-sessions',
    summary: 'Client sessions, newest first, filtered by user, email, computer, time, open or ended, emergency',
    auth: 'admin',
    query: ClientSessionQuerySchema,
    response: ClientSessionPageSchema,
  }),
} as const;
