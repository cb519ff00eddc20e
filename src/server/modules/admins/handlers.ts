import type { adminsApi } from '../../../shared/api/admins';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { adminSignin, adminSignout } from './service';

export function adminsHandlers(ctx: ServiceContext): HandlersOf<typeof adminsApi> {
  return {
    adminSignin: ({ body }) => adminSignin(ctx, body),
    adminSignout: async ({ caller }) => {
      await adminSignout(ctx, caller);
      return { ok: true };
    },
  };
}
