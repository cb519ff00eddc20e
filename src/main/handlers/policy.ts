import type { policyChannels } from '../../shared/ipc/channels/policy';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/** A server's password policy, through its admin session. */
export function policyHandlers(connections: Connections): Pick<Handlers, keyof typeof policyChannels> {
  return {
    async 'policy:get'({ serverId }) {
      return connections.admin(serverId)('getPolicy');
    },
    async 'policy:set'({ serverId, policy }) {
      return connections.admin(serverId)('setPolicy', { body: policy });
    },
  };
}
