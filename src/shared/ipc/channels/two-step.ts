import { z } from 'zod';
import {
  AccountTwoStepSchema,
  EnrolmentStartSchema,
  ResyncResultSchema,
  ResyncSchema,
  SetTwoStepSettingsSchema,
  TotpCodeSchema,
  TwoStepImpactQuerySchema,
  TwoStepImpactSchema,
  TwoStepSettingsSchema,
  TwoStepStateSchema,
  UserTwoStepActionsResultSchema,
} from '../../api/totp';
import { channel, ServerRef } from '../channel';
import { SaveResultSchema } from './export';

/**
 * Recovery codes just made (an enrolment, or a new set), as the console shows them once. Main
 * keeps them, under `codesId`, only until the dialog that shows them closes (or 30 minutes), so
 * "Save as .txt" is written by main like every other file, never through renderer storage.
 */
export const ShownRecoveryCodesSchema = z.object({
  codesId: z.string(),
  recoveryCodes: z.array(z.string()),
  generatedAt: z.string(),
  /** Whose codes: the administrator's own login, or the user's. */
  login: z.string(),
  serverName: z.string(),
});
export type ShownRecoveryCodes = z.infer<typeof ShownRecoveryCodesSchema>;

const CodesRef = z.object({ codesId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'Not a set of recovery codes this console showed') });
const UserRef = ServerRef.extend({ userId: z.string().min(1).max(64) });

/** What the console does for many users at once; regenerating codes is one user at a time (each set is shown). */
export const BulkTwoStepActionSchema = z.enum(['remove', 'resetAttempts']);
export type BulkTwoStepAction = z.infer<typeof BulkTwoStepActionSchema>;

/**
 * Two-step verification in the console: the administrator's own (enrol, recovery codes,
 * resync), help for users (their state, resync, reset, remove, new recovery codes), and the
 * server's mandatory setting with who it would lock out.
 */
export const twoStepChannels = {
  'twoStep:account': channel(ServerRef, AccountTwoStepSchema, "The administrator's own two-step verification on this server, and whether the server requires it"),
  'twoStep:startEnrolment': channel(
    ServerRef,
    // A server's QR code is a small SVG document; a huge one is not a QR code.
    EnrolmentStartSchema.extend({ qrSvg: z.string().max(200_000) }),
    "Start enrolling the administrator's authenticator app: the QR code, the secret as text, the key URI",
  ),
  'twoStep:confirmEnrolment': channel(
    ServerRef.extend({ code: TotpCodeSchema }),
    ShownRecoveryCodesSchema,
    'Confirm the enrolment with a code from the app: two-step verification is on; the 8 recovery codes are shown once',
  ),
  'twoStep:cancelEnrolment': channel(ServerRef, z.object({ ok: z.literal(true) }), 'Drop an enrolment that was started and not confirmed'),
  'twoStep:resyncOwn': channel(ServerRef.extend(ResyncSchema.shape), ResyncResultSchema, "Resync the administrator's own app from two consecutive codes"),
  'twoStep:regenerateOwnCodes': channel(ServerRef, ShownRecoveryCodesSchema, 'New recovery codes for the administrator (shown once); every earlier code stops working'),
  'twoStep:userState': channel(UserRef, TwoStepStateSchema, "A user's two-step verification: on or off, enrolled, last used, drift, wrong codes, locked"),
  'twoStep:resyncUser': channel(UserRef.extend(ResyncSchema.shape), ResyncResultSchema, "Resync a user's app from two consecutive codes they read out"),
  'twoStep:resetUserAttempts': channel(UserRef, TwoStepStateSchema, 'Let a user try codes again: clears the count of wrong codes and any wait'),
  'twoStep:removeUser': channel(UserRef, z.object({ removed: z.boolean() }), "Remove a user's two-step verification and recovery codes"),
  'twoStep:regenerateUserCodes': channel(UserRef, ShownRecoveryCodesSchema, 'New recovery codes for a user who lost theirs (shown once); every earlier code stops working'),
  'twoStep:userAction': channel(
    ServerRef.extend({ action: BulkTwoStepActionSchema, userIds: z.array(z.string().min(1).max(64)).min(1).max(10_000) }),
    UserTwoStepActionsResultSchema,
    'Remove two-step verification of, or reset the wrong codes of, many users: each on their own, audited; failures per user',
  ),
  'twoStep:settings': channel(ServerRef, TwoStepSettingsSchema, 'Mandatory two-step verification: on or off, the grace period, QR cards and .usr files'),
  'twoStep:impact': channel(
    ServerRef.extend(TwoStepImpactQuerySchema.shape),
    TwoStepImpactSchema,
    'Who mandatory two-step verification would lock out: active users without it (count and a page), administrators without it',
  ),
  'twoStep:setSettings': channel(
    ServerRef.extend(SetTwoStepSettingsSchema.shape),
    TwoStepSettingsSchema,
    'Change mandatory two-step verification; turning it on is refused (CONFIRMATION_REQUIRED) until the count of users without it is acknowledged',
  ),
  'twoStep:saveRecoveryCodes': channel(CodesRef, SaveResultSchema, 'Save recovery codes this console is showing as a .txt file (a save dialog, or a one-time download)'),
  'twoStep:discardRecoveryCodes': channel(CodesRef, z.object({ ok: z.literal(true) }), 'The dialog showing these recovery codes closed: main forgets them'),
} as const;
