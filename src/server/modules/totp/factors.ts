import type { ExpressionBuilder } from 'kysely';
import type { AccountKind, Database } from '../../db/schema';

/**
 * The WHERE of an account's factor rows in totp_factors: its own authenticator app's and, for a
 * user, those of their provisioned devices that are not revoked (issue 10: a provisioned phone
 * is one more authenticator of its user). Every check, count, reset and "has two-step
 * verification" of an account goes over these rows.
 */
export function factorsOf(kind: AccountKind, id: string) {
  return (eb: ExpressionBuilder<Database, 'totp_factors'>) => {
    const own = eb.and([eb('totp_factors.kind', '=', kind), eb('totp_factors.account_id', '=', id)]);
    if (kind !== 'user') return own;
    const devices = eb.selectFrom('devices as d').select('d.id').where('d.user_id', '=', id).where('d.revoked_at', 'is', null);
    return eb.or([own, eb.and([eb('totp_factors.kind', '=', 'device'), eb('totp_factors.account_id', 'in', devices)])]);
  };
}
