import type { recoveryCodesApi } from '../../../shared/api/recovery-codes';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { regenerateOwnRecoveryCodes, regenerateUserRecoveryCodes } from './service';

export function recoveryCodesHandlers(ctx: ServiceContext): HandlersOf<typeof recoveryCodesApi> {
  return {
    regenerateOwnRecoveryCodes: ({ caller }) => regenerateOwnRecoveryCodes(ctx, caller),
    regenerateUserRecoveryCodes: ({ caller, params }) => regenerateUserRecoveryCodes(ctx, caller, params.id),
  };
}
