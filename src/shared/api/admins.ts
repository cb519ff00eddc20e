import { z } from 'zod';
import { SigninLoginSchema } from '../model/user';
import { Ok, route } from './route';
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

/** Administrator sign-in and sign-out. */
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
} as const;
