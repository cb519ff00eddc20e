import type { StateCreator } from 'zustand';
import { errorMessage } from '../lib/format';
import type { AppState, PrefsSlice } from './types';

/** The view settings main keeps for the console (hidden columns here; the open node in the servers slice). */
export const createPrefsSlice: StateCreator<AppState, [], [], PrefsSlice> = (set, get) => ({
  hiddenColumns: [],

  async loadPrefs() {
    try {
      const prefs = await window.gatepass.prefs.get();
      set({ hiddenColumns: prefs.hiddenUserColumns });
      return prefs;
    } catch (err) {
      get().showNotice({ tone: 'error', text: `The saved view could not be read: ${errorMessage(err)}` });
      return null;
    }
  },

  setColumnHidden(column, hidden) {
    const current = get().hiddenColumns;
    const next = hidden ? [...new Set([...current, column])] : current.filter((c) => c !== column);
    // Shown at once; main keeps it for the next start.
    set({ hiddenColumns: next });
    window.gatepass.prefs.set({ hiddenUserColumns: next }).catch((err: unknown) => {
      get().showNotice({ tone: 'error', text: `The column choice could not be remembered: ${errorMessage(err)}` });
    });
  },
});
