import type { policyApi } from '../../../shared/api/policy';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { getPolicy, setPolicy } from './service';

export function policyHandlers(ctx: ServiceContext): HandlersOf<typeof policyApi> {
  return {
    getPolicy: () => getPolicy(ctx.db),
    setPolicy: ({ caller, body }) => setPolicy(ctx, caller, body),
  };
}
