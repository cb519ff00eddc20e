import type { cardChannels } from '../../shared/ipc/channels/cards';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';

/** A server's card branding, through its admin session. */
export function cardHandlers(connections: Connections): Pick<Handlers, keyof typeof cardChannels> {
  return {
    async 'cards:getBranding'({ serverId }) {
      return connections.admin(serverId)('getCardBranding');
    },
    async 'cards:setBranding'({ serverId, branding }) {
      // The parsed body carries the logo's size too; the route takes the picture and the text.
      return connections.admin(serverId)('setCardBranding', { body: { text: branding.text, logo: branding.logo ? { png: branding.logo.png } : null } });
    },
  };
}
