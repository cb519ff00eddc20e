import type { policyApi } from '../../../shared/api/policy';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { COMMON_PASSWORDS } from '../../security/common-passwords';
import { getPolicy, setPolicy } from './service';

export function policyHandlers(ctx: ServiceContext): HandlersOf<typeof policyApi> {
  return {
    getPolicy: async () => ({ ...(await getPolicy(ctx.db)), commonPasswords: [...COMMON_PASSWORDS] }),
    setPolicy: ({ caller, body }) => setPolicy(ctx, caller, body),
  };
}
