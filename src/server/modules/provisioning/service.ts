import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  DEFAULT_PROVISION_VALIDITY_S,
  PROVISION_VALIDITY_MAX_S,
  PROVISION_VALIDITY_MIN_S,
  type IssuedProvisioningCodeSchema,
  type ProvisioningIssueResultsSchema,
  type ProvisioningSettingsSchema,
  type RedeemedDeviceSchema,
  type RedeemProvisioningSchema,
  type SetProvisioningSettingsSchema,
} from '../../../shared/api/provisioning';
import { GatepassError } from '../../../shared/errors';
import { encodeProvisioningPayload, qrImageUrlFor, ServerIdSchema } from '../../../shared/provisioning-payload';
import type { Database } from '../../db/schema';
import { digestsEqual, sha256Hex } from '../../security/tokens';
import { isoAfter, lockUser, toCount, type AdminCaller, type ServiceContext } from '../../context';
import { recordAudit, recordAuditMany, type AuditRecord } from '../audit/service';
import { createDevice } from '../devices/service';
import { keyUri } from '../totp/codes';
import { requireBox } from '../totp/service';

/** Wrong codes after which a user's provisioning code is void (the reference: the code lasts until an attempt, ours forgives typos up to this). */
export const PROVISION_MAX_WRONG_CODES = 5;
/** 16 random bytes = 128 bits, base64url: 22 characters. */
const CODE_BYTES = 16;
/** Failed redemptions counted per source address and per login within this window. */
export const PROVISION_FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** Failed redemptions one source address may make within the window (a user with typos needs a handful; a scan of logins needs thousands). */
export const PROVISION_FAILURES_PER_SOURCE = 30;
/** Failed redemptions naming one login within the window, from anywhere. */
export const PROVISION_FAILURES_PER_LOGIN = 10;
/** A removed user's code is kept this long past its expiry to answer REPROVISION_NOT_AVAILABLE, then swept. */
const TOMBSTONE_KEEP_MS = PROVISION_VALIDITY_MAX_S * 1000;
/** The device name when the device gives none. */
export const DEFAULT_DEVICE_NAME = 'Mobile device';

const SERVER_ID_KEY = 'server_id';
const SETTINGS_KEY = 'provisioning';

/**
 * This installation's server ID (the reference's Site ID): 16 random bytes made by the first
 * start and kept in settings, so every replica on one database reads the same (the insert that
 * loses the race changes nothing).
 */
