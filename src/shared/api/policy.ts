import { PasswordPolicySchema } from '../model/password-policy';
import { route } from './route';

/** The server's password policy: what every password it sets must pass. */
export const policyApi = {
  getPolicy: route({ method: 'GET', path: '/api/v1/policy', summary: 'The password policy', auth: 'admin', response: PasswordPolicySchema }),
  setPolicy: route({
    method: 'PUT',
    path: '/api/v1/policy',
    summary: 'Replace the password policy (applies to passwords set from now on)',
    auth: 'admin',
    body: PasswordPolicySchema.refine((p) => p.minLength <= p.maxLength, { message: 'Minimum length must not exceed maximum length', path: ['minLength'] }),
    response: PasswordPolicySchema,
  }),
} as const;
