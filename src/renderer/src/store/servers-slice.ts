import type { StateCreator } from 'zustand';
import { errorMessage } from '../lib/format';
import type { AppState, ServersSlice } from './types';

/** The server tree: main owns the list (servers:list), the store only caches it. */
export const createServersSlice: StateCreator<AppState, [], [], ServersSlice> = (set, get) => ({
  appInfo: null,
  servers: [],
  serversLoaded: false,
  serversError: null,
  view: null,
  refreshTick: 0,

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
      const servers = await window.gatepass.servers.list();
      set({ servers, serversLoaded: true, serversError: null });
      const { view } = get();
      if (view && !servers.some((s) => s.id === view.serverId)) get().setView(null);
      // First load: open the first server's users so a newcomer sees the list at once.
      if (!view && servers[0]) get().setView({ serverId: servers[0].id, section: 'users' });
    } catch (err) {
      set({ serversLoaded: true, serversError: errorMessage(err) });
    }
  },

  setView(view) {
    const prev = get().view;
    set({ view });
    if (!view || view.section !== 'users') {
      if (!view) get().setUserQuery(null);
      return;
    }
    const q = get().query;
    if (prev?.serverId === view.serverId && q?.serverId === view.serverId) return;
    get().setUserQuery({ serverId: view.serverId, search: '', sort: 'login', order: 'asc' });
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
});
