import { z } from 'zod';
import { HIDDEN_CHARACTERS, SigninLoginSchema } from '../model/user';
import { ClientSessionSchema } from './client-sessions';
import { Instant, route } from './route';

/**
 * One-time passwords by email for signing in to registered computers (docs/email-otp.md), as
 * the reference product does it: the computer's agent requests one for a user in the way the
 * server's settings choose, the user receives it by email and types it, the server answers
 * allowed or denied, and an allowed sign-in starts a client session (client-sessions.ts).
 */

/** The Access Request Expiration Time: minutes a one-time password stays usable. */
export const OTP_EXPIRATION_MINUTES = { min: 1, max: 1440, default: 30 } as const;

export const EmailOtpSettingsSchema = z.object({
  /** Minutes from the request until the password expires (1 to 1,440; default 30). */
  expirationMinutes: z.number().int().min(OTP_EXPIRATION_MINUTES.min).max(OTP_EXPIRATION_MINUTES.max),
  /** "Automatically send one-time passwords to directory users": the agent names the signed-in OS account. */
  autoDirectory: z.boolean(),
  /** "Automatically send one-time passwords to internal users": the user gives their Gatepass login and password. */
  autoInternal: z.boolean(),
  /** "I need emergency access to this computer" plus an address, offered while an automatic option is on. */
  emergencyAccess: z.boolean(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type EmailOtpSettings = z.infer<typeof EmailOtpSettingsSchema>;

export const SetEmailOtpSettingsSchema = z.object({
  expirationMinutes: z
    .number({ error: 'The expiration time is a whole number of minutes' })
    .int('The expiration time is a whole number of minutes')
    .min(OTP_EXPIRATION_MINUTES.min, `The expiration time is at least ${OTP_EXPIRATION_MINUTES.min} minute`)
    .max(OTP_EXPIRATION_MINUTES.max, `The expiration time is at most ${OTP_EXPIRATION_MINUTES.max} minutes (24 hours)`),
  autoDirectory: z.boolean(),
  autoInternal: z.boolean(),
  emergencyAccess: z.boolean(),
});

/** How a one-time password is asked for; which ones a server offers follows from its settings (see {@link offeredModes}). */
export const OtpModeSchema = z.enum(['email', 'directory', 'internal', 'emergency']);
export type OtpMode = z.infer<typeof OtpModeSchema>;

/**
 * The request modes the settings offer, as the reference's request window shows them: with
 * neither automatic option the user types an address (`email`); with either, the automatic
 * way(s), plus `emergency` (an address typed, marked as emergency) when emergency access is on.
 */
export function offeredModes(s: Pick<EmailOtpSettings, 'autoDirectory' | 'autoInternal' | 'emergencyAccess'>): OtpMode[] {
  if (!s.autoDirectory && !s.autoInternal) return ['email'];
  const modes: OtpMode[] = [];
  if (s.autoDirectory) modes.push('directory');
  if (s.autoInternal) modes.push('internal');
  if (s.emergencyAccess) modes.push('emergency');
  return modes;
}

const AddressSchema = z.email('Not a valid email address').max(254, 'An email address is at most 254 characters');

/** An operating-system account as the agent names it: `DOMAIN\login`, `login@domain` or `login`. */
export const OsUserSchema = z
  .string()
  .trim()
  .min(1, 'The OS account is required')
  .max(256, 'The OS account is at most 256 characters')
  .refine((s) => !HIDDEN_CHARACTERS.test(s), 'The OS account must not contain invisible or control characters')
  .transform((s) => s.normalize('NFC'));

/** A request for a one-time password, by mode. */
export const OtpRequestSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('email'), email: AddressSchema }),
  z.object({ mode: z.literal('directory'), osUser: OsUserSchema }),
  z.object({ mode: z.literal('internal'), login: SigninLoginSchema, password: z.string().min(1, 'The password is required').max(1024) }),
  /** Emergency access: an address typed; `osUser`, when the agent knows it, is kept with the request. */
  z.object({ mode: z.literal('emergency'), email: AddressSchema, osUser: OsUserSchema.optional() }),
]);
export type OtpRequest = z.infer<typeof OtpRequestSchema>;

export const OtpRequestResultSchema = z.object({
  status: z.literal('sent'),
  /** The pending request (never the password). */
  requestId: z.string(),
  /** Where the password went: the agent shows it in the sign-in window, as the reference does. */
  email: z.string(),
  /** true when this re-sent the password already pending for this user on this computer. */
  resent: z.boolean(),
  expiresAt: z.string(),
  emergency: z.boolean(),
});