export async function ensureServerId(db: Kysely<Database>): Promise<string> {
  const fresh = randomBytes(16).toString('base64url');
  await db
    .insertInto('settings')
    .values({ key: SERVER_ID_KEY, value: JSON.stringify(fresh) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', SERVER_ID_KEY).executeTakeFirstOrThrow();
  return ServerIdSchema.parse(JSON.parse(row.value));
}

const StoredSettingsSchema = z.object({
  codeValiditySeconds: z.number().int().min(PROVISION_VALIDITY_MIN_S).max(PROVISION_VALIDITY_MAX_S),
  qrCodeUrl: z.string().nullable(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
type StoredSettings = z.infer<typeof StoredSettingsSchema>;
const DEFAULT_SETTINGS: StoredSettings = { codeValiditySeconds: DEFAULT_PROVISION_VALIDITY_S, qrCodeUrl: null, updatedAt: null, updatedBy: null };

async function storedSettings(db: Kysely<Database>): Promise<StoredSettings> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTINGS_KEY).executeTakeFirst();
  if (!row) return DEFAULT_SETTINGS;
  // A value a newer or broken version wrote: the defaults, rather than no provisioning at all.
  const parsed = StoredSettingsSchema.safeParse(JSON.parse(row.value));
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

/** The reference's default QR Code URL on this server: `<public URL>/userportal/getQRCode?text=`. */
export function defaultQrCodeUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/userportal/getQRCode?text=`;
}

/** GET /api/v1/settings/provisioning: read from the database each time, so every replica applies the same. */
export async function getProvisioningSettings(ctx: ServiceContext, db: Kysely<Database> = ctx.db): Promise<z.output<typeof ProvisioningSettingsSchema>> {
  const s = await storedSettings(db);
  return {
    codeValiditySeconds: s.codeValiditySeconds,
    qrCodeUrl: s.qrCodeUrl ?? defaultQrCodeUrl(ctx.publicUrl()),
    qrCodeUrlCustom: s.qrCodeUrl,
    publicUrl: ctx.publicUrl(),
    serverId: ctx.serverId,
    updatedAt: s.updatedAt,
    updatedBy: s.updatedBy,
  };
}

/** PUT /api/v1/settings/provisioning: only what is given changes; audited. */
export async function setProvisioningSettings(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof SetProvisioningSettingsSchema>,
): Promise<z.output<typeof ProvisioningSettingsSchema>> {
  await ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const current = await storedSettings(trx);
    const next: StoredSettings = {
      codeValiditySeconds: input.codeValiditySeconds ?? current.codeValiditySeconds,
      qrCodeUrl: input.qrCodeUrl === undefined ? current.qrCodeUrl : input.qrCodeUrl,
      updatedAt: now.toISOString(),
      updatedBy: caller.login,
    };
    const value = JSON.stringify(next);
    await trx
      .insertInto('settings')
      .values({ key: SETTINGS_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    await recordAudit(trx, now, {
      actor: caller.login,
      action: 'provision.settings',
      detail: `Provision code validity ${describeSeconds(next.codeValiditySeconds)}; QR Code URL ${next.qrCodeUrl ?? 'the default'}`,
    });
  });
  return getProvisioningSettings(ctx);
}

/** "10 minutes", "24 hours", "30 days", "90 minutes": how a validity reads in the audit log and messages. */
export function describeSeconds(s: number): string {
  if (s % 86_400 === 0) return `${s / 86_400} day(s)`;
  if (s % 3600 === 0) return `${s / 3600} hour(s)`;
  if (s % 60 === 0) return `${s / 60} minute(s)`;
  return `${s} second(s)`;
}

/**
 * The QR image URL of a payload on this server: the "QR Code URL" setting followed by the
 * payload, percent-encoded. What `url4` in a provisioning mail template expands to (the mail
 * outbox calls this).
 */
export async function qrImageUrl(ctx: ServiceContext, payloadText: string, db: Kysely<Database> = ctx.db): Promise<string> {
  return qrImageUrlFor((await getProvisioningSettings(ctx, db)).qrCodeUrl, payloadText);
}

type Issued = z.output<typeof IssuedProvisioningCodeSchema>;
type IssueResult = z.output<typeof ProvisioningIssueResultsSchema>['results'][number];

/** A new provisioning code: 128 random bits, base64url. */
export function newProvisionCode(): string {
  return randomBytes(CODE_BYTES).toString('base64url');
}

/** Users per transaction when issuing: a few statements per group instead of several per user. */
export const ISSUE_GROUP = 100;

/**
 * Issues provisioning codes for a group of users inside the caller's transaction (so a caller
 * can commit other rows with them, such as the mails that carry them). The users' rows are
 * locked in id order (as every writer locks a user before their other rows, so no two
 * transactions deadlock); each user who may use mobile authentication and is enabled gets a
 * code of 128 random bits whose SHA-256 replaces their earlier code (so that one stops
 * working); the others get their refusal (NOT_FOUND, NOT_ENTITLED, FORBIDDEN) as their result.
 * Issues and refusals are audited per user, never with the code. A handful of statements for
 * the whole group, whatever its size (keep it to ISSUE_GROUP).
 */
export async function issueCodesInTransaction(
  trx: Kysely<Database>,
  ctx: ServiceContext,
  actor: string,
  userIds: readonly string[],
  validitySeconds: number,
  qrCodeUrl: string,
  /** Codes made beforehand (by userId), when the caller built what carries them before its transaction; new ones otherwise. */
  presetCodes?: ReadonlyMap<string, string>,
): Promise<IssueResult[]> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return [];
  const users = await trx
    .selectFrom('users')
    .select(['id', 'login', 'mobile_allowed', 'disabled_at'])
    .where('id', 'in', ids)
    .orderBy('id')
    .$if(ctx.dialect === 'postgres', (qb) => qb.forNoKeyUpdate())
    .execute();
  const byId = new Map(users.map((u) => [u.id, u]));
  const now = ctx.now();
  const nowIso = now.toISOString();
  const expiresAt = isoAfter(now, validitySeconds * 1000);
  const issuable = users.filter((u) => toCount(u.mobile_allowed) === 1 && u.disabled_at === '');
  const previous = issuable.length
    ? await trx
        .selectFrom('provision_codes')
        .select(['user_id', 'used_at', 'expires_at', 'failed_count'])
        .where('user_id', 'in', issuable.map((u) => u.id))
        .execute()
    : [];
  const liveBefore = new Set(
    previous.filter((p) => p.used_at === null && p.expires_at > nowIso && p.failed_count < PROVISION_MAX_WRONG_CODES).map((p) => p.user_id),
  );
  const codes = new Map(issuable.map((u) => [u.id, presetCodes?.get(u.id) ?? newProvisionCode()]));
  if (issuable.length) {
    await trx
      .insertInto('provision_codes')
      .values(
        issuable.map((u) => ({
          user_id: u.id,
          login: u.login,
          login_key: u.login.toLowerCase(),
          code_hash: sha256Hex(codes.get(u.id)!),
          issued_at: nowIso,
          expires_at: expiresAt,
          issued_by: actor,
          used_at: null,
          failed_count: 0,
          device_id: null,
          user_deleted_at: null,
        })),
      )
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet((eb) => ({
          login: eb.ref('excluded.login'),
          login_key: eb.ref('excluded.login_key'),
          code_hash: eb.ref('excluded.code_hash'),
          issued_at: eb.ref('excluded.issued_at'),
          expires_at: eb.ref('excluded.expires_at'),
          issued_by: eb.ref('excluded.issued_by'),
          used_at: null,
          failed_count: 0,
          device_id: null,
          user_deleted_at: null,
        })),
      )
      .execute();
  }
  const results: IssueResult[] = [];
  const audits: AuditRecord[] = [];
  for (const userId of ids) {
    const u = byId.get(userId);
    if (!u) {
      results.push({ ok: false, userId, login: null, code: 'NOT_FOUND', message: 'No such user' });
      continue;
    }
    const code = codes.get(userId);
    if (code === undefined) {
      const refusal =
        toCount(u.mobile_allowed) !== 1
          ? ({ code: 'NOT_ENTITLED', message: `${u.login} may not use mobile authentication: allow it in the user's details first` } as const)
          : ({ code: 'FORBIDDEN', message: `${u.login} is disabled: enable the user first` } as const);
      results.push({ ok: false, userId, login: u.login, ...refusal });
      audits.push({ actor, action: 'provision.issue_failed', target: u.login, detail: `${refusal.code}: ${refusal.message}` });
      continue;
    }
    const replacedUnused = liveBefore.has(userId);
    const payload = encodeProvisioningPayload({ server: ctx.publicUrl(), serverId: ctx.serverId, login: u.login, code, tlsPin: ctx.tlsPin });
    results.push({ ok: true, userId, login: u.login, provisionCode: code, payload, qrImageUrl: qrImageUrlFor(qrCodeUrl, payload), issuedAt: nowIso, expiresAt, replacedUnused });
    audits.push({
      actor,
      action: 'provision.issue',
      target: u.login,
      detail: `Provisioning code valid ${describeSeconds(validitySeconds)}, until ${expiresAt}${replacedUnused ? '; the earlier unused code no longer works' : ''}`,
    });
  }
  await recordAuditMany(trx, now, audits);
  return results;
}

/** One user's code inside the caller's transaction (see issueCodesInTransaction); throws the user's refusal. */
export async function issueCodeInTransaction(
  trx: Kysely<Database>,
  ctx: ServiceContext,
  actor: string,
  userId: string,
  validitySeconds: number,
  qrCodeUrl: string,
): Promise<Issued> {
  const [r] = await issueCodesInTransaction(trx, ctx, actor, [userId], validitySeconds, qrCodeUrl);
  if (!r) throw new GatepassError('NOT_FOUND', 'No such user');
  if (!r.ok) throw new GatepassError(r.code === 'NOT_ENTITLED' || r.code === 'FORBIDDEN' ? r.code : 'NOT_FOUND', r.message);
  return r;
}

/**
 * POST /api/v1/provisioning/codes: a new code for each user, ISSUE_GROUP users per
 * transaction; a refusal is that user's result, not the batch's. Should a group's transaction
 * fail, its users are tried one transaction each, so one bad row never costs the others. The
 * codes are in the answer only: the server keeps their hashes.
 */
export async function issueProvisioningCodes(
  ctx: ServiceContext,
  caller: AdminCaller,
  userIds: readonly string[],
  validitySeconds?: number,
): Promise<z.output<typeof ProvisioningIssueResultsSchema>> {
  const settings = await getProvisioningSettings(ctx);
  const validity = validitySeconds ?? settings.codeValiditySeconds;
  const ids = [...new Set(userIds)];
  const results: IssueResult[] = [];
  const inTransaction = (group: readonly string[]) =>
    ctx.db.transaction().execute((trx) => issueCodesInTransaction(trx, ctx, caller.login, group, validity, settings.qrCodeUrl));
  for (let i = 0; i < ids.length; i += ISSUE_GROUP) {
    const group = ids.slice(i, i + ISSUE_GROUP);
    try {
      results.push(...(await inTransaction(group)));
    } catch {
      for (const userId of group) results.push(...(await inTransaction([userId])));
    }
  }
  return { results };
}

/** Marks a user's code as belonging to a removed user (inside the user delete's transaction): it stays to answer REPROVISION_NOT_AVAILABLE. */
export async function keepCodeOfDeletedUser(trx: Kysely<Database>, userId: string, now: Date): Promise<void> {
  await trx.updateTable('provision_codes').set({ user_deleted_at: now.toISOString() }).where('user_id', '=', userId).execute();
}

/** Refuses a redemption before anything is looked at when the source or the login has failed too often lately. */
async function checkRateLimits(ctx: ServiceContext, sourceKey: string, loginKey: string, now: Date): Promise<void> {
  const since = isoAfter(now, -PROVISION_FAILURE_WINDOW_MS);
  const count = async (column: 'source_key' | 'login_key', key: string) =>
    toCount(
      (
        await ctx.db
          .selectFrom('provision_failures')
          .select((eb) => eb.fn.countAll().as('n'))
          .where(column, '=', key)
          .where('at', '>', since)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const retryAfterSeconds = PROVISION_FAILURE_WINDOW_MS / 1000;
  if ((await count('source_key', sourceKey)) >= PROVISION_FAILURES_PER_SOURCE) {
    throw new GatepassError('RATE_LIMITED', 'Too many failed provisioning attempts from this address: try again in 15 minutes', { retryAfterSeconds });
  }
  if (loginKey !== '' && (await count('login_key', loginKey)) >= PROVISION_FAILURES_PER_LOGIN) {
    throw new GatepassError('RATE_LIMITED', 'Too many failed provisioning attempts for this login: try again in 15 minutes', { retryAfterSeconds });
  }
}

/** Why a redemption was refused: the answer, and what the audit log says (never the code). */
interface Refusal {
  error: GatepassError;
  why: string;
  /** Counted against the source and the login (a guess); a right code of a user who may not use it is not. */
  counted: boolean;
}

const invalidCode = () => new GatepassError('INVALID_PROVISION_CODE', 'The provisioning code is not valid, has expired or has already been used');

/**
 * POST /api/v1/provisioning/redeem. In order, as the reference answers: the server ID
 * (UNKNOWN_SERVER_ID), the login (INVALID_USERNAME, or REPROVISION_NOT_AVAILABLE when the code
 * is right for a user removed since it was issued), the code (INVALID_PROVISION_CODE for wrong,
 * used, expired or void alike), then whether the user may use mobile authentication
 * (NOT_ENTITLED). Exactly once is decided by the database: the user's row and then the code's
 * are locked, and the code is used by a conditional update (`used_at is null`), so of parallel
 * redemptions one creates a device. An attempt with the right code uses it up whatever follows;
 * a wrong one counts, and the fifth voids the code. Failures are counted per source address
 * and per login in the database (RATE_LIMITED past the limits) and audited.
 */
export async function redeemProvisioningCode(
  ctx: ServiceContext,
  input: z.output<typeof RedeemProvisioningSchema>,
  source: string,
): Promise<z.output<typeof RedeemedDeviceSchema>> {
  const now = ctx.now();
  const loginKey = input.login.trim().toLowerCase();
  const who = input.login.trim().slice(0, 128) || '(empty)';
  const sourceKey = source.slice(0, 64);
  await checkRateLimits(ctx, sourceKey, loginKey, now);
  const refuse = async (r: Refusal, target: string = who, db: Kysely<Database> = ctx.db): Promise<void> => {
    if (r.counted) await db.insertInto('provision_failures').values({ id: randomUUID(), source_key: sourceKey, login_key: loginKey, at: now.toISOString() }).execute();
    await recordAudit(db, now, { actor: who, action: 'provision.redeem_failed', target, detail: `${r.why} (from ${sourceKey})` });
  };
  const fail = async (r: Refusal): Promise<never> => {
    await refuse(r);
    throw r.error;
  };

  if (input.serverId.trim() !== ctx.serverId) {
    return fail({
      error: new GatepassError('UNKNOWN_SERVER_ID', input.serverId.trim() ? 'The server ID is not this server\'s' : 'The server ID is missing'),
      why: input.serverId.trim() ? 'Unknown server ID' : 'No server ID',
      counted: true,
    });
  }
  const codeHash = sha256Hex(input.code.trim());
  const user = loginKey ? await ctx.db.selectFrom('users').select(['id', 'login']).where('login_key', '=', loginKey).executeTakeFirst() : undefined;
  if (!user) {
    // A code that is right for a user removed since it was issued: say so, as the reference does.
    const removed = loginKey
      ? await ctx.db
          .selectFrom('provision_codes')
          .select('user_id')
          .where('login_key', '=', loginKey)
          .where('code_hash', '=', codeHash)
          .where('user_deleted_at', 'is not', null)
          .executeTakeFirst()
      : undefined;
    if (removed) {
      return fail({
        error: new GatepassError('REPROVISION_NOT_AVAILABLE', 'This provisioning code was issued to a user who has since been removed from the server'),
        why: 'User removed after the code was issued',
        counted: true,
      });
    }
    return fail({ error: new GatepassError('INVALID_USERNAME', 'There is no user with this login on the server'), why: 'Unknown login', counted: true });
  }
  // Checked before the code is used up: without the key no seed can be sealed, and the code should survive that.
  const box = requireBox(ctx);
  const deviceName = input.deviceName?.trim() || DEFAULT_DEVICE_NAME;

  const outcome = await ctx.db.transaction().execute(async (trx): Promise<{ refusal: Refusal } | { done: z.output<typeof RedeemedDeviceSchema> }> => {
    const locked = await lockUser(trx, ctx.dialect, user.id);
    if (!locked) return { refusal: { error: new GatepassError('REPROVISION_NOT_AVAILABLE', 'The user has been removed from the server'), why: 'User removed meanwhile', counted: false } };
    const row = await trx
      .selectFrom('provision_codes')
      .selectAll()
      .where('user_id', '=', user.id)
      .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate())
      .executeTakeFirst();
    const nowIso = now.toISOString();
    const refusal = async (r: Refusal) => {
      await refuse(r, locked.login, trx);
      return { refusal: r };
    };
    if (!row) return refusal({ error: invalidCode(), why: 'No provisioning code was issued to this user', counted: true });
    const right = digestsEqual(codeHash, row.code_hash);
    if (row.used_at !== null) return refusal({ error: invalidCode(), why: right ? 'Code used already' : 'Wrong code (the last code was used already)', counted: true });
    if (row.failed_count >= PROVISION_MAX_WRONG_CODES) return refusal({ error: invalidCode(), why: `Code void after ${PROVISION_MAX_WRONG_CODES} wrong codes`, counted: true });
    if (row.expires_at <= nowIso) return refusal({ error: invalidCode(), why: right ? `Code expired at ${row.expires_at}` : `Wrong code (the last code expired at ${row.expires_at})`, counted: true });
    if (!right) {
      const wrong = row.failed_count + 1;
      await trx
        .updateTable('provision_codes')
        .set((eb) => ({ failed_count: eb('failed_count', '+', 1) }))
        .where('user_id', '=', user.id)
        .where('used_at', 'is', null)
        .execute();
      const then = wrong >= PROVISION_MAX_WRONG_CODES ? '; the code is now void' : '';
      return refusal({ error: invalidCode(), why: `Wrong code (${wrong} of ${PROVISION_MAX_WRONG_CODES})${then}`, counted: true });
    }
    // The attempt with the right code uses it up, whatever happens next.
    const used = await trx
      .updateTable('provision_codes')
      .set({ used_at: nowIso })
      .where('user_id', '=', user.id)
      .where('code_hash', '=', row.code_hash)
      .where('used_at', 'is', null)
      .where('failed_count', '<', PROVISION_MAX_WRONG_CODES)
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return refusal({ error: invalidCode(), why: 'Code used already', counted: true });
    const u = await trx.selectFrom('users').select(['login', 'display_name', 'mobile_allowed', 'disabled_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
    if (toCount(u.mobile_allowed) !== 1 || u.disabled_at !== '') {
      return refusal({
        error: new GatepassError('NOT_ENTITLED', 'This account may not use mobile authentication: ask an administrator'),
        why: `Right code, used up; ${u.disabled_at !== '' ? 'the user is disabled' : 'the user may not use mobile authentication'}`,
        counted: false,
      });
    }
    const device = await createDevice(trx, box, user.id, deviceName, now);
    await trx.updateTable('provision_codes').set({ device_id: device.id }).where('user_id', '=', user.id).execute();
    await recordAudit(trx, now, {
      actor: u.login,
      action: 'provision.redeem',
      target: u.login,
      detail: `Device ${JSON.stringify(device.name)} (${device.id}) provisioned from ${sourceKey}`,
    });
    return {
      done: {
        server: { url: ctx.publicUrl(), id: ctx.serverId, name: ctx.serverName },
        user: { id: user.id, login: u.login, displayName: u.display_name },
        device: { id: device.id, name: device.name, createdAt: device.createdAt },
        credential: device.credential,
        totp: { secret: device.totpSecret, algorithm: 'SHA1', digits: 6, period: 30, otpauthUri: keyUri(ctx.serverName, u.login, device.totpSecret) },
      },
    };
  });
  if ('refusal' in outcome) throw outcome.refusal.error;
  return outcome.done;
}

/** A live code found by its hash for the QR image route: the user it is for, or why it is not live. */
export async function liveCodeByHash(ctx: ServiceContext, codeHash: string, loginKey: string): Promise<'live' | 'removed' | 'invalid'> {
  const row = await ctx.db
    .selectFrom('provision_codes')
    .select(['login_key', 'used_at', 'expires_at', 'failed_count', 'user_deleted_at', 'code_hash'])
    .where('code_hash', '=', codeHash)
    .executeTakeFirst();
  if (!row || !digestsEqual(codeHash, row.code_hash) || row.login_key !== loginKey) return 'invalid';
  if (row.user_deleted_at !== null) return 'removed';
  const live = row.used_at === null && row.failed_count < PROVISION_MAX_WRONG_CODES && row.expires_at > ctx.now().toISOString();
  return live ? 'live' : 'invalid';
}

/** Deletes old failed redemptions and the codes of removed users long past their expiry; idempotent, so every replica may run it. */
export async function sweepProvisioning(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<void> {
  const now = ctx.now();
  await ctx.db.deleteFrom('provision_failures').where('at', '<=', isoAfter(now, -PROVISION_FAILURE_WINDOW_MS)).execute();
  await ctx.db.deleteFrom('provision_codes').where('user_deleted_at', 'is not', null).where('expires_at', '<=', isoAfter(now, -TOMBSTONE_KEEP_MS)).execute();
}
