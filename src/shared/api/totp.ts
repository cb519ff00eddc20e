import { z } from 'zod';
import { normaliseRecoveryCode } from '../recovery-codes';
import { IdParams, Ok, route } from './route';

/** An authenticator code: 6 digits; spaces (as apps show `123 456`) are ignored. */
export const TotpCodeSchema = z
  .string()
  .max(32)
  .transform((s) => s.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'An authenticator code is 6 digits'));

/** A recovery code as typed: case, spaces and dashes do not matter; it must have the shape of one. */
export const RecoveryCodeInputSchema = z
  .string()
  .max(64)
  .refine((s) => normaliseRecoveryCode(s) !== null, 'A recovery code is 16 letters and digits (XXXX-XXXX-XXXX-XXXX)');

/** The second factor of a sign-in: an authenticator code or a recovery code, not both. */
export const SecondFactorFields = {
  otp: TotpCodeSchema.optional(),
  recoveryCode: RecoveryCodeInputSchema.optional(),
};

/** At most one of `otp` and `recoveryCode`. */
export function oneSecondFactor(o: { otp?: string | undefined; recoveryCode?: string | undefined }): boolean {
  return o.otp === undefined || o.recoveryCode === undefined;
}
export const ONE_SECOND_FACTOR = { message: 'Give an authenticator code or a recovery code, not both', path: ['recoveryCode'] };

/** An account's two-step verification as an administrator or the account itself sees it; never a secret or a code. */
export const TwoStepStateSchema = z.object({
  enabled: z.boolean(),
  enrolledAt: z.string().nullable(),
  /** When a code was last accepted. */
  lastUsedAt: z.string().nullable(),
  /** The device's clock offset in 30-second steps, found by a resync (0: none). */
  driftSteps: z.number().int(),
  /** Wrong codes in a row. After 10, each try waits longer; at 100 the account is locked. */
  failedAttempts: z.number().int().nonnegative(),
  /** When the next code may be tried, or null when it may be tried now. */
  nextTryAt: z.string().nullable(),
  /** 100 wrong codes in a row: no code is checked until an administrator resets the attempts. */
  locked: z.boolean(),
  /** Recovery codes not used yet (the codes themselves are never shown again). */
  recoveryCodesLeft: z.number().int().nonnegative(),
  /** An enrolment started and not confirmed: when it expires; null when there is none. */
  enrolmentPendingUntil: z.string().nullable(),
  /**
   * Provisioned devices (issue 10) that are not revoked: each is one more authenticator of the
   * user, so `enabled` is true while any is left, with or without an app (`enrolledAt`).
   */
  devices: z.number().int().nonnegative().default(0),
});
export type TwoStepState = z.infer<typeof TwoStepStateSchema>;

export const AccountTwoStepSchema = TwoStepStateSchema.extend({
  kind: z.enum(['user', 'admin']),
  login: z.string(),
  /** 'enrolment': this session may only enrol (mandatory two-step verification, grace period). */
  scope: z.enum(['full', 'enrolment']),
  /** Whether the server requires two-step verification, and until when a password alone still leads to enrolment. */
  mandatory: z.boolean(),
  graceEndsAt: z.string().nullable(),
});

export const EnrolmentStartSchema = z.object({
  /** `otpauth://totp/<Issuer>:<login>?secret=...&issuer=...` for authenticator apps. */
  otpauthUri: z.string(),
  /** The same secret as text (base32), for typing into an app by hand. */
  secret: z.string(),
  /** The URI as a QR code: a standalone SVG document rendered by the server. */
  qrSvg: z.string(),
  issuer: z.string(),
  accountName: z.string(),
  algorithm: z.literal('SHA1'),
  digits: z.literal(6),
  period: z.literal(30),
  /** Confirm with a code before this, or start again. */
  expiresAt: z.string(),
});

export const EnrolmentConfirmSchema = z.object({ code: TotpCodeSchema });
export const EnrolmentConfirmResultSchema = z.object({
  enabled: z.literal(true),
  /** Shown once: the server keeps only their hashes. */
  recoveryCodes: z.array(z.string()),
  generatedAt: z.string(),
  /** An enrolment-only session becomes a full session once the code is confirmed. */
  scope: z.literal('full'),
});

export const ResyncSchema = z.object({ code1: TotpCodeSchema, code2: TotpCodeSchema });
export const ResyncResultSchema = z.object({
  driftSteps: z.number().int(),
  /** The same offset in seconds (a step is 30 s): positive when the device's clock is ahead. */
  driftSeconds: z.number().int(),
});

