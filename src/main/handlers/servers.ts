import type { serverChannels } from '../../shared/ipc/channels/servers';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/** The server tree, straight from the connections. */
export function serverHandlers(connections: Connections): Pick<Handlers, keyof typeof serverChannels> {
  return {
    async 'servers:list'() {
      return connections.list();
    },
    async 'servers:add'(input) {
      return connections.add(input);
    },
    async 'servers:remove'({ serverId }) {
      await connections.remove(serverId);
      return { ok: true as const };
    },
    async 'servers:update'({ serverId, ...change }) {
      return connections.update(serverId, change);
    },
    async 'servers:connect'({ serverId, password, otp, recoveryCode }) {
      return connections.connect(serverId, password, { otp, recoveryCode });
    },
  };
}
