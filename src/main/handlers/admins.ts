import type { adminChannels } from '../../shared/ipc/channels/admins';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/**
 * A server's administrators, through its admin session. Passwords go to the server in the
 * request body and nowhere else; changing your own also replaces the one this console signs in
 * with, so the next sign-in (after the session expires) does not fail with the old one.
 */
export function adminHandlers(connections: Connections): Pick<Handlers, keyof typeof adminChannels> {
  return {
    async 'admins:list'({ serverId }) {
      return connections.admin(serverId)('listAdmins', {});
    },
    async 'admins:create'({ serverId, login, password }) {
      return connections.admin(serverId)('createAdmin', { body: { login, password } });
    },
    async 'admins:disable'({ serverId, adminId }) {
      return connections.admin(serverId)('disableAdmin', { params: { id: adminId } });
    },
    async 'admins:enable'({ serverId, adminId }) {
      return connections.admin(serverId)('enableAdmin', { params: { id: adminId } });
    },
    async 'admins:setPassword'({ serverId, adminId, password, currentPassword }) {
      const body = currentPassword === undefined ? { password } : { password, currentPassword };
      const admin = await connections.admin(serverId)('setAdminPassword', { params: { id: adminId }, body });
      if (admin.you) await connections.ownPasswordChanged(serverId, password);
      return admin;
    },
  };
}
