import type { StateCreator } from 'zustand';
import type { Server } from '../../../shared/model/server';
import type { User } from '../../../shared/model/user';
import { errorMessage } from '../lib/format';
import { userFilterQuery } from '../lib/list-filters';
import { PAGE_SIZE, missingPages, pageOf, pagesInRange, rowAt, withPage } from '../lib/page-cache';
import { runInChunks, runPerServer } from '../lib/chunked-run';
import { EMPTY_SELECTION, resolveSelectedIds, selectIds } from '../lib/selection';
import { rowKey, segments, splitRowKey, type Segment } from '../lib/server-segments';
import { STATUS_TEXT } from '../lib/server-status';
import { orderByCachedRows } from '../lib/target-users';
import type { AppState, ListSource, SelectedUser, UserQuery, UserRow, UsersSlice } from './types';

/** users:list accepts at most 500 rows per call. */
const ID_BATCH = 500;
/** users:delete, users:signedIn and qr:generate accept at most 10,000 ids per call. */
export const MAX_IDS_PER_CALL = 10_000;

/** Users per users:action call: the server runs each in its own transaction, so a chunk takes well under a second. */
const ACTION_CHUNK = 500;
/** Users per users:setPassword call: each is an argon2id hash on the server. */
const PASSWORD_CHUNK = 100;

/** The list's query (search, filters, sort) on one server without the paging: what users:list, users:locate and export:usersCsv share. */
export function userListQuery(q: UserQuery, serverId: string) {
  return { serverId, sort: q.sort, order: q.order, ...(q.search ? { search: q.search } : {}), ...userFilterQuery(q.filters) };
}

function listPage(q: UserQuery, serverId: string, offset: number, limit: number) {
  return window.gatepass.users.list({ ...userListQuery(q, serverId), offset, limit });
}

/** The servers a query reads: its one server, or every server of the tree (those not connected give no rows and say why). */
export function sourcesFor(q: UserQuery, servers: readonly Server[]): ListSource[] {
  if (q.serverId !== null) {
    const id = q.serverId;
    return [{ serverId: id, name: servers.find((s) => s.id === id)?.name ?? '', state: 'ok', total: null }];
  }
  return servers.map((s): ListSource =>
    s.status === 'connected' ? { serverId: s.id, name: s.name, state: 'ok', total: null } : { serverId: s.id, name: s.name, state: 'offline', total: 0, message: STATUS_TEXT[s.status] },
  );
}

/** Each source's rows in the list: its total, none for one that is offline or failed. */
function totalsOf(sources: readonly ListSource[]): number[] {
  return sources.map((s) => (s.state === 'ok' ? (s.total ?? 0) : 0));
}

function sum(totals: readonly number[]): number {
  return totals.reduce((a, b) => a + b, 0);
}

function tagged(source: ListSource, items: readonly User[]): UserRow[] {
  return items.map((u) => ({ ...u, serverId: source.serverId, serverName: source.name }));
}

/**
 * The user table's cache: pages of 200 by page index, reset whenever the query changes. One
 * server's Users read that server; "All servers" reads every server of the tree one after
 * another (lib/server-segments), each page asked of the servers it spans, so 100,000 users on
 * each of several servers scroll like one list.
 */
