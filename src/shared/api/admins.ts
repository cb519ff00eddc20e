import { z } from 'zod';
import { LoginSchema, SigninLoginSchema } from '../model/user';
import { IdParams, Ok, route } from './route';
import { ONE_SECOND_FACTOR, SecondFactorFields, oneSecondFactor } from './totp';

/**
 * An administrator session. Older servers answer only token, expiresAt and login; the rest
 * default to what those servers meant (a full session, no second factor).
 */
export const AdminSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  login: z.string(),
  /** 'enrolment': two-step verification is mandatory and this administrator has none yet; the token may only enrol (account/2fa routes). */
  scope: z.enum(['full', 'enrolment']).default('full'),
  secondFactor: z.enum(['totp', 'recoveryCode']).nullable().default(null),
  /** Unused recovery codes left, when the administrator has two-step verification. */
  recoveryCodesLeft: z.number().int().nonnegative().nullable().default(null),
  /** With scope 'enrolment': when the grace period ends. */
  graceEndsAt: z.string().nullable().default(null),
});

export const AdminSigninSchema = z
  .object({
    login: SigninLoginSchema,
    password: z.string().min(1).max(1024),
    /** Required when the administrator has two-step verification (else 401 SECOND_FACTOR_REQUIRED): a code, or a recovery code. */
    ...SecondFactorFields,
  })
  .refine(oneSecondFactor, ONE_SECOND_FACTOR);

/** One administrator as another sees them: no password, no secret. */
export const AdminSummarySchema = z.object({
  id: z.string(),
  login: z.string(),
  createdAt: z.string(),
  /** When the administrator was disabled; null while they may sign in. */
  disabledAt: z.string().nullable(),
  /** Has two-step verification. */
  twoStep: z.boolean(),
  /** The administrator asking. */
  you: z.boolean(),
});
export type AdminSummary = z.infer<typeof AdminSummarySchema>;
export const AdminListSchema = z.object({ items: z.array(AdminSummarySchema) });

export const CreateAdminSchema = z.object({
  login: LoginSchema,
  /** Checked against the server's password policy, as users' passwords are. */
  password: z.string().min(1).max(1024),
});

export const SetAdminPasswordSchema = z.object({
  password: z.string().min(1).max(1024),
  /** Required for your own password (a session left open is not enough to change it). */
  currentPassword: z.string().min(1).max(1024).optional(),
});

/** Administrator sign-in and sign-out, and the administrators of this server. */
export const adminsApi = {
  adminSignin: route({
    method: 'POST',
    path: '/api/v1/auth/admin',
    summary: 'Sign in as an administrator; with two-step verification on, the code (otp) or a recovery code goes with the password',
    auth: 'none',
    body: AdminSigninSchema,
    response: AdminSessionSchema,
  }),
  adminSignout: route({ method: 'POST', path: '/api/v1/auth/signout', summary: 'End this session', auth: 'admin', response: Ok }),
  listAdmins: route({ method: 'GET', path: '/api/v1/admins', summary: "This server's administrators, by login", auth: 'admin', response: AdminListSchema }),
  createAdmin: route({
    method: 'POST',
    path: '/api/v1/admins',
    summary: "Add an administrator (the password must pass the server's policy; logins are unique ignoring case)",
    auth: 'admin',
    body: CreateAdminSchema,
    response: AdminSummarySchema,
  }),
  disableAdmin: route({
    method: 'POST',
    path: '/api/v1/admins/:id/disable',
    summary: 'Disable an administrator: their sessions end and they cannot sign in (never yourself, never the last enabled one)',
    auth: 'admin',
    params: IdParams,
    response: AdminSummarySchema,
  }),
  enableAdmin: route({ method: 'POST', path: '/api/v1/admins/:id/enable', summary: 'Let a disabled administrator sign in again', auth: 'admin', params: IdParams, response: AdminSummarySchema }),
  setAdminPassword: route({
    method: 'PUT',
    path: '/api/v1/admins/:id/password',
    summary: "Change an administrator's password (policy-checked; your own needs currentPassword); their other sessions end",
    auth: 'admin',
    params: IdParams,
    body: SetAdminPasswordSchema,
    response: AdminSummarySchema,
  }),
} as const;
