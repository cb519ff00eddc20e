import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { loginKeyOf, type ThrottleScope } from '../security/signin-throttle';

/**
 * How many tries the sign-in limits hold against a login now (the largest of its counts: from
 * one source, or from new sources); 0 once a right password started them again.
 */
export async function chargedTries(db: Kysely<Database>, scope: ThrottleScope, login: string): Promise<number> {
  const rows = await db
    .selectFrom('signin_throttle')
    .select('failures')
    .where('scope', '=', scope)
    .where('login_key', '=', loginKeyOf(login))
    .execute();
  return Math.max(0, ...rows.map((r) => r.failures));
}
