import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { UserSort } from '../../../shared/model/user';
import { gridCommand } from '../lib/grid-keys';
import { searching, typeAheadStep, typedCharacter, type TypeAhead } from '../lib/type-ahead';
import { hasUserFilters } from '../lib/list-filters';
import { rowAt } from '../lib/page-cache';
import { headerCheckState, isSelected, selectedCount } from '../lib/selection';
import { usePointerFocus } from '../lib/pointer-focus';
import { rowKey, starts } from '../lib/server-segments';
import { useAppStore } from '../store/store';
import { columnStyle, PlaceholderCells, UserCells, UserHeaderCells, visibleColumns } from './user-columns';
import { UserContextMenu, type MenuPoint } from './user-context-menu';
import { UserFilterBar } from './user-filter-bar';

/** macOS types characters with Option; elsewhere Alt is for menus (type-ahead). */
const IS_MAC = /Mac/.test(navigator.userAgent);

/** Row height in pixels; rows are fixed-height so 100,000 of them need no measuring. */
const ROW_HEIGHT = 24;

function rowDomId(index: number) {
  return `user-row-${index}`;
}

function HeaderCheckbox({ state, onChange }: { state: 'checked' | 'mixed' | 'empty'; onChange: (all: boolean) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'mixed';
  }, [state]);
  return (
    <input
      ref={ref}
      type="checkbox"
      className="check"
      aria-label="Select all users"
      checked={state === 'checked'}
      onChange={(e) => onChange(e.target.checked)}
    />
  );
}

/**
 * The user table: an ARIA grid over `total` virtual rows. Only the rows on screen exist in
 * the DOM and only their pages are fetched, so 100,000 users scroll like 100.
 */
