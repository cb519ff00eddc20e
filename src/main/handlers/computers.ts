import type { computerChannels } from '../../shared/ipc/channels/computers';
import type { Handlers } from '../ipc/dispatch';
import { registerComputerToFile } from '../services/computers/register';
import type { Connections } from '../services/connections';
import type { ExportKind, SaveTarget } from '../services/export/save-job';

/** A server's registered computers, through its admin session; agent files go out through the host's save target. */
export function computerHandlers(deps: {
  connections: Connections;
  saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
}): Pick<Handlers, keyof typeof computerChannels> {
  const { connections, saveTarget } = deps;
  return {
    async 'computers:list'({ serverId, ...query }) {
      return connections.admin(serverId)('listComputers', { query });
    },
    async 'computers:register'({ serverId, name, serverUrl }) {
      return registerComputerToFile({ call: connections.admin(serverId), name, serverUrl: serverUrl ?? connections.urlOf(serverId), saveTarget });
    },
    async 'computers:revoke'({ serverId, computerId }) {
      return connections.admin(serverId)('revokeComputer', { params: { id: computerId } });
    },
  };
}
