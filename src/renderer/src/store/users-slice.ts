import type { StateCreator } from 'zustand';
import { errorMessage } from '../lib/format';
import { userFilterQuery } from '../lib/list-filters';
import { PAGE_SIZE, missingPages, pageOf, pagesInRange, rowAt, withPage } from '../lib/page-cache';
import { runInChunks } from '../lib/chunked-run';
import { EMPTY_SELECTION, resolveSelectedIds, selectIds } from '../lib/selection';
import { orderByCachedRows } from '../lib/target-users';
import type { AppState, UserQuery, UsersSlice } from './types';

/** users:list accepts at most 500 rows per call. */
const ID_BATCH = 500;
/** users:delete, users:signedIn and qr:generate accept at most 10,000 ids per call. */
export const MAX_IDS_PER_CALL = 10_000;

/** Users per users:action call: the server runs each in its own transaction, so a chunk takes well under a second. */
const ACTION_CHUNK = 500;
/** Users per users:setPassword call: each is an argon2id hash on the server. */
const PASSWORD_CHUNK = 100;

/** The list's query (search, filters, sort) without the paging: what users:list, users:locate and export:usersCsv share. */
export function userListQuery(q: UserQuery) {
  return { serverId: q.serverId, sort: q.sort, order: q.order, ...(q.search ? { search: q.search } : {}), ...userFilterQuery(q.filters) };
}

function listInput(q: UserQuery, offset: number, limit: number) {
  return { ...userListQuery(q), offset, limit };
}