export const createUsersSlice: StateCreator<AppState, [], [], UsersSlice> = (set, get) => {
  let center = 0;
  /** Bumped when a server's total changed under the all-servers list: the rows after it moved. */
  let layout = 0;
  let lastRange: [number, number] | null = null;

  /** The pieces of rows start..start+count-1: the one server as asked, or each server's part. */
  function segmentsOf(start: number, count: number): Segment[] {
    const { query, sources } = get();
    if (query?.serverId !== null) return [{ source: 0, offset: start, limit: count, at: 0 }];
    return segments(totalsOf(sources), start, count);
  }

  async function fetchPage(page: number): Promise<void> {
    const { query, generation, sources } = get();
    if (!query) return;
    const atLayout = layout;
    const single = query.serverId !== null;
    set({ inflight: new Set([...get().inflight, page]) });
    const done = () => {
      const inflight = new Set(get().inflight);
      inflight.delete(page);
      return inflight;
    };
    try {
      const answers = await Promise.all(
        segmentsOf(page * PAGE_SIZE, PAGE_SIZE).map(async (seg) => {
          const src = sources[seg.source]!;
          try {
            return { seg, src, res: await listPage(query, src.serverId, seg.offset, seg.limit), error: null };
          } catch (err) {
            // One server failing leaves the others' users listed; the one-server list shows the error.
            if (single) throw err;
            return { seg, src, res: null, error: errorMessage(err) };
          }
        }),
      );
      if (get().generation !== generation || layout !== atLayout) return; // an answer to an older query or layout
      let next = get().sources;
      let shifted = false;
      const lastOk = next.reduce((last, s, i) => (s.state === 'ok' ? i : last), -1);
      const rows: UserRow[] = [];
      for (const a of answers) {
        const i = a.seg.source;
        if (a.res === null) {
          next = next.map((s, j) => (j === i ? { ...s, state: 'failed', total: 0, message: a.error ?? 'Failed' } : s));
          shifted = true;
          continue;
        }
        if (next[i]?.total !== a.res.total) {
          // A server's count changed since the list was laid out: rows of the servers after it moved.
          if (i !== lastOk) shifted = true;
          next = next.map((s, j) => (j === i ? { ...s, total: a.res.total } : s));
        }
        rows.push(...tagged(a.src, a.res.items));
      }
      const total = single ? (next[0]?.total ?? 0) : sum(totalsOf(next));
      if (shifted && !single) {
        layout++;
        set({ sources: next, total, pages: new Map(), inflight: new Set(), usersError: null });
        if (lastRange) get().ensureRows(lastRange[0], lastRange[1]);
        return;
      }
      set({ sources: next, total, pages: withPage(get().pages, page, rows, center), inflight: done(), usersError: null });
    } catch (err) {
      if (get().generation !== generation) return;
      set({ inflight: done(), usersError: errorMessage(err), total: get().total ?? 0 });
    }
  }

  /** All servers: how many users each has under the query, then pages as the table scrolls. */
  async function probe(): Promise<void> {
    const { query, generation, sources } = get();
    if (!query) return;
    const answered = await Promise.all(
      sources.map(async (s): Promise<ListSource> => {
        if (s.state !== 'ok') return s;
        try {
          return { ...s, total: (await listPage(query, s.serverId, 0, 1)).total };
        } catch (err) {
          return { ...s, state: 'failed', total: 0, message: errorMessage(err) };
        }
      }),
    );
    if (get().generation !== generation) return;
    set({ sources: answered, total: sum(totalsOf(answered)) });
  }

  function load(): void {
    const q = get().query;
    if (!q) return;
    if (q.serverId !== null) void fetchPage(0);
    else void probe();
  }

  /** Rows start..start+count-1 from the servers, at most 500 per call. */
  async function fetchRows(start: number, count: number): Promise<UserRow[]> {
    const { query, sources } = get();
    if (!query) return [];
    const out: UserRow[] = [];
    for (const seg of segmentsOf(start, count)) {
      const source = sources[seg.source]!;
      for (let off = 0; off < seg.limit; off += ID_BATCH) {
        const limit = Math.min(ID_BATCH, seg.limit - off);
        const res = await listPage(query, source.serverId, seg.offset + off, limit);
        out.push(...tagged(source, res.items));
        if (res.items.length < limit) break;
      }
    }
    return out;
  }

  /** Every row the query matches, server by server in the list's order, until each server's list ends. */
  async function eachRow(visit: (row: UserRow) => boolean | void): Promise<void> {
    const { query, sources } = get();
    if (!query) return;
    for (const s of sources) {
      if (s.state !== 'ok') continue;
      for (let offset = 0; ; offset += ID_BATCH) {
        const res = await listPage(query, s.serverId, offset, ID_BATCH);
        for (const u of tagged(s, res.items)) if (visit(u) === false) return;
        if (res.items.length < ID_BATCH) break;
      }
    }
  }

  /** Numbers the type-ahead searches, so an answer to an older one is dropped. */
  let typeAheadSeq = 0;

  function oneServer(): { q: UserQuery; serverId: string } {
    const q = get().query;
    if (!q || q.serverId === null) throw new Error("Open one server's Users first");
    return { q, serverId: q.serverId };
  }

  return {
    query: null,
    sources: [],
    total: null,
    pages: new Map(),
    inflight: new Set(),
    generation: 0,
    usersError: null,

    setUserQuery(query) {
      set({
        query,
        sources: query ? sourcesFor(query, get().servers) : [],
        total: null,
        pages: new Map(),
        inflight: new Set(),
        generation: get().generation + 1,
        usersError: null,
        selection: EMPTY_SELECTION,
        focusIndex: null,
      });
      lastRange = null;
      load();
    },

    setUserFilters(filters) {
      const q = get().query;
      if (!q) return;
      if (JSON.stringify(userFilterQuery(filters)) === JSON.stringify(userFilterQuery(q.filters))) set({ query: { ...q, filters } });
      else get().setUserQuery({ ...q, filters });
    },

    ensureRows(start, end) {
      const { total, pages, inflight, usersError } = get();
      lastRange = [start, end];
      if (total === null || usersError) return; // the first page (or the servers' counts) is on its way, or the list failed
      center = pageOf(Math.floor((start + end) / 2));
      for (const p of missingPages(pagesInRange(start, end, total), pages, inflight)) void fetchPage(p);
    },

    refreshUsers() {
      const q = get().query;
      if (!q) return;
      // The selection is kept across a refresh (F5): ids that vanished are refused server-side.
      set({ sources: sourcesFor(q, get().servers), total: null, pages: new Map(), inflight: new Set(), generation: get().generation + 1, usersError: null });
      load();
    },

    async idsInRange(lo, hi) {
      const { pages, query } = get();
      const cached: string[] = [];
      for (let i = lo; i <= hi; i++) {
        const u = rowAt(pages, i);
        if (!u) break;
        cached.push(rowKey(u.serverId, u.id));
      }
      if (cached.length === hi - lo + 1 || !query) return cached;
      return (await fetchRows(lo, hi - lo + 1)).map((u) => rowKey(u.serverId, u.id));
    },

    async resolveSelection() {
      const { query, selection, total } = get();
      if (!query) return [];
      const keys = await resolveSelectedIds(selection, total ?? 0, async (offset, limit) => (await fetchRows(offset, limit)).map((u) => rowKey(u.serverId, u.id)));
      return keys.map((k) => splitRowKey(k).userId);
    },

    async resolveSelectedUsers() {
      const { query, selection, pages } = get();
      if (!query) return [];
      const out: SelectedUser[] = [];
      const keep = (u: UserRow) => out.push({ serverId: u.serverId, id: u.id, login: u.login });
      if (selection.all) {
        // Page the list in its order, dropping the rows unticked after Ctrl+A.
        await eachRow((u) => {
          if (!selection.ids.has(rowKey(u.serverId, u.id))) keep(u);
        });
        return out;
      }
      const keyed = new Map([...pages].map(([p, rows]) => [p, rows.map((u) => ({ id: rowKey(u.serverId, u.id), login: u.login }))]));
      const { found, missing } = orderByCachedRows(selection.ids, keyed);
      const selected = (key: string, login: string): SelectedUser => {
        const { serverId, userId } = splitRowKey(key);
        return { serverId, id: userId, login };
      };
      if (missing.length === 0) return found.map((f) => selected(f.id, f.login));
      if (missing.length <= 20) {
        // A few rows scrolled out of the cache: ask for them one by one. One deleted since it
        // was selected (the selection outlives a refresh) is no longer part of it.
        const extra = await Promise.all(
          missing.map((key) => {
            const { serverId, userId } = splitRowKey(key);
            return window.gatepass.users.get({ serverId, userId }).then(
              (u) => selected(key, u.login),
              (err: unknown) => {
                if ((err as { code?: unknown }).code === 'NOT_FOUND') return null;
                throw err;
              },
            );
          }),
        );
        return [...found.map((f) => selected(f.id, f.login)), ...extra.flatMap((u) => (u ? [u] : []))];
      }
      // Many (a long Shift-range): walk the list once, which also gives the table's order.
      const wanted = selection.ids;
      await eachRow((u) => {
        if (wanted.has(rowKey(u.serverId, u.id))) keep(u);
        return out.length < wanted.size;
      });
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
      const { serverId } = oneServer();
      const res = await window.gatepass.users.import({ serverId, csv });
      get().refreshUsers();
      // The new users are selected behind the report, so the next step (Generate) is one click away.
      if (res.createdIds.length > 0) void get().showUsers(res.createdIds).catch(() => {});
      return res;
    },

    async createUser(input) {
      const { serverId } = oneServer();
      const user = await window.gatepass.users.create({ serverId, ...input });
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
      if (!q || q.serverId === null || userIds.length === 0) return false;
      const serverId = q.serverId;
      const generation = get().generation;
      const where = await window.gatepass.users.locate({ ...userListQuery(q, serverId), userIds: userIds.slice(0, MAX_IDS_PER_CALL) });
      // The administrator moved on (another search, server or refresh): leave their list alone.
      if (get().generation !== generation || where.index === null) return false;
      set({
        selection: selectIds(
          userIds.map((id) => rowKey(serverId, id)),
          where.index,
        ),
        focusIndex: where.index,
      });
      return true;
    },

    async typeAhead(prefix, skipFrom) {
      const q = get().query;
      if (!q || q.serverId === null) return false;
      const serverId = q.serverId;
      const seq = ++typeAheadSeq;
      const { generation, focusIndex, pages } = get();
      const focused = focusIndex === null ? undefined : rowAt(pages, focusIndex);
      const where = await window.gatepass.users.locate({
        ...userListQuery(q, serverId),
        loginPrefix: prefix,
        ...(focused ? { fromUserId: focused.id, skipFrom } : {}),
      });
      // A later key, another search or a refresh came first: that one decides.
      if (seq !== typeAheadSeq || get().generation !== generation || where.index === null) return false;
      await get().moveFocus(where.index, 'select');
      return true;
    },

    async runUserAction(action, users, control = {}) {
      const out = await runPerServer(
        users,
        ACTION_CHUNK,
        async (serverId, userIds) =>
          action === 'removeTwoStep'
            ? (await window.gatepass.twoStep.userAction({ serverId, action: 'remove', userIds })).results
            : (await window.gatepass.users.action({ serverId, action, userIds })).results,
        control,
      );
      get().refreshUsers();
      return out;
    },

    async setUsersPassword(users, password, control = {}) {
      const { serverId } = oneServer();
      const out = await runInChunks(
        users,
        PASSWORD_CHUNK,
        async (userIds) => (await window.gatepass.users.setPassword({ serverId, userIds, password })).results,
        control,
      );
      get().refreshUsers();
      return out;
    },

    async updateUser(serverId, userId, input) {
      const user = await window.gatepass.users.update({ serverId, userId, ...input });
      get().refreshUsers();
      return user;
    },

    async deleteSelectedUsers() {
      const q = get().query;
      if (!q || q.serverId === null) return { deleted: 0, failed: 0 };
      const serverId = q.serverId;
      const ids = await get().resolveSelection();
      let deleted = 0;
      let failed = 0;
      let firstFailure: string | undefined;
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
        const res = await window.gatepass.users.delete({ serverId, userIds: ids.slice(i, i + MAX_IDS_PER_CALL) });
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
