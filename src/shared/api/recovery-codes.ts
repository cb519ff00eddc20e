import { z } from 'zod';
import { IdParams, route } from './route';

/** A new set of recovery codes: shown this once (save them as .txt with recoveryCodesText). */
export const RecoveryCodesSchema = z.object({
  recoveryCodes: z.array(z.string()),
  generatedAt: z.string(),
});

/**
 * Recovery codes: 8 per enrolment, each usable once. Regenerating voids every earlier code.
 * Nobody can read existing codes, administrators included: they can only make a new set.
 */
export const recoveryCodesApi = {
  regenerateOwnRecoveryCodes: route({
    method: 'POST',
    path: '/api/v1/account/2fa/recovery-codes',
    summary: 'Make 8 new recovery codes for the caller (shown once); every earlier code stops working',
    auth: 'account',
    response: RecoveryCodesSchema,
  }),
  regenerateUserRecoveryCodes: route({
    method: 'POST',
    path: '/api/v1/users/:id/2fa/recovery-codes',
    summary: 'Make 8 new recovery codes for a user who lost theirs (audited, shown once); every earlier code stops working',
    auth: 'admin',
    params: IdParams,
    response: RecoveryCodesSchema,
  }),
} as const;
