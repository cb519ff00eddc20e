import type { z } from 'zod';
import type { UserSessionSchema } from '../../../shared/api/sessions';
import { GatepassError } from '../../../shared/errors';
import { digestsEqual, newToken, parseCredential, sha256Hex } from '../../security/tokens';
import { isoAfter, type ServiceContext, type UserCaller } from '../../context';

/** Device (user) sessions started by a QR sign-in last 30 days. */
export const USER_SESSION_MS = 30 * 24 * 60 * 60 * 1000;

const INVALID = () => new GatepassError('QR_CREDENTIAL_INVALID', 'This sign-in code is not valid');

/**
 * Device sign-in with a QR credential. Every failure (malformed, unknown id, wrong secret,
 * wrong login, voided, expired) gives the same answer, so the endpoint is no oracle.
 */
export async function qrSignin(ctx: ServiceContext, login: string, credential: string): Promise<z.output<typeof UserSessionSchema>> {
  const parsed = parseCredential(credential);
  // Hash even for malformed input so the cheap path is not measurably cheaper.
  const givenHash = sha256Hex(parsed?.secret ?? credential);
  if (!parsed) throw INVALID();
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const nowIso = now.toISOString();
    // FOR UPDATE on PostgreSQL: a concurrent re-issue waits for us (or we for it), so a
    // session can never outlive the voiding of the credential that created it.
    const row = await trx
      .selectFrom('qr_credentials as q')
      .innerJoin('users as u', 'u.id', 'q.user_id')
      .select(['q.secret_hash', 'q.login as issued_login', 'q.expires_at', 'q.voided_at', 'u.id', 'u.login', 'u.login_key', 'u.display_name'])
      .where('q.id', '=', parsed.id)
      .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate('q'))
      .executeTakeFirst();
    const secretOk = digestsEqual(givenHash, row?.secret_hash ?? sha256Hex(''));
    const valid =
      row !== undefined &&
      secretOk &&
      row.voided_at === null &&
      (row.expires_at === null || row.expires_at > nowIso) &&
      row.login_key === login.trim().toLowerCase() &&
      row.issued_login === row.login;
    if (!valid || !row) throw INVALID();
    const token = newToken();
    const expiresAt = isoAfter(now, USER_SESSION_MS);
    await trx.insertInto('user_sessions').values({ token_hash: sha256Hex(token), user_id: row.id, created_at: nowIso, expires_at: expiresAt }).execute();
    return { token, expiresAt, user: { id: row.id, login: row.login, displayName: row.display_name } };
  });
}

/** The user behind a device session token, or null when it is unknown, ended or expired. */
export async function authenticateUser(ctx: ServiceContext, token: string): Promise<UserCaller | null> {
  const tokenHash = sha256Hex(token);
  const row = await ctx.db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.login', 'u.display_name'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', ctx.now().toISOString())
    .executeTakeFirst();
  return row ? { kind: 'user', userId: row.id, login: row.login, displayName: row.display_name, tokenHash } : null;
}