export function UserTable() {
  const { query, total, pages, selection, focusIndex, usersError, generation, hiddenColumns, sources } = useAppStore(
    useShallow((s) => ({
      sources: s.sources,
      query: s.query,
      total: s.total,
      pages: s.pages,
      selection: s.selection,
      focusIndex: s.focusIndex,
      usersError: s.usersError,
      generation: s.generation,
      hiddenColumns: s.hiddenColumns,
    })),
  );
  const allServers = query?.serverId === null;
  const columns = visibleColumns(hiddenColumns, allServers);
  // All servers: where each server's rows begin, to draw a line between servers.
  const groupStarts = allServers ? new Set(starts(sources.map((x) => (x.state === 'ok' ? (x.total ?? 0) : 0))).filter((i) => i > 0)) : null;
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const pointer = usePointerFocus();
  /** The type-ahead search under way, if a key came within the pause. */
  const typeAhead = useRef<TypeAhead | null>(null);
  const [menuAt, setMenuAt] = useState<MenuPoint | null>(null);
  const count = total ?? 0;

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    if (count > 0) useAppStore.getState().ensureRows(first, last);
  }, [first, last, count, generation]);

  // A new query starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [generation]);

  // Also once the rows are counted: a user just added may be focused before the reloaded list is.
  useEffect(() => {
    if (focusIndex !== null && count > 0) virtualizer.scrollToIndex(focusIndex, { align: 'auto' });
  }, [focusIndex, count, virtualizer]);

  function openEdit(index: number) {
    const user = rowAt(pages, index);
    const st = useAppStore.getState();
    if (!user || !query) return;
    // The user's own server: the all-servers list mixes them.
    st.openDialog({ kind: 'editUser', serverId: user.serverId, userId: user.id });
  }

  function onRowMouseDown(e: MouseEvent) {
    // Shift-click selects a range: do not also select the text in between.
    if (e.shiftKey) e.preventDefault();
  }

  function onRowClick(e: MouseEvent, index: number) {
    const user = rowAt(pages, index);
    gridRef.current?.focus({ preventScroll: true });
    if (!user) return;
    void useAppStore.getState().clickRow(index, rowKey(user.serverId, user.id), { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey });
  }

  function onCheckClick(e: MouseEvent, index: number) {
    e.stopPropagation();
    const user = rowAt(pages, index);
    gridRef.current?.focus({ preventScroll: true });
    if (user) void useAppStore.getState().clickRow(index, rowKey(user.serverId, user.id), { shift: e.shiftKey, toggle: true });
  }

  /**
   * The context menu, for the keyboard: under the focused row (or the grid's top when none has
   * focus). With nothing selected, the focused row is selected first, as a right click would.
   */
  function openMenuAtFocus() {
    const st = useAppStore.getState();
    const focused = focusIndex === null ? undefined : rowAt(pages, focusIndex);
    if (selectedCount(st.selection, count) === 0) {
      if (!focused || focusIndex === null) return;
      void st.clickRow(focusIndex, rowKey(focused.serverId, focused.id), { shift: false, toggle: false });
    }
    const row = focusIndex === null ? null : document.getElementById(rowDomId(focusIndex));
    const box = (row ?? gridRef.current)?.getBoundingClientRect();
    if (box) setMenuAt({ x: box.left + 32, y: row ? box.bottom : box.top + 24 });
  }

  /** Right click: on a row outside the selection, that row alone becomes the selection (as in file managers). */
  function onRowContextMenu(e: MouseEvent, index: number) {
    e.preventDefault();
    gridRef.current?.focus({ preventScroll: true });
    const st = useAppStore.getState();
    const user = rowAt(pages, index);
    if (!user) return;
    const key = rowKey(user.serverId, user.id);
    if (!isSelected(st.selection, key)) void st.clickRow(index, key, { shift: false, toggle: false });
    else void st.moveFocus(index, 'focus');
    setMenuAt({ x: e.clientX, y: e.clientY });
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.target !== gridRef.current) return; // keys in the header checkbox or buttons are theirs
    const st = useAppStore.getState();
    // Type-ahead (lib/type-ahead.ts): one server's list only, where the server knows the order.
    const now = Date.now();
    const typed = { key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, shiftKey: e.shiftKey, altGraph: e.getModifierState('AltGraph') };
    const char = query && query.serverId !== null && count > 0 ? typedCharacter(typed, searching(typeAhead.current, now), IS_MAC) : null;
    if (char !== null) {
      e.preventDefault();
      e.stopPropagation();
      const step = typeAheadStep(typeAhead.current, char, now);
      typeAhead.current = step.state;
      void st.typeAhead(step.prefix, step.skipFrom).catch(() => {});
      return;
    }
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 240) / ROW_HEIGHT) - 1);
    const command = gridCommand(e, { focus: focusIndex, count, pageRows });
    if (!command) return;
    e.preventDefault();
    e.stopPropagation();
    const focused = focusIndex === null ? undefined : rowAt(pages, focusIndex);
    switch (command.kind) {
      case 'move':
        void st.moveFocus(command.to, command.mode);
        break;
      case 'pick':
        if (focused && focusIndex !== null) void st.clickRow(focusIndex, rowKey(focused.serverId, focused.id), { shift: command.mode === 'range', toggle: command.mode === 'toggle' });
        break;
      case 'edit':
        if (focusIndex !== null) openEdit(focusIndex);
        break;
      case 'delete':
        // One server's list only: deleting across servers is not offered.
        if (query && query.serverId !== null && selectedCount(st.selection, count) > 0) {
          st.openDialog({ kind: 'deleteUsers', serverId: query.serverId, count: selectedCount(st.selection, count) });
        }
        break;
      case 'addUser':
        if (query && query.serverId !== null) st.openDialog({ kind: 'addUser', serverId: query.serverId });
        break;
      case 'contextMenu':
        openMenuAtFocus();
        break;
      case 'selectAll':
        st.selectAllRows();
        break;
      case 'clearSelection':
        st.clearSelection();
        break;
    }
  }

  function sortBy(sort: UserSort) {
    if (!query) return;
    const order = query.sort === sort && query.order === 'asc' ? 'desc' : 'asc';
    useAppStore.getState().setUserQuery({ ...query, sort, order });
  }

  const focusedRendered = focusIndex !== null && items.some((i) => i.index === focusIndex);
  const check = headerCheckState(selection, count);

  return (
    <div className="table-pane">
      <UserFilterBar />
      <div
        ref={gridRef}
        role="grid"
        aria-label="Users"
        aria-rowcount={count + 1}
        aria-colcount={columns.length + 1}
        style={columnStyle(columns)}
        aria-multiselectable="true"
        aria-activedescendant={focusedRendered && focusIndex !== null ? rowDomId(focusIndex) : undefined}
        tabIndex={0}
        className="grid"
        onKeyDown={onKeyDown}
        onContextMenu={(e) => {
          // The ContextMenu key raises this on the focused grid: open at the focused row. Raised
          // inside our open menu (it is portalled, but React bubbles through), keep the browser's away.
          if (e.target === gridRef.current) {
            e.preventDefault();
            openMenuAtFocus();
          } else if (e.target instanceof Element && e.target.closest('.menu-popover')) e.preventDefault();
        }}
        {...pointer.handlers}
        onFocus={(e) => {
          // The first Tab into the grid lands on the first row, so arrows have a place to start
          // (a click lands on the clicked row instead).
          if (e.target === gridRef.current && focusIndex === null && count > 0 && !pointer.pressing()) void useAppStore.getState().moveFocus(0, 'select');
        }}
      >
        <div role="row" aria-rowindex={1} className="grid-row header">
          <div role="columnheader" className="cell check-cell">
            <HeaderCheckbox
              state={check}
              onChange={(all) => (all ? useAppStore.getState().selectAllRows() : useAppStore.getState().clearSelection())}
            />
          </div>
          <UserHeaderCells columns={columns} query={query} onSort={sortBy} />
        </div>
        <div ref={scrollRef} className="grid-body" role="rowgroup">
          {usersError ? (
            <div className="grid-message error-text" role="alert">
              {usersError}{' '}
              <button type="button" className="link-button" onClick={() => useAppStore.getState().refreshUsers()}>
                Retry
              </button>
            </div>
          ) : total === 0 ? (
            <div className="grid-message">
              {allServers && !sources.some((x) => x.state === 'ok')
                ? 'No server is connected: connect one above to list its users.'
                : query?.search || (query && hasUserFilters(query.filters))
                  ? `No users match the search and filters${allServers ? ' on any connected server' : ''}.`
                  : allServers
                    ? 'No users on the connected servers yet.'
                    : 'No users yet.'}
            </div>
          ) : null}
          <div className="grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const user = rowAt(pages, item.index);
              const selected = user ? isSelected(selection, rowKey(user.serverId, user.id)) : false;
              const classes = ['grid-row', 'body', item.index % 2 ? 'odd' : '', selected ? 'selected' : '', focusIndex === item.index ? 'focused' : '', user ? '' : 'placeholder', user?.disabledAt ? 'disabled-user' : '', groupStarts?.has(item.index) ? 'server-start' : ''];
              return (
                <div
                  key={item.index}
                  id={rowDomId(item.index)}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={selected}
                  className={classes.filter(Boolean).join(' ')}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onMouseDown={onRowMouseDown}
                  onClick={(e) => onRowClick(e, item.index)}
                  onContextMenu={(e) => onRowContextMenu(e, item.index)}
                  onDoubleClick={() => openEdit(item.index)}
                >
                  <div role="gridcell" className="cell check-cell" onClick={(e) => onCheckClick(e, item.index)}>
                    <span className={`fake-check${selected ? ' on' : ''}`} aria-hidden="true" />
                  </div>
                  {user ? <UserCells user={user} columns={columns} /> : <PlaceholderCells columns={columns} />}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      <UserContextMenu at={menuAt} grid={gridRef} onClose={() => setMenuAt(null)} />
    </div>
  );
}
