import type { auditChannels } from '../../shared/ipc/channels/audit';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/** A server's audit log, through its admin session. */
export function auditHandlers(connections: Connections): Pick<Handlers, keyof typeof auditChannels> {
  return {
    async 'audit:list'({ serverId, ...query }) {
      return connections.admin(serverId)('listAudit', { query });
    },
  };
}
