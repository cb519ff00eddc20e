import type { userChannels } from '../../shared/ipc/channels/users';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';
import { countSignedIn } from '../services/issuing/issue-job';
import { deleteUsers } from '../services/users/bulk-delete';
import { importUsers } from '../services/users/csv-import';
import { setPasswords } from '../services/users/set-passwords';

/**
 * The list's query as the REST route takes it: over IPC the yes/no filters are JSON booleans,
 * in the query string they are `true`/`false`.
 */
export function listQuery<Q extends { signedIn?: boolean; disabled?: boolean }>({ signedIn, disabled, ...rest }: Q) {
  return {
    ...rest,
    ...(signedIn === undefined ? {} : { signedIn: String(signedIn) }),
    ...(disabled === undefined ? {} : { disabled: String(disabled) }),
  };
}

/** A server's users, through its admin session. */
export function userHandlers(connections: Connections): Pick<Handlers, keyof typeof userChannels> {
  return {
    async 'users:list'({ serverId, ...query }) {
      return connections.admin(serverId)('listUsers', { query: listQuery(query) });
    },
    async 'users:get'({ serverId, userId }) {
      return connections.admin(serverId)('getUser', { params: { id: userId } });
    },
    async 'users:create'({ serverId, ...body }) {
      return connections.admin(serverId)('createUser', { body });
    },
    async 'users:update'({ serverId, userId, ...changes }) {
      const body = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      return connections.admin(serverId)('updateUser', { params: { id: userId }, body });
    },
    async 'users:delete'({ serverId, userIds }) {
      return deleteUsers(connections.admin(serverId), userIds);
    },
    async 'users:signedIn'({ serverId, userIds }) {
      return countSignedIn(connections.admin(serverId), userIds);
    },
    async 'users:action'({ serverId, action, userIds }) {
      return connections.admin(serverId)('userActions', { body: { action, userIds } });
    },
    async 'users:setPassword'({ serverId, userIds, password }) {
      return setPasswords(connections.admin(serverId), userIds, password);
    },
    async 'users:locate'({ serverId, ...body }) {
      return connections.admin(serverId)('locateUsers', { body });
    },
    async 'users:import'({ serverId, csv }) {
      return importUsers(connections.admin(serverId), csv);
    },
  };
}
