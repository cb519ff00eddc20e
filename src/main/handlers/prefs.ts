import type { prefsChannels } from '../../shared/ipc/channels/prefs';
import type { Handlers } from '../ipc/dispatch';
import type { SettingsStore } from '../services/settings';

/** The console's view settings, kept by main in its settings file (never in renderer storage). */
export function prefsHandlers(settings: SettingsStore): Pick<Handlers, keyof typeof prefsChannels> {
  // One change at a time, so two quick changes (a node, then a column) both survive.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    async 'prefs:get'() {
      return settings.loadPrefs();
    },
    async 'prefs:set'(change) {
      const run = queue.then(async () => {
        const prefs = { ...(await settings.loadPrefs()) };
        if (change.view !== undefined) prefs.view = change.view;
        if (change.hiddenUserColumns !== undefined) prefs.hiddenUserColumns = [...new Set(change.hiddenUserColumns)];
        await settings.savePrefs(prefs);
        return prefs;
      });
      queue = run.catch(() => {});
      return run;
    },
  };
}
