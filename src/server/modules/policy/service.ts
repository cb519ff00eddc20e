import type { Kysely } from 'kysely';
import { GatepassError } from '../../../shared/errors';
import {
  checkPassword,
  DEFAULT_PASSWORD_POLICY,
  describeViolations,
  PasswordPolicySchema,
  PolicyUpdateSchema,
  type PasswordPolicy,
  type PolicyViolation,
} from '../../../shared/model/password-policy';
import type { Database } from '../../db/schema';
import { isCommonPassword } from '../../security/common-passwords';
import { recordAudit } from '../audit/service';
import type { AdminCaller, ServiceContext } from '../../context';

const POLICY_KEY = 'password_policy';

/** The stored policy, or the default when none was ever set. Read from the DB every time so replicas agree. */
export async function getPolicy(db: Kysely<Database>): Promise<PasswordPolicy> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', POLICY_KEY).executeTakeFirst();
  if (!row) return DEFAULT_PASSWORD_POLICY;
  const parsed = PasswordPolicySchema.safeParse(JSON.parse(row.value));
  // A policy written by a newer or broken version falls back to the default rather than to "anything goes".
  return parsed.success ? parsed.data : DEFAULT_PASSWORD_POLICY;
}

/**
 * Replaces the policy and audits the change (PUT /api/v1/policy). Checked here as well as at
 * the route, so no caller inside the server can store a minimum under the NIST floor of 8.
 */
export async function setPolicy(ctx: ServiceContext, caller: AdminCaller, policy: PasswordPolicy): Promise<PasswordPolicy> {
  const value = JSON.stringify(PolicyUpdateSchema.parse(policy));
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('settings')
      .values({ key: POLICY_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    await recordAudit(trx, ctx.now(), { actor: caller.login, action: 'policy.update', detail: value });
  });
  return policy;
}

/** The policy check plus the server's common-password list. */
export function policyViolations(password: string, policy: PasswordPolicy, login: string): PolicyViolation[] {
  return checkPassword(password, policy, { login, isCommon: isCommonPassword });
}

/** Throws 422 POLICY_VIOLATION with the violations as details when the password fails. */
export function assertPolicy(password: string, policy: PasswordPolicy, login: string): void {
  const violations = policyViolations(password, policy, login);
  if (violations.length > 0) throw new GatepassError('POLICY_VIOLATION', describeViolations(violations), violations);
}
