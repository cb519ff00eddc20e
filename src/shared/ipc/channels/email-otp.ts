import { EmailOtpSettingsSchema, PendingOtpPageSchema, PendingOtpQuerySchema, SetEmailOtpSettingsSchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** Computer sign-in with one-time passwords by email: the server's settings and the requests still pending. */
export const emailOtpChannels = {
  'emailOtp:settings': channel(ServerRef, EmailOtpSettingsSchema, 'Access Request Expiration Time, the two automatic options and emergency access'),
  'emailOtp:setSettings': channel(
    ServerRef.extend(SetEmailOtpSettingsSchema.shape),
    EmailOtpSettingsSchema,
    'Change the one-time password settings (they apply to requests from then on)',
  ),
  'emailOtp:pending': channel(
    ServerRef.extend(PendingOtpQuerySchema.shape),
    PendingOtpPageSchema,
    'One-time passwords mailed and still usable, newest first: who, which computer, when they expire; never the password',
  ),
} as const;