/** The user table's cache: pages of 200 by page index, reset whenever the query changes. */
export const createUsersSlice: StateCreator<AppState, [], [], UsersSlice> = (set, get) => {
  let center = 0;

  async function fetchPage(page: number): Promise<void> {
    const { query, generation } = get();
    if (!query) return;
    set({ inflight: new Set([...get().inflight, page]) });
    try {
      const res = await window.gatepass.users.list(listInput(query, page * PAGE_SIZE, PAGE_SIZE));
      if (get().generation !== generation) return; // an answer to an older query
      const inflight = new Set(get().inflight);
      inflight.delete(page);
      set({ total: res.total, pages: withPage(get().pages, page, res.items, center), inflight, usersError: null });
    } catch (err) {
      if (get().generation !== generation) return;
      const inflight = new Set(get().inflight);
      inflight.delete(page);
      set({ inflight, usersError: errorMessage(err), total: get().total ?? 0 });
    }
  }

  return {
    query: null,
    total: null,
    pages: new Map(),
    inflight: new Set(),
    generation: 0,
    usersError: null,

    setUserQuery(query) {
      set({
        query,
        total: null,
        pages: new Map(),
        inflight: new Set(),
        generation: get().generation + 1,
        usersError: null,
        selection: EMPTY_SELECTION,
        focusIndex: null,
      });
      if (query) void fetchPage(0);
    },

    setUserFilters(filters) {
      const q = get().query;
      if (!q) return;
      if (JSON.stringify(userFilterQuery(filters)) === JSON.stringify(userFilterQuery(q.filters))) set({ query: { ...q, filters } });
      else get().setUserQuery({ ...q, filters });
    },

    ensureRows(start, end) {
      const { total, pages, inflight, usersError } = get();
      if (total === null || usersError) return; // the first page is on its way, or the list failed
      center = pageOf(Math.floor((start + end) / 2));
      for (const p of missingPages(pagesInRange(start, end, total), pages, inflight)) void fetchPage(p);
    },

    refreshUsers() {
      if (!get().query) return;
      // The selection is kept across a refresh (F5): ids that vanished are refused server-side.
      set({ total: null, pages: new Map(), inflight: new Set(), generation: get().generation + 1, usersError: null });
      void fetchPage(0);
    },

    async idsInRange(lo, hi) {
      const { pages, query } = get();
      const cached: string[] = [];
      for (let i = lo; i <= hi; i++) {
        const u = rowAt(pages, i);
        if (!u) break;
        cached.push(u.id);
      }
      if (cached.length === hi - lo + 1 || !query) return cached;
      const out: string[] = [];
      for (let offset = lo; offset <= hi; offset += ID_BATCH) {
        const limit = Math.min(ID_BATCH, hi - offset + 1);
        const res = await window.gatepass.users.list(listInput(query, offset, limit));
        out.push(...res.items.map((u) => u.id));
        if (res.items.length < limit) break;
      }
      return out;
    },

    async resolveSelection() {
      const { query, selection, total } = get();
      if (!query) return [];
      return resolveSelectedIds(selection, total ?? 0, async (offset, limit) => {
        const res = await window.gatepass.users.list(listInput(query, offset, limit));
        return res.items.map((u) => u.id);
      });
    },

    async resolveSelectedUsers() {
      const { query, selection, total, pages } = get();
      if (!query) return [];
      if (selection.all) {
        // Page the list in its order, dropping the rows unticked after Ctrl+A.
        const out: { id: string; login: string }[] = [];
        for (let offset = 0; offset < (total ?? 0); offset += ID_BATCH) {
          const res = await window.gatepass.users.list(listInput(query, offset, ID_BATCH));
          for (const u of res.items) if (!selection.ids.has(u.id)) out.push({ id: u.id, login: u.login });
          if (res.items.length < ID_BATCH) break;
        }
        return out;
      }
      const { found, missing } = orderByCachedRows(selection.ids, pages);
      if (missing.length === 0) return found;
      if (missing.length <= 20) {
        // A few rows scrolled out of the cache: ask for them one by one. One deleted since it
        // was selected (the selection outlives a refresh) is no longer part of it.
        const extra = await Promise.all(
          missing.map((userId) =>
            window.gatepass.users.get({ serverId: query.serverId, userId }).catch((err: unknown) => {
              if ((err as { code?: unknown }).code === 'NOT_FOUND') return null;
              throw err;
            }),
          ),
        );
        return [...found, ...extra.flatMap((u) => (u ? [{ id: u.id, login: u.login }] : []))];
      }
      // Many (a long Shift-range): walk the list once, which also gives the table's order.
      const wanted = selection.ids;
      const out: { id: string; login: string }[] = [];
      for (let offset = 0; offset < (total ?? 0) && out.length < wanted.size; offset += ID_BATCH) {
        const res = await window.gatepass.users.list(listInput(query, offset, ID_BATCH));
        for (const u of res.items) if (wanted.has(u.id)) out.push({ id: u.id, login: u.login });
        if (res.items.length < ID_BATCH) break;
      }
      return out;
    },

    async countSignedIn(serverId, userIds) {
      let count = 0;
      const logins: string[] = [];
      for (let i = 0; i < userIds.length; i += MAX_IDS_PER_CALL) {
        const res = await window.gatepass.users.signedIn({ serverId, userIds: userIds.slice(i, i + MAX_IDS_PER_CALL) });
        count += res.count;
        logins.push(...res.logins);
      }
      return { count, logins };
    },

    async importUsers(csv) {
      const q = get().query;
      if (!q) throw new Error('Choose a server first');
      const res = await window.gatepass.users.import({ serverId: q.serverId, csv });
      get().refreshUsers();
      // The new users are selected behind the report, so the next step (Generate) is one click away.
      if (res.createdIds.length > 0) void get().showUsers(res.createdIds).catch(() => {});
      return res;
    },

    async createUser(input) {
      const q = get().query;
      if (!q) throw new Error('Choose a server first');
      const user = await window.gatepass.users.create({ serverId: q.serverId, ...input });
      get().refreshUsers();
      // Selected and scrolled to, so what was just added is what the administrator sees.
      const shown = await get()
        .showUsers([user.id])
        .catch(() => false);
      get().showNotice({ tone: 'info', text: shown ? `Added ${user.login}` : `Added ${user.login}; the list's search or filters hide them` });
      return user;
    },

    async showUsers(userIds) {
      const q = get().query;
      if (!q || userIds.length === 0) return false;
      const generation = get().generation;
      const where = await window.gatepass.users.locate({ ...userListQuery(q), userIds: userIds.slice(0, MAX_IDS_PER_CALL) });
      // The administrator moved on (another search, server or refresh): leave their list alone.
      if (get().generation !== generation || where.index === null) return false;
      set({ selection: selectIds(userIds, where.index), focusIndex: where.index });
      return true;
    },

    async runUserAction(action, users, control = {}) {
      const q = get().query;
      if (!q) throw new Error('Choose a server first');
      const out = await runInChunks(
        users,
        ACTION_CHUNK,
        async (userIds) => (await window.gatepass.users.action({ serverId: q.serverId, action, userIds })).results,
        control,
      );
      get().refreshUsers();
      return out;
    },

    async setUsersPassword(users, password, control = {}) {
      const q = get().query;
      if (!q) throw new Error('Choose a server first');
      const out = await runInChunks(
        users,
        PASSWORD_CHUNK,
        async (userIds) => (await window.gatepass.users.setPassword({ serverId: q.serverId, userIds, password })).results,
        control,
      );
      get().refreshUsers();
      return out;
    },

    async updateUser(userId, input) {
      const q = get().query;
      if (!q) throw new Error('Choose a server first');
      const user = await window.gatepass.users.update({ serverId: q.serverId, userId, ...input });
      get().refreshUsers();
      return user;
    },

    async deleteSelectedUsers() {
      const q = get().query;
      if (!q) return { deleted: 0, failed: 0 };
      const ids = await get().resolveSelection();
      let deleted = 0;
      let failed = 0;
      let firstFailure: string | undefined;
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
        const res = await window.gatepass.users.delete({ serverId: q.serverId, userIds: ids.slice(i, i + MAX_IDS_PER_CALL) });
        deleted += res.deleted;
        failed += res.failed.length;
        firstFailure ??= res.failed[0]?.message;
      }
      set({ selection: EMPTY_SELECTION, focusIndex: null });
      get().refreshUsers();
      return firstFailure === undefined ? { deleted, failed } : { deleted, failed, firstFailure };
    },
  };
};