/** What an agent shows before a request: which modes the server offers. */
export const AgentInfoSchema = z.object({
  computer: z.object({ id: z.string(), name: z.string() }),
  serverName: z.string(),
  modes: z.array(OtpModeSchema),
  expirationMinutes: z.number().int(),
});

/** A one-time password as typed: digits, spaces and dashes are dropped, so `1234 5678` reads as `12345678`. */
export const OtpCodeSchema = z
  .string()
  .max(64)
  .transform((s) => s.replace(/[\s-]/g, ''))
  .refine((s) => /^\d{8}$/.test(s), 'A one-time password is 8 digits');

export const AgentSigninSchema = z.object({
  email: AddressSchema,
  otp: OtpCodeSchema,
  /** The account signed in on the computer (the sessions list shows `<osUser> (<email>)`); the user's login when left out. */
  osUser: OsUserSchema.optional(),
});

/** A pending one-time password, as administrators see it: never the password. */
export const PendingOtpSchema = z.object({
  id: z.string(),
  computerId: z.string(),
  computerName: z.string(),
  userId: z.string(),
  login: z.string(),
  email: z.string(),
  mode: OtpModeSchema,
  emergency: z.boolean(),
  osUser: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** Mails sent for it (the first and every re-send) and the last one's time. */
  sends: z.number().int(),
  lastSentAt: z.string(),
  /** Wrong passwords tried against it (at 5 it is void). */
  failedTries: z.number().int(),
});

export const PendingOtpQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** One computer's (its id). */
  computerId: z.string().max(64).optional(),
  /** Case-insensitive part of the login, email or computer name. */
  search: z.string().max(200).optional(),
  /** Requested at or after / before. */
  from: Instant.optional(),
  to: Instant.optional(),
});
export const PendingOtpPageSchema = z.object({ total: z.number().int(), items: z.array(PendingOtpSchema) });

export const AgentSigninResultSchema = z.object({ allowed: z.literal(true), session: ClientSessionSchema });

export const AgentSessionEndSchema = z.object({ session: ClientSessionSchema });

/** Settings, pending requests (admin) and the agent's calls (computer credential). */
export const emailOtpApi = {
  getEmailOtpSettings: route({
    method: 'GET',
    path: '/api/v1/settings/email-otp',
    summary: 'One-time passwords by email: expiration time, the automatic options, emergency access',
    auth: 'admin',
    response: EmailOtpSettingsSchema,
  }),
  setEmailOtpSettings: route({
    method: 'PUT',
    path: '/api/v1/settings/email-otp',
    summary: 'Change the one-time password settings (applies to requests from now on)',
    auth: 'admin',
    body: SetEmailOtpSettingsSchema,
    response: EmailOtpSettingsSchema,
  }),
  listPendingOtps: route({
    method: 'GET',
    path: '/api/v1/email-otp/pending',
    summary: 'One-time passwords mailed and still usable (never the password), newest first',
    auth: 'admin',
    query: PendingOtpQuerySchema,
    response: PendingOtpPageSchema,
  }),
  agentInfo: route({
    method: 'GET',
    path: '/api/v1/agent',
    summary: "The agent's computer and the request modes the server offers",
    auth: 'computer',
    response: AgentInfoSchema,
  }),
  requestOtp: route({
    method: 'POST',
    path: '/api/v1/agent/otp',
    summary: 'Request a one-time password for a user of this computer, mailed to them; asking again while it is valid re-sends the same one',
    auth: 'computer',
    body: OtpRequestSchema,
    response: OtpRequestResultSchema,
  }),
  agentSignin: route({
    method: 'POST',
    path: '/api/v1/agent/signin',
    summary: 'Sign a user in to this computer with their email address and one-time password: allowed (a client session) or 403 ACCESS_DENIED',
    auth: 'computer',
    body: AgentSigninSchema,
    response: AgentSigninResultSchema,
  }),
  agentSignout: route({
    method: 'POST',
    path: '/api/v1/agent/sessions/:id/end',
    summary: 'End a client session on this computer (the user signed out)',
    auth: 'computer',
    params: z.object({ id: z.string().min(1).max(64) }),
    response: AgentSessionEndSchema,
  }),
} as const;
