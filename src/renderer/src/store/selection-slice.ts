import type { StateCreator } from 'zustand';
import { rowAt } from '../lib/page-cache';
import { rowKey } from '../lib/server-segments';
import { EMPTY_SELECTION, rangeBounds, selectAll, selectOnly, selectRange, toggleRow } from '../lib/selection';
import type { AppState, SelectionSlice } from './types';

/** Which rows are selected and which row has keyboard focus, by row index. */
export const createSelectionSlice: StateCreator<AppState, [], [], SelectionSlice> = (set, get) => ({
  selection: EMPTY_SELECTION,
  focusIndex: null,

  async clickRow(index, id, { shift, toggle }) {
    // `id` is the row's key (lib/server-segments rowKey): the list may hold users of several servers.
    const sel = get().selection;
    if (shift) {
      const [lo, hi] = rangeBounds(sel.anchor, index);
      const generation = get().generation;
      const ids = await get().idsInRange(lo, hi);
      if (get().generation !== generation) return;
      const base = sel.anchor === null ? { ...sel, anchor: index } : sel;
      set({ selection: selectRange(base, ids, toggle), focusIndex: index });
    } else if (toggle) {
      set({ selection: toggleRow(sel, id, index), focusIndex: index });
    } else {
      set({ selection: selectOnly(id, index), focusIndex: index });
    }
  },

  async moveFocus(index, mode) {
    const total = get().total ?? 0;
    if (total === 0) return;
    const target = Math.max(0, Math.min(total - 1, index));
    const user = rowAt(get().pages, target);
    const from = get().focusIndex;
    set({ focusIndex: target });
    // Ctrl+Arrow: focus moves, the selection and its anchor stay (React Aria's model).
    if (mode === 'focus') return;
    if (mode === 'extend') {
      // Shift+Arrow: grow the range from the anchor, like Shift-click.
      const sel = get().selection;
      const anchored = sel.anchor === null ? { ...sel, anchor: from ?? target } : sel;
      const [lo, hi] = rangeBounds(anchored.anchor, target);
      const ids = await get().idsInRange(lo, hi);
      set({ selection: selectRange(anchored, ids, false) });
    } else {
      // A jump (End, PageDown) may land on a page not loaded yet: fetch its id, then select,
      // unless focus has moved on meanwhile.
      const id = user ? rowKey(user.serverId, user.id) : (await get().idsInRange(target, target))[0];
      if (id !== undefined && get().focusIndex === target) set({ selection: selectOnly(id, target) });
    }
  },

  selectAllRows() {
    set({ selection: selectAll(get().selection.anchor) });
  },

  clearSelection() {
    set({ selection: EMPTY_SELECTION });
  },
});
