import { attemptSucceeded, reserveAttempt } from '../../security/signin-throttle';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { DeviceListSchema, RevokeDeviceResultSchema } from '../../../shared/api/devices';
import type { UserSessionSchema } from '../../../shared/api/sessions';
import { GatepassError } from '../../../shared/errors';
import type { Database } from '../../db/schema';
import type { SecretBox } from '../../security/secret-box';
import { digestsEqual, newCredential, newToken, parseCredential, sha256Hex } from '../../security/tokens';
import { lockUser, toCount, type AdminCaller, type ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';
import { newTotpSecret } from '../totp/codes';
import { factorsOf } from '../totp/factors';
import { getTwoStepSettings } from '../totp/mandatory';
import { hasTwoStep, insertUserSession, refreshTotpEnabled, secretContext } from '../totp/service';

/** Sessions of a provisioned device last as long as a QR card's: 30 days. */
export const DEVICE_SESSION_MS = 30 * 24 * 60 * 60 * 1000;

/** What a new device receives, once: its credential and its TOTP seed. */
export interface NewDevice {
  id: string;
  name: string;
  createdAt: string;
  credential: string;
  totpSecret: string;
}

/**
 * Creates a device for a user inside the caller's transaction (the user's row locked first):
 * a credential `<id>.<secret>` kept as the SHA-256 of its secret, and a TOTP factor of kind
 * 'device' whose seed is sealed with the secret box under the device's own id, so the device
 * is one more authenticator of the user (users.totp_enabled follows).
 */
export async function createDevice(trx: Kysely<Database>, box: SecretBox, userId: string, name: string, now: Date): Promise<NewDevice> {
  const cred = newCredential();
  const totpSecret = newTotpSecret();
  const createdAt = now.toISOString();
  // The account's count of wrong codes (and its wait) is kept on each of its factor rows alike:
  // a new device starts from it, so provisioning is no way round the back-off or the lock.
  const attempts = await trx
    .selectFrom('totp_factors')
    .select((eb) => [eb.fn.max('failed_count').as('failed'), eb.fn.max('next_try_at').as('next')])
    .where(factorsOf('user', userId))
    .executeTakeFirst();
  await trx.insertInto('devices').values({ id: cred.id, user_id: userId, name, secret_hash: sha256Hex(cred.secret), created_at: createdAt }).execute();
  await trx
    .insertInto('totp_factors')
    .values({
      kind: 'device',
      account_id: cred.id,
      secret_enc: box.seal(Buffer.from(totpSecret, 'utf8'), secretContext('device', cred.id)),
      confirmed_at: createdAt,
      failed_count: toCount(attempts?.failed ?? 0),
      next_try_at: attempts?.next ?? '',
    })
    .execute();
  await refreshTotpEnabled(trx, userId, createdAt);
  return { id: cred.id, name, createdAt, credential: cred.credential, totpSecret };
}

const INVALID = () => new GatepassError('QR_CREDENTIAL_INVALID', "This device's credential is not valid (revoked, or not issued by this server)");

/**
 * Sign-in of a provisioned device with its credential, as a QR card signs in: every failure
 * (malformed, unknown, wrong secret, revoked, login not the user's, user disabled) is the same
 * QR_CREDENTIAL_INVALID, and the audit log says which. While two-step verification is mandatory
 * and device credentials are refused, a device is refused too: having the phone is one factor.
 */
export async function deviceSignin(ctx: ServiceContext, login: string, credential: string): Promise<z.output<typeof UserSessionSchema>> {
  const who = login.trim().slice(0, 128) || '(empty)';
  const twoStep = await getTwoStepSettings(ctx.db);
  if (twoStep.mandatory && twoStep.refuseDeviceCredentials) {
    await recordAudit(ctx.db, ctx.now(), { actor: who, action: 'device.signin_refused', target: who, detail: 'Provisioned devices are refused while two-step verification is mandatory' });
    throw new GatepassError(
      'DEVICE_SIGNIN_REFUSED',
      'This server requires two-step verification and does not accept device sign-ins: sign in with your password and authenticator code',
    );
  }
  // Limited as QR and password sign-ins are (signin-throttle.ts): charged before the check.
  const attempt = { scope: 'qr' as const, login: login.trim() };
  const reservation = await reserveAttempt(ctx, attempt);
  const parsed = parseCredential(credential);
  const givenHash = sha256Hex(parsed?.secret ?? credential);
  const refuse = async (why: string): Promise<never> => {
    await recordAudit(ctx.db, ctx.now(), { actor: who, action: 'device.signin_failed', target: who, detail: parsed ? `${why} (provisioned device ${parsed.id})` : why });
    throw INVALID();
  };
  if (!parsed) return refuse('Not a device credential');
  // The owner is read without a lock, so the user's row can be locked first (user -> device), as every writer does.
  const owner = await ctx.db.selectFrom('devices').select('user_id').where('id', '=', parsed.id).executeTakeFirst();
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    if (owner) await lockUser(trx, ctx.dialect, owner.user_id);
    // FOR UPDATE: a revocation racing with us waits (or we for it), so no session outlives it.
    const row = await trx
      .selectFrom('devices as d')
      .innerJoin('users as u', 'u.id', 'd.user_id')
      .select(['d.secret_hash', 'd.name', 'd.revoked_at', 'u.id', 'u.login', 'u.login_key', 'u.display_name', 'u.disabled_at'])
      .where('d.id', '=', parsed.id)
      .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate('d'))
      .executeTakeFirst();
    const secretOk = digestsEqual(givenHash, row?.secret_hash ?? sha256Hex(''));
    const why = !row
      ? 'Unknown device'
      : !secretOk
        ? 'Wrong secret'
        : row.revoked_at !== null
          ? 'Device revoked'
          : row.login_key !== login.trim().toLowerCase()
            ? 'Login does not match the device'
            : row.disabled_at !== ''
              ? 'User disabled'
              : null;
    if (why || !row) return { refused: why ?? 'Unknown device' } as const;
    const token = newToken();
    const expiresAt = await insertUserSession(trx, row.id, sha256Hex(token), 'device', now, DEVICE_SESSION_MS, parsed.id);
    await trx.updateTable('devices').set({ last_used_at: now.toISOString() }).where('id', '=', parsed.id).execute();
    await recordAudit(trx, now, { actor: row.login, action: 'device.signin', target: row.login, detail: `Provisioned device ${JSON.stringify(row.name)} (${parsed.id})` });
    return { session: { token, expiresAt, user: { id: row.id, login: row.login, displayName: row.display_name } } } as const;
  });
  if (outcome.refused !== undefined) return refuse(outcome.refused);
  await attemptSucceeded(ctx, reservation);
  return outcome.session;
}

