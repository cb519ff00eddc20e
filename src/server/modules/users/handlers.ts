import type { usersApi } from '../../../shared/api/users';
import type { ServiceContext } from '../../context';
import type { HandlersOf } from '../../http/route-handler';
import { createUser, deleteUser, getUser, importUsers, listUsers, locateUsers, setUserPassword, updateUser, userActions } from './service';

export function usersHandlers(ctx: ServiceContext): HandlersOf<typeof usersApi> {
  return {
    listUsers: ({ query }) => listUsers(ctx, query),
    getUser: ({ params }) => getUser(ctx, params.id),
    createUser: ({ caller, body }) => createUser(ctx, caller, body),
    updateUser: ({ caller, params, body }) => updateUser(ctx, caller, params.id, body),
    deleteUser: async ({ caller, params }) => {
      await deleteUser(ctx, caller, params.id);
      return { ok: true };
    },
    setPassword: async ({ caller, params, body }) => {
      await setUserPassword(ctx, caller, params.id, body.password);
      return { ok: true };
    },
    userActions: ({ caller, body }) => userActions(ctx, caller, body.action, body.userIds),
    locateUsers: ({ body }) => locateUsers(ctx, body),
    importUsers: ({ caller, body }) => importUsers(ctx, caller, body),
  };
}
