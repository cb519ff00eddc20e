import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { RecoveryCodesSchema } from '../../../shared/api/recovery-codes';
import { GatepassError } from '../../../shared/errors';
import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_LENGTH,
  formatRecoveryCode,
  normaliseRecoveryCode,
} from '../../../shared/recovery-codes';
import type { AccountKind, Database } from '../../db/schema';
import { sha256Hex } from '../../security/tokens';
import { lockAccount, toCount, type AccountCaller, type AdminCaller, type ServiceContext } from '../../context';
import { recordAudit } from '../audit/service';
import { factorsOf } from '../totp/factors';

/**
 * One new code: 16 characters of a 32-letter alphabet, 5 random bits each (80 bits). Each
 * character takes the low 5 bits of its own random byte: 256 is a multiple of 32, so every
 * character is equally likely.
 */
export function newRecoveryCode(): string {
  const bytes = randomBytes(RECOVERY_CODE_LENGTH);
  let out = '';
  for (const b of bytes) out += RECOVERY_CODE_ALPHABET[b & 31];
  return out;
}

/**
 * The stored form of a code: SHA-256 of its canonical characters. A plain hash is enough for
 * 80 random bits (no dictionary to try), and lets a use be one indexed conditional update.
 */
export function recoveryCodeHash(canonical: string): string {
  return sha256Hex(`gatepass-recovery:${canonical}`);
}

/**
 * Replaces an account's recovery codes with 8 new ones inside the caller's transaction (the
 * account row locked first): every earlier code, used or not, stops working. Returns the new
 * codes formatted for people (XXXX-XXXX-XXXX-XXXX); only their hashes are stored.
 */
export async function replaceRecoveryCodes(trx: Kysely<Database>, kind: AccountKind, accountId: string, now: Date): Promise<string[]> {
  await trx.deleteFrom('recovery_codes').where('kind', '=', kind).where('account_id', '=', accountId).execute();
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  const at = now.toISOString();
  await trx
    .insertInto('recovery_codes')
    .values([...codes].map((c) => ({ kind, account_id: accountId, code_hash: recoveryCodeHash(c), created_at: at, used_at: null })))
    .execute();
  return [...codes].map(formatRecoveryCode);
}

/**
 * Uses a recovery code: one conditional update (`used_at is null`), so of any number of
 * parallel uses of one code, on any replica, exactly one changes the row and succeeds.
 */
export async function consumeRecoveryCode(trx: Kysely<Database>, kind: AccountKind, accountId: string, typed: string, now: Date): Promise<boolean> {
  const canonical = normaliseRecoveryCode(typed);
  if (!canonical) return false;
  const res = await trx
    .updateTable('recovery_codes')
    .set({ used_at: now.toISOString() })
    .where('kind', '=', kind)
    .where('account_id', '=', accountId)
    .where('code_hash', '=', recoveryCodeHash(canonical))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** True when `typed` is one of the account's codes that was used already (a second use, not a guess). */
export async function recoveryCodeUsed(db: Kysely<Database>, kind: AccountKind, accountId: string, typed: string): Promise<boolean> {
  const canonical = normaliseRecoveryCode(typed);
  if (!canonical) return false;
  const row = await db
    .selectFrom('recovery_codes')
    .select('used_at')
    .where('kind', '=', kind)
    .where('account_id', '=', accountId)
    .where('code_hash', '=', recoveryCodeHash(canonical))
    .executeTakeFirst();
  return row?.used_at != null;
}

/** How many of an account's recovery codes are unused. */
export async function recoveryCodesLeft(db: Kysely<Database>, kind: AccountKind, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('kind', '=', kind)
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return toCount(row.n);
}

/**
 * Names an account's current set of recovery codes (used or not) without revealing any: a
 * digest of their stored hashes, or '' when there is none. A form that replaces the set
 * carries it, so a second copy of the form (sent twice, or from another tab) is refused
 * instead of voiding the codes the first copy showed.
 */
export async function recoveryCodeSetId(db: Kysely<Database>, kind: AccountKind, accountId: string): Promise<string> {
  const rows = await db.selectFrom('recovery_codes').select('code_hash').where('kind', '=', kind).where('account_id', '=', accountId).orderBy('code_hash').execute();
  return rows.length === 0 ? '' : sha256Hex(`gatepass-recovery-set:${rows.map((r) => r.code_hash).join(',')}`).slice(0, 32);
}

/**
 * Regenerates inside the caller's transaction after locking the account: refused with
 * TOTP_NOT_ENABLED when the account has no two-step verification (codes belong to an
 * enrolment), and with RECOVERY_CODES_CHANGED when `expectedSetId` is given and the set is no
 * longer that one (checked under the lock, so of parallel copies of one form one wins).
 * Audited as `recovery.generate` by `actor`.
 */
export async function regenerateLocked(
  trx: Kysely<Database>,
  ctx: ServiceContext,
  actor: string,
  kind: AccountKind,
  accountId: string,
  expectedSetId?: string,
): Promise<z.output<typeof RecoveryCodesSchema>> {
  const account = await lockAccount(trx, ctx.dialect, kind, accountId);
  if (!account) throw new GatepassError('NOT_FOUND', kind === 'user' ? 'No such user' : 'No such administrator');
  // The account's app or (a user) a provisioned device: either makes codes worth having.
  const factor = await trx.selectFrom('totp_factors').select('kind').where(factorsOf(kind, accountId)).executeTakeFirst();
  if (!factor) throw new GatepassError('TOTP_NOT_ENABLED', `${account.login} has no two-step verification, so no recovery codes`);
  if (expectedSetId !== undefined && (await recoveryCodeSetId(trx, kind, accountId)) !== expectedSetId) {
    throw new GatepassError(
      'RECOVERY_CODES_CHANGED',
      'Your recovery codes were replaced after this form was shown (it was sent twice, or from another tab): the codes shown last are the ones that work',
    );
  }
  const now = ctx.now();
  const recoveryCodes = await replaceRecoveryCodes(trx, kind, accountId, now);
  await recordAudit(trx, now, {
    actor,
    action: 'recovery.generate',
    target: account.login,
    detail: `${recoveryCodes.length} new recovery codes${actor === account.login ? '' : ' made by an administrator'}; every earlier code voided`,
  });
  return { recoveryCodes, generatedAt: now.toISOString() };
}

/**
 * POST /api/v1/account/2fa/recovery-codes: the caller's own new set. The portal passes the
 * set its form was shown with (`expectedSetId`, see {@link recoveryCodeSetId}).
 */
export async function regenerateOwnRecoveryCodes(
  ctx: ServiceContext,
  caller: AccountCaller,
  opts: { expectedSetId?: string } = {},
): Promise<z.output<typeof RecoveryCodesSchema>> {
  return ctx.db.transaction().execute((trx) => regenerateLocked(trx, ctx, caller.account.login, caller.account.kind, caller.account.id, opts.expectedSetId));
}

/** POST /api/v1/users/:id/2fa/recovery-codes: an administrator makes a new set for a user. */
export async function regenerateUserRecoveryCodes(ctx: ServiceContext, caller: AdminCaller, userId: string): Promise<z.output<typeof RecoveryCodesSchema>> {
  return ctx.db.transaction().execute((trx) => regenerateLocked(trx, ctx, caller.login, 'user', userId));
}
