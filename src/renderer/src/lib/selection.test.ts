import { describe, expect, it } from 'vitest';
import {
  EMPTY_SELECTION,
  headerCheckState,
  isSelected,
  rangeBounds,
  resolveSelectedIds,
  selectAll,
  selectOnly,
  selectIds,
  selectRange,
  selectedCount,
  toggleRow,
} from './selection';

describe('row selection', () => {
  it('selects only the clicked row on a plain click', () => {
    const sel = selectOnly('u2', 2);
    expect(isSelected(sel, 'u2')).toBe(true);
    expect(isSelected(sel, 'u1')).toBe(false);
    expect(selectedCount(sel, 10)).toBe(1);
  });

  it('adds and removes rows with Ctrl-click', () => {
    let sel = toggleRow(selectOnly('u1', 1), 'u3', 3);
    expect(selectedCount(sel, 10)).toBe(2);
    sel = toggleRow(sel, 'u1', 1);
    expect([...sel.ids]).toEqual(['u3']);
  });

  it('selects the range between the anchor and the clicked row in either direction', () => {
    expect(rangeBounds(5, 2)).toEqual([2, 5]);
    expect(rangeBounds(2, 5)).toEqual([2, 5]);
    expect(rangeBounds(null, 4)).toEqual([4, 4]);
  });

  it('replaces the selection with a Shift range but keeps the anchor for the next one', () => {
    const start = toggleRow(selectOnly('u9', 9), 'u2', 2);
    const sel = selectRange(start, ['u2', 'u3', 'u4'], false);
    expect([...sel.ids]).toEqual(['u2', 'u3', 'u4']);
    expect(sel.anchor).toBe(2);
  });

  it('adds a Ctrl+Shift range to what was already selected', () => {
    const sel = selectRange(selectOnly('u9', 9), ['u1', 'u2'], true);
    expect(selectedCount(sel, 10)).toBe(3);
  });

  it('counts select-all as the total minus the rows unticked afterwards', () => {
    const sel = toggleRow(selectAll(), 'u7', 7);
    expect(selectedCount(sel, 100_000)).toBe(99_999);
    expect(isSelected(sel, 'u7')).toBe(false);
    expect(isSelected(sel, 'u8')).toBe(true);
    expect(headerCheckState(sel, 100_000)).toBe('mixed');
    expect(headerCheckState(selectAll(), 3)).toBe('checked');
    expect(headerCheckState(EMPTY_SELECTION, 3)).toBe('empty');
  });

  it('resolves select-all to every id except the exclusions by paging the list', async () => {
    const all = Array.from({ length: 1_234 }, (_, i) => `u${i}`);
    const calls: number[] = [];
    const ids = await resolveSelectedIds(toggleRow(selectAll(), 'u500', 500), all.length, async (offset, limit) => {
      calls.push(offset);
      return all.slice(offset, offset + limit);
    });
    expect(ids).toHaveLength(1_233);
    expect(ids).not.toContain('u500');
    expect(calls).toEqual([0, 500, 1000]);
  });

  it('selects exactly the users an import created, anchored where the list shows the first', () => {
    const before = selectAll();
    const sel = selectIds(['n1', 'n2', 'n1'], 42);
    expect(selectedCount(sel, 1_000)).toBe(2);
    expect(isSelected(sel, 'n2')).toBe(true);
    expect(isSelected(sel, 'u1')).toBe(false);
    expect(sel.anchor).toBe(42);
    expect(isSelected(before, 'u1')).toBe(true);
  });

  it('resolves an explicit selection without asking the server', async () => {
    const ids = await resolveSelectedIds(selectOnly('u1', 1), 10, async () => {
      throw new Error('must not page');
    });
    expect(ids).toEqual(['u1']);
  });
});
