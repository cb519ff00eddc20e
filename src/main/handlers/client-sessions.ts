import type { clientSessionChannels } from '../../shared/ipc/channels/client-sessions';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/**
 * The Client sessions list's query as the REST route takes it: over IPC `active` and
 * `emergency` are JSON booleans, in the query string they are `true`/`false`.
 */
export function clientSessionQuery<Q extends { active?: boolean; emergency?: boolean }>({ active, emergency, ...rest }: Q) {
  return {
    ...rest,
    ...(active === undefined ? {} : { active: String(active) }),
    ...(emergency === undefined ? {} : { emergency: String(emergency) }),
  };
}

/** Users' sign-ins to computers, through the server's admin session. */
export function clientSessionHandlers(connections: Connections): Pick<Handlers, keyof typeof clientSessionChannels> {
  return {
    async 'clientSessions:list'({ serverId, ...query }) {
      return connections.admin(serverId)('listClientSessions', { query: clientSessionQuery(query) });
    },
  };
}
