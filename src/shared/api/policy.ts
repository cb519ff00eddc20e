import { PasswordPolicySchema, PolicyUpdateSchema, ServerPolicySchema } from '../model/password-policy';
import { route } from './route';

/** The server's password policy: what every password it sets must pass. */
export const policyApi = {
  getPolicy: route({
    method: 'GET',
    path: '/api/v1/policy',
    summary: 'The password policy, with the list of common passwords it refuses (so clients check what the server checks)',
    auth: 'admin',
    response: ServerPolicySchema,
  }),
  setPolicy: route({
    method: 'PUT',
    path: '/api/v1/policy',
    summary: 'Replace the password policy (applies to passwords set from now on); the minimum length is at least 8 (NIST SP 800-63B)',
    auth: 'admin',
    body: PolicyUpdateSchema,
    response: PasswordPolicySchema,
  }),
} as const;