export const TwoStepSettingsSchema = z.object({
  /** Every password sign-in (users and administrators) needs a second factor. */
  mandatory: z.boolean(),
  /** Days after it is turned on (or the days are changed) during which a password alone leads to enrolment. */
  graceDays: z.number().int().min(0).max(365),
  /** When the grace period ends (null when not mandatory). */
  graceEndsAt: z.string().nullable(),
  /** While mandatory: refuse sign-ins with QR cards and .usr device files (single-factor device credentials). */
  refuseDeviceCredentials: z.boolean(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type TwoStepSettings = z.infer<typeof TwoStepSettingsSchema>;

export const SetTwoStepSettingsSchema = z.object({
  mandatory: z.boolean(),
  graceDays: z.number().int().min(0).max(365).default(0),
  refuseDeviceCredentials: z.boolean().default(false),
  /**
   * Turning mandatory on is refused with CONFIRMATION_REQUIRED (details: the count and who)
   * while active users have no two-step verification, unless this is at least that count:
   * the administrator saw who will be locked out and confirmed.
   */
  acknowledgedUsersWithout2fa: z.number().int().nonnegative().optional(),
});

export const TwoStepImpactQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const TwoStepImpactSchema = z.object({
  /**
   * Active (not disabled) users without two-step verification: who cannot sign in with a
   * password once it is mandatory and the grace period is over. The same users are listed
   * by `GET /api/v1/users?totp=disabled&disabled=false`.
   */
  activeUsersWithout2fa: z.number().int().nonnegative(),
  /** A page of them, by login. */
  users: z.array(z.object({ id: z.string(), login: z.string(), displayName: z.string(), email: z.string() })),
  /** Administrators without two-step verification (they are held to it too). */
  adminsWithout2fa: z.array(z.string()),
});

export const UserTwoStepActionSchema = z.enum(['remove', 'regenerateRecoveryCodes', 'resetAttempts']);
export const UserTwoStepActionsSchema = z.object({ action: UserTwoStepActionSchema, userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000) });
export const UserTwoStepActionResultSchema = z.object({
  userId: z.string(),
  login: z.string().nullable(),
  ok: z.boolean(),
  /** False when there was nothing to do (no two-step verification to remove, no attempts to reset). */
  changed: z.boolean(),
  /** regenerateRecoveryCodes: the new codes, shown this once. */
  recoveryCodes: z.array(z.string()).optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export const UserTwoStepActionsResultSchema = z.object({ results: z.array(UserTwoStepActionResultSchema) });

/**
 * Two-step verification (TOTP): an account's own enrolment and resync, administrators' view and
 * help for users, and the server's mandatory setting.
 */
export const totpApi = {
  accountTwoStep: route({
    method: 'GET',
    path: '/api/v1/account/2fa',
    summary: "The caller's own two-step verification, and whether the server requires it",
    auth: 'enrolling',
    response: AccountTwoStepSchema,
  }),
  startEnrolment: route({
    method: 'POST',
    path: '/api/v1/account/2fa/enrolment',
    summary: 'Start enrolling an authenticator app: the key URI, its QR code and the secret as text; confirm with a code before it expires',
    auth: 'enrolling',
    response: EnrolmentStartSchema,
  }),
  confirmEnrolment: route({
    method: 'POST',
    path: '/api/v1/account/2fa/enrolment/confirm',
    summary: 'Confirm the enrolment with one code from the app; turns two-step verification on and answers the 8 recovery codes, once',
    auth: 'enrolling',
    body: EnrolmentConfirmSchema,
    response: EnrolmentConfirmResultSchema,
  }),
  cancelEnrolment: route({
    method: 'DELETE',
    path: '/api/v1/account/2fa/enrolment',
    summary: 'Drop an enrolment that was started and not confirmed',
    auth: 'enrolling',
    response: Ok,
  }),
  resyncOwnTotp: route({
    method: 'POST',
    path: '/api/v1/account/2fa/resync',
    summary: "Find the app's clock drift from two consecutive codes (within 10 minutes) and apply it from now on",
    auth: 'account',
    body: ResyncSchema,
    response: ResyncResultSchema,
  }),
  userTwoStep: route({
    method: 'GET',
    path: '/api/v1/users/:id/2fa',
    summary: "A user's two-step verification: state, enrolled, last used, drift, failed attempts, recovery codes left",
    auth: 'admin',
    params: IdParams,
    response: TwoStepStateSchema,
  }),
  resyncUserTotp: route({
    method: 'POST',
    path: '/api/v1/users/:id/2fa/resync',
    summary: "Resync a user's authenticator from two consecutive codes they read out",
    auth: 'admin',
    params: IdParams,
    body: ResyncSchema,
    response: ResyncResultSchema,
  }),
  removeUserTotp: route({
    method: 'DELETE',
    path: '/api/v1/users/:id/2fa',
    summary: "Remove a user's two-step verification and recovery codes (audited)",
    auth: 'admin',
    params: IdParams,
    response: z.object({ removed: z.boolean() }),
  }),
  resetUserTotpAttempts: route({
    method: 'POST',
    path: '/api/v1/users/:id/2fa/reset-attempts',
    summary: "Let a user try codes again: clears the count of wrong codes and any wait (NIST SP 800-63B 5.2.2)",
    auth: 'admin',
    params: IdParams,
    response: TwoStepStateSchema,
  }),
  userTwoStepActions: route({
    method: 'POST',
    path: '/api/v1/users/2fa-actions',
    summary: 'Remove two-step verification, regenerate recovery codes, or reset attempts for many users; each user on their own, audited',
    auth: 'admin',
    body: UserTwoStepActionsSchema,
    response: UserTwoStepActionsResultSchema,
  }),
  getTwoStepSettings: route({
    method: 'GET',
    path: '/api/v1/settings/two-step',
    summary: 'Mandatory two-step verification: on or off, the grace period, device credentials',
    auth: 'admin',
    response: TwoStepSettingsSchema,
  }),
  twoStepImpact: route({
    method: 'GET',
    path: '/api/v1/settings/two-step/impact',
    summary: 'Who would be locked out: active users (and administrators) without two-step verification',
    auth: 'admin',
    query: TwoStepImpactQuerySchema,
    response: TwoStepImpactSchema,
  }),
  setTwoStepSettings: route({
    method: 'PUT',
    path: '/api/v1/settings/two-step',
    summary: 'Change mandatory two-step verification; turning it on needs the caller to have it and, while users lack it, their count acknowledged',
    auth: 'admin',
    body: SetTwoStepSettingsSchema,
    response: TwoStepSettingsSchema,
  }),
} as const;
