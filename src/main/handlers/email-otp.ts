import type { emailOtpChannels } from '../../shared/ipc/channels/email-otp';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/** One-time passwords by email: the server's settings and its pending requests (never a password), through its admin session. */
export function emailOtpHandlers(connections: Connections): Pick<Handlers, keyof typeof emailOtpChannels> {
  return {
    async 'emailOtp:settings'({ serverId }) {
      return connections.admin(serverId)('getEmailOtpSettings');
    },
    async 'emailOtp:setSettings'({ serverId, ...body }) {
      return connections.admin(serverId)('setEmailOtpSettings', { body });
    },
    async 'emailOtp:pending'({ serverId, ...query }) {
      return connections.admin(serverId)('listPendingOtps', { query });
    },
  };
}
