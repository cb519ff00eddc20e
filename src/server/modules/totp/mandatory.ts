import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import {
  TwoStepSettingsSchema,
  type SetTwoStepSettingsSchema,
  type TwoStepImpactSchema,
  type TwoStepSettings,
} from '../../../shared/api/totp';
import { GatepassError } from '../../../shared/errors';
import type { Database } from '../../db/schema';
import { isoAfter, toCount, type AdminCaller, type ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';

const SETTINGS_KEY = 'two_step';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Off, as every server starts. */
export const DEFAULT_TWO_STEP: TwoStepSettings = {
  mandatory: false,
  graceDays: 0,
  graceEndsAt: null,
  refuseDeviceCredentials: false,
  updatedAt: null,
  updatedBy: null,
};

/** The stored setting, read from the database every time so every replica applies the same one. */
export async function getTwoStepSettings(db: Kysely<Database>): Promise<TwoStepSettings> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTINGS_KEY).executeTakeFirst();
  if (!row) return DEFAULT_TWO_STEP;
  const parsed = TwoStepSettingsSchema.safeParse(JSON.parse(row.value));
  // Written by a newer or broken version: fail towards "required", the safer reading of a setting we cannot read.
  return parsed.success ? parsed.data : { ...DEFAULT_TWO_STEP, mandatory: true, graceEndsAt: new Date(0).toISOString() };
}

/** Whether mandatory two-step verification still lets a password alone through to enrolment. */
export function inGracePeriod(s: TwoStepSettings, now: Date): boolean {
  return s.mandatory && s.graceEndsAt !== null && s.graceEndsAt > now.toISOString();
}

/** The WHERE of "active users without two-step verification": the totp_enabled index first, then the disabled check. */
function withoutTwoStep() {
  return sql<boolean>`u.totp_enabled = 0 and u.disabled_at = ''`;
}

async function countWithout(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('users as u').select((eb) => eb.fn.countAll().as('n')).where(withoutTwoStep()).executeTakeFirstOrThrow();
  return toCount(row.n);
}

async function adminsWithout(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('admins as a')
    .select('a.login')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('totp_factors as f').select('f.kind').where('f.kind', '=', 'admin').whereRef('f.account_id', '=', 'a.id'))),
    )
    .orderBy('a.login')
    .execute();
  return rows.map((r) => r.login);
}

/** Who mandatory two-step verification would lock out: the count, a page of them by login, and administrators. */
export async function twoStepImpact(ctx: ServiceContext, q: { offset: number; limit: number }): Promise<z.output<typeof TwoStepImpactSchema>> {
  const [total, page, admins] = await Promise.all([
    countWithout(ctx.db),
    ctx.db
      .selectFrom('users as u')
      .select(['u.id', 'u.login', 'u.display_name', 'u.email'])
      .where(withoutTwoStep())
      .orderBy('u.totp_enabled')
      .orderBy('u.login_sort')
      .orderBy('u.id')
      .offset(q.offset)
      .limit(q.limit)
      .execute(),
    adminsWithout(ctx.db),
  ]);
  return {
    activeUsersWithout2fa: total,
    users: page.map((u) => ({ id: u.id, login: u.login, displayName: u.display_name, email: u.email })),
    adminsWithout2fa: admins,
  };
}

/**
 * Changes the setting. Turning it on (or keeping it on) needs the caller to have two-step
 * verification themselves (as in the reference product). Turning it on while active users
 * have none is refused with CONFIRMATION_REQUIRED, naming how many and who, until the
 * request acknowledges at least that many: nobody is locked out by a setting whose
 * consequences the administrator has not seen. The grace period runs from when it is set.
 */
export async function setTwoStepSettings(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof SetTwoStepSettingsSchema>,
): Promise<TwoStepSettings> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const current = await getTwoStepSettings(trx);
    const turningOn = input.mandatory && !current.mandatory;
    if (input.mandatory) {
      const own = await trx.selectFrom('totp_factors').select('kind').where('kind', '=', 'admin').where('account_id', '=', caller.adminId).executeTakeFirst();
      if (!own) throw new GatepassError('ADMIN_TOTP_REQUIRED', 'Turn on two-step verification for your own administrator account before making it mandatory');
    }
    let without = 0;
    if (turningOn) {
      without = await countWithout(trx);
      if (without > 0 && (input.acknowledgedUsersWithout2fa === undefined || input.acknowledgedUsersWithout2fa < without)) {
        const sample = await trx
          .selectFrom('users as u')
          .select('u.login')
          .where(withoutTwoStep())
          .orderBy('u.totp_enabled')
          .orderBy('u.login_sort')
          .orderBy('u.id')
          .limit(20)
          .execute();
        const when = input.graceDays > 0 ? `after the grace period of ${input.graceDays} day(s)` : 'at once';
        throw new GatepassError(
          'CONFIRMATION_REQUIRED',
          `${without} active user(s) have no two-step verification and will not be able to sign in with a password ${when}. ` +
            `Repeat with acknowledgedUsersWithout2fa: ${without} to confirm.`,
          { activeUsersWithout2fa: without, users: sample.map((s) => s.login), adminsWithout2fa: await adminsWithout(trx) },
        );
      }
    }
    const graceEndsAt = !input.mandatory
      ? null
      : turningOn || input.graceDays !== current.graceDays || current.graceEndsAt === null
        ? isoAfter(now, input.graceDays * DAY_MS)
        : current.graceEndsAt;
    const next: TwoStepSettings = {
      mandatory: input.mandatory,
      graceDays: input.graceDays,
      graceEndsAt,
      refuseDeviceCredentials: input.refuseDeviceCredentials,
      updatedAt: now.toISOString(),
      updatedBy: caller.login,
    };
    const value = JSON.stringify(next);
    await trx
      .insertInto('settings')
      .values({ key: SETTINGS_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    const parts = [
      input.mandatory ? `Mandatory on, grace period ${input.graceDays} day(s)${graceEndsAt ? ` (until ${graceEndsAt})` : ''}` : 'Mandatory off',
      input.refuseDeviceCredentials ? 'QR cards and .usr files refused while mandatory' : 'QR cards and .usr files allowed',
    ];
    if (turningOn) parts.push(`${without} active user(s) without two-step verification acknowledged`);
    await recordAudit(trx, now, { actor: caller.login, action: 'two_step.settings', detail: parts.join('; ') });
    return next;
  });
}
