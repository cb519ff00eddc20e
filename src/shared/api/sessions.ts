import { z } from 'zod';
import { SigninLoginSchema } from '../model/user';
import { Ok, route } from './route';
import { ONE_SECOND_FACTOR, SecondFactorFields, oneSecondFactor } from './totp';

export const QrSigninSchema = z.object({ login: SigninLoginSchema, credential: z.string().min(1).max(256) });
export const UserSessionSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  user: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
});

/** Which second factor completed a sign-in: null when the account has no two-step verification. */
export const SecondFactorUsedSchema = z.enum(['totp', 'recoveryCode']).nullable();

export const UserSigninSchema = z
  .object({
    login: SigninLoginSchema,
    password: z.string().min(1).max(1024),
    /** Optional: give the code in the same request instead of a second step. */
    ...SecondFactorFields,
  })
  .refine(oneSecondFactor, ONE_SECOND_FACTOR);

export const UserSecondFactorSchema = z
  .object({ pendingToken: z.string().min(1).max(128), ...SecondFactorFields })
  .refine((o) => o.otp !== undefined || o.recoveryCode !== undefined, { message: 'Give an authenticator code (otp) or a recovery code', path: ['otp'] })
  .refine(oneSecondFactor, ONE_SECOND_FACTOR);

/** Signed in: a full session. */
export const UserSignedInSchema = UserSessionSchema.extend({
  status: z.literal('signed_in'),
  secondFactor: SecondFactorUsedSchema,
  /** Unused recovery codes left, when the account has two-step verification (say so when few are left). */
  recoveryCodesLeft: z.number().int().nonnegative().nullable(),
});

/**
 * A password sign-in's answer, by `status`:
 * - `signed_in`: a session;
 * - `second_factor_required`: the password was right and the account has two-step
 *   verification: complete with `POST /api/v1/auth/user/second-factor` and the pending token
 *   (short-lived) plus a code or a recovery code;
 * - `enrolment_required`: two-step verification is mandatory, the account has none and the
 *   grace period runs: `token` is an enrolment-only session (the account/2fa routes), which
 *   confirming the enrolment turns into a full session.
 */
export const UserSigninResultSchema = z.discriminatedUnion('status', [
  UserSignedInSchema,
  z.object({
    status: z.literal('second_factor_required'),
    pendingToken: z.string(),
    expiresAt: z.string(),
    methods: z.array(z.enum(['totp', 'recoveryCode'])),
  }),
  z.object({
    status: z.literal('enrolment_required'),
    token: z.string(),
    expiresAt: z.string(),
    graceEndsAt: z.string(),
    user: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
  }),
]);
export type UserSigninResult = z.infer<typeof UserSigninResultSchema>;

/** Sign-ins of users: a device with its QR credential, a person with their password (and second factor). */
export const sessionsApi = {
  qrSignin: route({
    method: 'POST',
    path: '/api/v1/auth/qr',
    summary: 'Sign in a device with a QR credential',
    auth: 'none',
    body: QrSigninSchema,
    response: UserSessionSchema,
  }),
  userSignin: route({
    method: 'POST',
    path: '/api/v1/auth/user',
    summary: 'Sign in a user with their password; answers a session, "second factor required" with a pending token, or "enrolment required"',
    auth: 'none',
    body: UserSigninSchema,
    response: UserSigninResultSchema,
  }),
  userSecondFactor: route({
    method: 'POST',
    path: '/api/v1/auth/user/second-factor',
    summary: 'Complete a password sign-in with an authenticator code or a recovery code',
    auth: 'none',
    body: UserSecondFactorSchema,
    response: UserSignedInSchema,
  }),
  accountSignout: route({
    method: 'POST',
    path: '/api/v1/auth/account/signout',
    summary: 'End this session (a password sign-in, an enrolment-only session or an administrator session)',
    auth: 'enrolling',
    response: Ok,
  }),
  me: route({
    method: 'GET',
    path: '/api/v1/me',
    summary: 'The signed-in user (device or password session)',
    auth: 'user',
    response: z.object({ id: z.string(), login: z.string(), displayName: z.string() }),
  }),
} as const;
