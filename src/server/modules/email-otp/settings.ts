import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { EmailOtpSettingsSchema, OTP_EXPIRATION_MINUTES, type EmailOtpSettings, type SetEmailOtpSettingsSchema } from '../../../shared/api/email-otp';
import type { Database } from '../../db/schema';
import type { AdminCaller, ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';

const SETTINGS_KEY = 'email_otp';

/**
 * As a new server starts, as the reference's defaults: 30 minutes, neither automatic option
 * (users type their address), emergency access offered once an automatic option is on.
 */
export const DEFAULT_EMAIL_OTP: EmailOtpSettings = {
  expirationMinutes: OTP_EXPIRATION_MINUTES.default,
  autoDirectory: false,
  autoInternal: false,
  emergencyAccess: true,
  updatedAt: null,
  updatedBy: null,
};

/** The stored settings, read from the database every time so every replica applies the same ones. */
export async function getEmailOtpSettings(db: Kysely<Database>): Promise<EmailOtpSettings> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTINGS_KEY).executeTakeFirst();
  if (!row) return DEFAULT_EMAIL_OTP;
  const parsed = EmailOtpSettingsSchema.safeParse(JSON.parse(row.value));
  // Written by a newer or broken version: fall back to the defaults (the strictest reading:
  // no automatic sending, so a password only goes to an address the user typed).
  return parsed.success ? parsed.data : { ...DEFAULT_EMAIL_OTP, emergencyAccess: false };
}

/** Replaces the settings and audits what changed (PUT /api/v1/settings/email-otp). */
export async function setEmailOtpSettings(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof SetEmailOtpSettingsSchema>,
): Promise<EmailOtpSettings> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const current = await getEmailOtpSettings(trx);
    const next: EmailOtpSettings = { ...input, updatedAt: now.toISOString(), updatedBy: caller.login };
    const value = JSON.stringify(next);
    await trx
      .insertInto('settings')
      .values({ key: SETTINGS_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    const onOff = (b: boolean) => (b ? 'on' : 'off');
    const changes = [
      current.expirationMinutes !== input.expirationMinutes ? `expiration ${current.expirationMinutes} -> ${input.expirationMinutes} min` : '',
      current.autoDirectory !== input.autoDirectory ? `send to directory users ${onOff(input.autoDirectory)}` : '',
      current.autoInternal !== input.autoInternal ? `send to internal users ${onOff(input.autoInternal)}` : '',
      current.emergencyAccess !== input.emergencyAccess ? `emergency access ${onOff(input.emergencyAccess)}` : '',
    ].filter(Boolean);
    await recordAudit(trx, now, { actor: caller.login, action: 'otp.settings', detail: changes.length > 0 ? changes.join('; ') : 'No change' });
    return next;
  });
}
