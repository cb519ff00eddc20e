import type { appChannels } from '../../shared/ipc/channels/app';
import { appVersion } from '../app-version';
import type { Handlers } from '../ipc/dispatch';
import type { Keychain } from '../services/keychain';

/** app:info: the version, the host, and whether passwords can be remembered. */
export function appHandlers(deps: { host: 'electron' | 'web'; credentials: Keychain }): Pick<Handlers, keyof typeof appChannels> {
  return {
    async 'app:info'() {
      const kc = await deps.credentials.available();
      return {
        version: appVersion(),
        host: deps.host,
        keychain: kc.ok ? 'available' : 'unavailable',
        ...(kc.message ? { keychainMessage: kc.message } : {}),
      };
    },
  };
}
