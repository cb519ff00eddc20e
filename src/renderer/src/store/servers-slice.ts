import type { StateCreator } from 'zustand';
import { errorMessage } from '../lib/format';
import { NO_USER_FILTERS } from '../lib/list-filters';
import type { AppState, ServersSlice, View } from './types';

function sameView(a: View | null, b: View | null): boolean {
  return a?.serverId === b?.serverId && a?.section === b?.section;
}

/** The server tree: main owns the list (servers:list), the store only caches it. */
export const createServersSlice: StateCreator<AppState, [], [], ServersSlice> = (set, get) => {
  /** The view main last stored, so showing it again writes nothing. */
  let storedView: View | null = null;

  function rememberView(view: View | null): void {
    if (sameView(view, storedView)) return;
    storedView = view;
    window.gatepass.prefs.set({ view }).catch((err: unknown) => get().showNotice({ tone: 'error', text: `The open view could not be remembered: ${errorMessage(err)}` }));
  }

  return {
  appInfo: null,
  servers: [],
  serversLoaded: false,
  serversError: null,
  view: null,
  refreshTick: 0,
  unsavedEdits: {},

  async refreshAll() {
    set({ refreshTick: get().refreshTick + 1 });
    get().refreshUsers();
    await get().loadServers();
  },

  async loadAppInfo() {
    try {
      set({ appInfo: await window.gatepass.app.info() });
    } catch (err) {
      get().showNotice({ tone: 'error', text: errorMessage(err) });
    }
  },

  async loadServers() {
    try {
      const first = !get().serversLoaded;
      // The first load also reads the saved view, so a reload shows the node that was open.
      const [servers, prefs] = await Promise.all([window.gatepass.servers.list(), first ? get().loadPrefs() : Promise.resolve(null)]);
      if (prefs) storedView = prefs.view;
      set({ servers, serversLoaded: true, serversError: null });
      const { view } = get();
      if (view && !servers.some((s) => s.id === view.serverId)) get().setView(null);
      if (!view) {
        const saved = first ? prefs?.view : null;
        if (saved && servers.some((s) => s.id === saved.serverId)) get().setView(saved);
        // Else open the first server's users, so a newcomer sees the list at once.
        else if (first && servers[0]) get().setView({ serverId: servers[0].id, section: 'users' });
      }
    } catch (err) {
      set({ serversLoaded: true, serversError: errorMessage(err) });
    }
  },

  setView(view) {
    const prev = get().view;
    if (!sameView(prev, view)) set({ unsavedEdits: {} });
    set({ view });
    rememberView(view);
    if (!view || view.section !== 'users') {
      if (!view) get().setUserQuery(null);
      return;
    }
    const q = get().query;
    if (prev?.serverId === view.serverId && q?.serverId === view.serverId) return;
    get().setUserQuery({ serverId: view.serverId, search: '', sort: 'login', order: 'asc', filters: NO_USER_FILTERS });
  },

  requestView(view) {
    const { view: current, unsavedEdits } = get();
    if (Object.keys(unsavedEdits).length > 0 && !sameView(current, view)) get().openDialog({ kind: 'unsavedChanges', next: view });
    else get().setView(view);
  },

  setUnsavedEdits(part, edits) {
    const next = { ...get().unsavedEdits };
    if (edits) next[part] = edits;
    else delete next[part];
    set({ unsavedEdits: next });
  },

  async updateServer(serverId, change) {
    const server = await window.gatepass.servers.update({ serverId, ...change });
    set({ servers: get().servers.map((s) => (s.id === server.id ? server : s)) });
    if (get().query?.serverId === serverId) get().refreshUsers();
    return server;
  },

  async addServer(input) {
    const server = await window.gatepass.servers.add(input);
    await get().loadServers();
    get().setView({ serverId: server.id, section: 'users' });
    return server;
  },

  async connectServer(serverId, password) {
    const server = await window.gatepass.servers.connect(password === undefined ? { serverId } : { serverId, password });
    set({ servers: get().servers.map((s) => (s.id === server.id ? server : s)) });
    if (get().query?.serverId === serverId) get().refreshUsers();
    return server;
  },

  async removeServer(serverId) {
    await window.gatepass.servers.remove({ serverId });
    await get().loadServers();
  },

  getPolicy(serverId) {
    return window.gatepass.policy.get({ serverId });
  },
  };
};
