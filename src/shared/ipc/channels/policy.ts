import { PasswordPolicySchema, ServerPolicySchema } from '../../model/password-policy';
import { api } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** One server's password policy. */
export const policyChannels = {
  'policy:get': channel(ServerRef, ServerPolicySchema, "The server's password policy and its list of common passwords"),
  'policy:set': channel(
    // The route's own body schema, so a minimum above the maximum is refused here too (VALIDATION_FAILED).
    ServerRef.extend({ policy: api.setPolicy.body }),
    PasswordPolicySchema,
    'Replace the password policy; it applies to passwords set from now on, existing passwords and codes stay valid',
  ),
} as const;
