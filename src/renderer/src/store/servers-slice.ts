import type { StateCreator } from 'zustand';
import { errorMessage } from '../lib/format';
import { NO_USER_FILTERS } from '../lib/list-filters';
import type { AppState, ServersSlice, View } from './types';

function sameView(a: View | null, b: View | null): boolean {
  return a?.serverId === b?.serverId && a?.section === b?.section;
}

/** "All servers" shows in the tree once there are two servers to list together. */
export const ALL_SERVERS_FROM = 2;

/** The server tree: main owns the list (servers:list), the store only caches it. */
export const createServersSlice: StateCreator<AppState, [], [], ServersSlice> = (set, get) => {
  /** The view main last stored, so showing it again writes nothing. */
  let storedView: View | null = null;

  function rememberView(view: View | null): void {
    if (sameView(view, storedView)) return;
    storedView = view;
    // The node only: filters a link opened the Users with are for this visit.
    const saved = view === null ? null : view.serverId === null ? { serverId: null, section: 'users' as const } : { serverId: view.serverId, section: view.section };
    window.gatepass.prefs.set({ view: saved }).catch((err: unknown) => get().showNotice({ tone: 'error', text: `The open view could not be remembered: ${errorMessage(err)}` }));
  }

  return {
  appInfo: null,
  servers: [],
  serversLoaded: false,
  serversError: null,
  view: null,
  refreshTick: 0,
  twoStepTick: 0,
  unsavedEdits: {},

  bumpTwoStep() {
    set({ twoStepTick: get().twoStepTick + 1 });
  },

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
      const before = get().servers;
      set({ servers, serversLoaded: true, serversError: null });
      const { view } = get();
      const shown = (v: View) => (v.serverId === null ? servers.length >= ALL_SERVERS_FROM : servers.some((s) => s.id === v.serverId));
      if (view && !shown(view)) get().setView(null);
      if (!get().view) {
        const saved = first ? prefs?.view : null;
        if (saved && shown(saved)) get().setView(saved);
        // Else open the first server's users, so a newcomer sees the list at once.
        else if (first && servers[0]) get().setView({ serverId: servers[0].id, section: 'users' });
      }
      const q = get().query;
      // The list's server just connected (a code typed, an enrolment confirmed, a background reconnect): read it again.
      if (q && q.serverId !== null) {
        const was = before.find((s) => s.id === q.serverId)?.status;
        if (was !== undefined && was !== 'connected' && servers.find((s) => s.id === q.serverId)?.status === 'connected') get().refreshUsers();
      }
      // All servers: a server that connected or went away changes what the list reads.
      if (q && q.serverId === null) {
        const want = servers.map((s) => `${s.id}:${s.status === 'connected'}`).join();
        const have = get().sources.map((s) => `${s.serverId}:${s.state !== 'offline'}`).join();
        if (want !== have) get().refreshUsers();
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
    if (view.userFilters) {
      // A link into the list (e.g. "N active users" of mandatory two-step verification): exactly these filters.
      get().setUserQuery({ serverId: view.serverId, search: '', sort: 'login', order: 'asc', filters: view.userFilters });
      return;
    }
    if (prev?.serverId === view.serverId && q !== null && q.serverId === view.serverId) return;
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
    const q = get().query;
    if (q && (q.serverId === serverId || q.serverId === null)) get().refreshUsers();
    return server;
  },

  async addServer(input) {
    const server = await window.gatepass.servers.add(input);
    await get().loadServers();
    get().setView({ serverId: server.id, section: 'users' });
    return server;
  },

  async connectServer(serverId, password, factor = {}) {
    const server = await window.gatepass.servers.connect({ serverId, ...(password === undefined ? {} : { password }), ...factor });
    set({ servers: get().servers.map((s) => (s.id === server.id ? server : s)) });
    const q = get().query;
    if (q && (q.serverId === serverId || q.serverId === null)) get().refreshUsers();
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
