import type { adminsApi } from '../../../shared/api/admins';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { createAdmin, listAdmins, setAdminDisabled, setAdminPassword } from './manage';
import { adminSignin, adminSignout } from './service';

export function adminsHandlers(ctx: ServiceContext): HandlersOf<typeof adminsApi> {
  return {
    adminSignin: ({ body }) => adminSignin(ctx, body),
    adminSignout: async ({ caller }) => {
      await adminSignout(ctx, caller);
      return { ok: true };
    },
    listAdmins: ({ caller }) => listAdmins(ctx, caller),
    createAdmin: ({ caller, body }) => createAdmin(ctx, caller, body),
    disableAdmin: ({ caller, params }) => setAdminDisabled(ctx, caller, params.id, true),
    enableAdmin: ({ caller, params }) => setAdminDisabled(ctx, caller, params.id, false),
    setAdminPassword: ({ caller, params, body }) => setAdminPassword(ctx, caller, params.id, body),
  };
}