/** A user's devices, newest first, revoked ones included; NOT_FOUND for an unknown user. */
export async function listUserDevices(ctx: ServiceContext, userId: string): Promise<z.output<typeof DeviceListSchema>> {
  const user = await ctx.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!user) throw new GatepassError('NOT_FOUND', 'No such user');
  const rows = await ctx.db
    .selectFrom('devices')
    .select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return { items: rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at })) };
}

/**
 * Revokes one device in one transaction (user row locked first): it can no longer sign in,
 * its TOTP factor is deleted (its codes stop working at once), its sessions end, and
 * users.totp_enabled follows. Revoking a revoked device changes nothing and says so.
 */
export async function revokeDevice(ctx: ServiceContext, caller: AdminCaller, userId: string, deviceId: string): Promise<z.output<typeof RevokeDeviceResultSchema>> {
  return ctx.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, ctx.dialect, userId);
    if (!user) throw new GatepassError('NOT_FOUND', 'No such user');
    const device = await trx.selectFrom('devices').select(['name', 'revoked_at']).where('id', '=', deviceId).where('user_id', '=', userId).executeTakeFirst();
    if (!device) throw new GatepassError('NOT_FOUND', 'No such device for this user');
    if (device.revoked_at !== null) return { revoked: false, sessionsEnded: 0 };
    const now = ctx.now();
    const nowIso = now.toISOString();
    await trx.updateTable('devices').set({ revoked_at: nowIso, revoked_by: caller.login }).where('id', '=', deviceId).execute();
    await trx.deleteFrom('totp_factors').where('kind', '=', 'device').where('account_id', '=', deviceId).execute();
    const sessionsEnded = await endDeviceSessions(trx, userId, deviceId);
    await refreshTotpEnabled(trx, userId, nowIso);
    // The last authenticator gone: two-step verification is off, and its recovery codes go with it
    // (as when an administrator removes it), so they cannot come back to life with a later device.
    const left = await hasTwoStep(trx, 'user', userId);
    const codes = left ? 0 : Number((await trx.deleteFrom('recovery_codes').where('kind', '=', 'user').where('account_id', '=', userId).executeTakeFirst()).numDeletedRows);
    await recordAudit(trx, now, {
      actor: caller.login,
      action: 'device.revoke',
      target: user.login,
      detail: `Provisioned device ${JSON.stringify(device.name)} (${deviceId}) revoked; ${sessionsEnded} session(s) ended${left ? '' : `; no authenticator left: two-step verification off${codes ? `, ${codes} recovery code(s) deleted` : ''}`}`,
    });
    return { revoked: true, sessionsEnded };
  });
}

/** Ends a device's sessions and takes them off the user's count; returns how many. */
async function endDeviceSessions(trx: Kysely<Database>, userId: string, deviceId: string): Promise<number> {
  const ended = Number((await trx.deleteFrom('user_sessions').where('device_id', '=', deviceId).executeTakeFirst()).numDeletedRows);
  if (ended > 0) {
    await trx
      .updateTable('users')
      .set({ sessions_active: sql<number>`case when sessions_active > ${ended} then sessions_active - ${ended} else 0 end` })
      .where('id', '=', userId)
      .execute();
  }
  return ended;
}

/** Deletes a deleted user's devices and their TOTP factors (no foreign key reaches totp_factors), inside the delete's transaction. */
export async function deleteUserDevices(trx: Kysely<Database>, userId: string): Promise<void> {
  await trx
    .deleteFrom('totp_factors')
    .where('kind', '=', 'device')
    .where('account_id', 'in', (eb) => eb.selectFrom('devices').select('id').where('user_id', '=', userId))
    .execute();
  await trx.deleteFrom('devices').where('user_id', '=', userId).execute();
}
