/**
 * Row selection for a server-paged list. Selecting "all" of 100,000 users must not
 * materialise 100,000 ids, so the selection is either a set of chosen ids, or `all`
 * minus a set of excluded ids; ids are resolved by paging only when an action needs them.
 */
export interface RowSelection {
  /** When true, every row is selected except those in `ids`. */
  readonly all: boolean;
  /** Chosen ids, or excluded ids when `all`. */
  readonly ids: ReadonlySet<string>;
  /** Row index the next Shift-click or Shift+Arrow extends from. */
  readonly anchor: number | null;
}

/** Nothing selected. */
export const EMPTY_SELECTION: RowSelection = Object.freeze({ all: false, ids: new Set<string>(), anchor: null });

/** Whether the row with this id is selected. */
export function isSelected(sel: RowSelection, id: string): boolean {
  return sel.all ? !sel.ids.has(id) : sel.ids.has(id);
}

/** How many rows are selected out of `total`. */
export function selectedCount(sel: RowSelection, total: number): number {
  return sel.all ? Math.max(0, total - sel.ids.size) : sel.ids.size;
}

/** A plain click: this row only. */
export function selectOnly(id: string, index: number): RowSelection {
  return { all: false, ids: new Set([id]), anchor: index };
}

/** These rows and no others, e.g. the users an add or import just created; the anchor is where the list shows the first. */
export function selectIds(ids: Iterable<string>, anchor: number | null): RowSelection {
  return { all: false, ids: new Set(ids), anchor };
}

/** Ctrl/Cmd-click: flip this row, keep the rest. */
export function toggleRow(sel: RowSelection, id: string, index: number): RowSelection {
  const ids = new Set(sel.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { all: sel.all, ids, anchor: index };
}

/** Ctrl+A or the header checkbox. */
export function selectAll(anchor: number | null = null): RowSelection {
  return { all: true, ids: new Set(), anchor };
}

/** The inclusive row bounds between the anchor (or `index` when there is none) and `index`. */
export function rangeBounds(anchor: number | null, index: number): [number, number] {
  const a = anchor ?? index;
  return a <= index ? [a, index] : [index, a];
}

/**
 * Shift-click: select the rows between the anchor and `index` (their ids in `rangeIds`).
 * With `additive` (Ctrl+Shift) the range is added to the selection; otherwise it replaces
 * it. The anchor stays put so further Shift-clicks pivot around it, as in file managers.
 */
export function selectRange(sel: RowSelection, rangeIds: readonly string[], additive: boolean): RowSelection {
  if (!additive) return { all: false, ids: new Set(rangeIds), anchor: sel.anchor };
  if (sel.all) {
    const ids = new Set(sel.ids);
    for (const id of rangeIds) ids.delete(id);
    return { all: true, ids, anchor: sel.anchor };
  }
  return { all: false, ids: new Set([...sel.ids, ...rangeIds]), anchor: sel.anchor };
}

/** Whether the header checkbox shows checked, mixed or empty. */
export function headerCheckState(sel: RowSelection, total: number): 'checked' | 'mixed' | 'empty' {
  const n = selectedCount(sel, total);
  if (total > 0 && n === total) return 'checked';
  return n === 0 ? 'empty' : 'mixed';
}

/**
 * The selected ids in list order. For an explicit selection that is the set itself; for
 * `all`, the list is paged through `fetchIds(offset, limit)` and exclusions are dropped.
 */
export async function resolveSelectedIds(
  sel: RowSelection,
  total: number,
  fetchIds: (offset: number, limit: number) => Promise<readonly string[]>,
  batch = 500,
): Promise<string[]> {
  if (!sel.all) return [...sel.ids];
  const out: string[] = [];
  for (let offset = 0; offset < total; offset += batch) {
    const ids = await fetchIds(offset, batch);
    for (const id of ids) if (!sel.ids.has(id)) out.push(id);
    // The list may have shrunk since the count was taken: stop at the first short page.
    if (ids.length < batch) break;
  }
  return out;
}
