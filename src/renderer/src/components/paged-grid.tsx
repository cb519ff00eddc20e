import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';
import { errorMessage } from '../lib/format';
import { missingPages, pageOf, pagesInRange, PAGE_SIZE, rowAt, withPage } from '../lib/page-cache';
import { usePointerFocus } from '../lib/pointer-focus';

/** Row height in pixels, as the user grid: fixed, so long lists need no measuring. */
const ROW_HEIGHT = 24;

/** A column of a read-only grid: its title, its track in `grid-template-columns`, and what a row shows in it. */
export interface GridColumn<T> {
  readonly id: string;
  readonly title: string;
  readonly width: string;
  readonly numeric?: boolean;
  readonly cell: (row: T) => { text: ReactNode; title?: string; className?: string };
}

/** A list paged from a server as it scrolls into view: the rows loaded so far, the count, and why it failed. */
export interface PagedRows<T> {
  /** Rows matching on the server; null until the first page answered. */
  readonly total: number | null;
  readonly error: string | null;
  /** Bumped on every reset (new query, Refresh), so a grid scrolls back to the top. */
  readonly generation: number;
  rowAt(index: number): T | undefined;
  /** Loads the pages covering rows first..last that are neither loaded nor on their way. */
  ensure(first: number, last: number): void;
  /** Asks again from the first page (after a change the list does not see, such as a revocation). */
  reload(): void;
}

type Fetch<T> = (offset: number, limit: number) => Promise<{ total: number; items: readonly T[] }>;

/**
 * Pages a server list into a virtualised grid: only the pages on screen are asked for, so a
 * long list costs a few pages of memory. `queryKey` names the query (server and filters): a new
 * key, like a new `reloadTick` (Refresh), starts again from the first page and drops answers to
 * the old one.
 */
export function usePagedRows<T>(queryKey: string, fetchPage: Fetch<T>, reloadTick: number): PagedRows<T> {
  const [pages, setPages] = useState<ReadonlyMap<number, readonly T[]>>(new Map());
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [ownTick, setOwnTick] = useState(0);
  // Which reset an answer belongs to; the pages asked for and not answered yet.
  const gen = useRef(0);
  const inflight = useRef(new Set<number>());
  const center = useRef(0);
  const fetchRef = useRef(fetchPage);
  const pagesRef = useRef(pages);
  const totalRef = useRef(total);
  useEffect(() => {
    fetchRef.current = fetchPage;
    pagesRef.current = pages;
    totalRef.current = total;
  });

  const load = useCallback((page: number, g: number) => {
    inflight.current.add(page);
    fetchRef.current(page * PAGE_SIZE, PAGE_SIZE).then(
      (res) => {
        if (g !== gen.current) return;
        inflight.current.delete(page);
        setTotal(res.total);
        setError(null);
        setPages((prev) => withPage(prev, page, res.items, center.current));
      },
      (err: unknown) => {
        if (g !== gen.current) return;
        inflight.current.delete(page);
        setError(errorMessage(err));
      },
    );
  }, []);

  useEffect(() => {
    gen.current += 1;
    inflight.current = new Set();
    // Starting again on a new query or Refresh is the point of this effect.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setPages(new Map());
    setTotal(null);
    setError(null);
    setGeneration(gen.current);
    load(0, gen.current);
  }, [queryKey, reloadTick, ownTick, load]);

  const ensure = useCallback(
    (first: number, last: number) => {
      const count = totalRef.current;
      if (!count) return;
      center.current = pageOf(Math.floor((first + last) / 2));
      for (const p of missingPages(pagesInRange(first, last, count), pagesRef.current, inflight.current)) load(p, gen.current);
    },
    [load],
  );

  return {
    total,
    error,
    generation,
    rowAt: (index) => rowAt(pages, index),
    ensure,
    reload: () => setOwnTick((t) => t + 1),
  };
}

function rowDomId(gridId: string, index: number): string {
  return `${gridId}-row-${index}`;
}

/**
 * A read-only ARIA grid over a paged list, virtualised with @tanstack/react-virtual as the
 * user grid is: arrows, Page Up/Down, Home and End move the focused row (with `selectable`,
 * it is also the selected one); Enter and Delete are the caller's (`onKey`). Rows exist in the
 * DOM only while on screen.
 */
export function PagedGrid<T>(props: {
  id: string;
  label: string;
  columns: readonly GridColumn<T>[];
  rows: PagedRows<T>;
  /** The row that is selected (its index), for lists whose rows have commands (Computers). */
  selectable?: boolean;
  selected?: number | null;
  onSelect?: (index: number | null, row: T | undefined) => void;
  /** Enter, Delete and other keys on the focused row; true when handled. */
  onKey?: (e: KeyboardEvent<HTMLDivElement>, index: number, row: T) => boolean;
  rowClassName?: (row: T) => string;
  /** What an empty list says. */
  emptyText: string;
  onRetry?: () => void;
}) {
  const { rows, columns } = props;
  const count = rows.total ?? 0;
  const scrollRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLDivElement>(null);
  const pointer = usePointerFocus();
  const [ownFocus, setOwnFocus] = useState<number | null>(null);
  const focus = props.selectable ? (props.selected ?? null) : ownFocus;

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 20, useFlushSync: false });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { ensure } = rows;

  useEffect(() => {
    if (count > 0) ensure(first, last);
  }, [first, last, count, ensure, rows.generation]);

  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    // A new query: what was focused is another row now.
    setOwnFocus(null);
  }, [rows.generation]);

  useEffect(() => {
    if (focus !== null && focus < count) virtualizer.scrollToIndex(focus, { align: 'auto' });
  }, [focus, count, virtualizer]);

  function moveTo(index: number) {
    if (count === 0) return;
    const to = Math.max(0, Math.min(count - 1, index));
    if (props.selectable) props.onSelect?.(to, rows.rowAt(to));
    else setOwnFocus(to);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.target !== gridRef.current) return;
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 240) / ROW_HEIGHT) - 1);
    const at = focus ?? -1;
    let to: number | null = null;
    switch (e.key) {
      case 'ArrowDown':
        to = at + 1;
        break;
      case 'ArrowUp':
        to = at < 0 ? 0 : at - 1;
        break;
      case 'PageDown':
        to = at + pageRows;
        break;
      case 'PageUp':
        to = at - pageRows;
        break;
      case 'Home':
        to = 0;
        break;
      case 'End':
        to = count - 1;
        break;
      case 'Escape':
        if (props.selectable && focus !== null) {
          props.onSelect?.(null, undefined);
          e.preventDefault();
        }
        return;
      default: {
        const row = focus === null ? undefined : rows.rowAt(focus);
        if (focus !== null && row && props.onKey?.(e, focus, row)) e.preventDefault();
        return;
      }
    }
    e.preventDefault();
    moveTo(to);
  }

  const focusedRendered = focus !== null && items.some((i) => i.index === focus);
  const style = { '--cols': columns.map((c) => c.width).join(' ') } as CSSProperties;

  return (
    <div
      ref={gridRef}
      role="grid"
      aria-label={props.label}
      aria-rowcount={count + 1}
      aria-colcount={columns.length}
      aria-activedescendant={focusedRendered && focus !== null ? rowDomId(props.id, focus) : undefined}
      tabIndex={0}
      className="grid paged-grid"
      style={style}
      onKeyDown={onKeyDown}
      {...pointer.handlers}
      onFocus={(e) => {
        // The first Tab into the grid lands on the first row, so arrows have a place to start
        // (a click lands on the clicked row instead).
        if (e.target === gridRef.current && focus === null && count > 0 && !pointer.pressing()) moveTo(0);
      }}
    >
      <div role="row" aria-rowindex={1} className="grid-row header">
        {columns.map((c) => (
          <div key={c.id} role="columnheader" className={`cell${c.numeric ? ' num' : ''}`}>
            <span className="sort-button static">{c.title}</span>
          </div>
        ))}
      </div>
      <div ref={scrollRef} className="grid-body" role="rowgroup">
        {rows.error ? (
          <div className="grid-message error-text" role="alert">
            {rows.error}{' '}
            {props.onRetry ? (
              <button type="button" className="link-button" onClick={props.onRetry}>
                Retry
              </button>
            ) : null}
          </div>
        ) : rows.total === 0 ? (
          <div className="grid-message">{props.emptyText}</div>
        ) : rows.total === null ? (
          <div className="grid-message muted">Loading…</div>
        ) : null}
        <div className="grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows.rowAt(item.index);
            const selected = props.selectable ? props.selected === item.index : undefined;
            const classes = ['grid-row', 'body', item.index % 2 ? 'odd' : '', selected ? 'selected' : '', focus === item.index ? 'focused' : '', row ? (props.rowClassName?.(row) ?? '') : 'placeholder'];
            return (
              <div
                key={item.index}
                id={rowDomId(props.id, item.index)}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={selected}
                className={classes.filter(Boolean).join(' ')}
                style={{ transform: `translateY(${item.start}px)` }}
                onClick={() => {
                  gridRef.current?.focus({ preventScroll: true });
                  moveTo(item.index);
                }}
              >
                {columns.map((c, i) => {
                  if (!row) {
                    return (
                      <div key={c.id} role="gridcell" className="cell">
                        <span className="skeleton w60" />
                        {i === 0 ? <span className="visually-hidden">Loading…</span> : null}
                      </div>
                    );
                  }
                  const { text, title, className } = c.cell(row);
                  return (
                    <div key={c.id} role="gridcell" className={`cell${c.numeric ? ' num' : ''}${className ? ` ${className}` : ''}`} title={title}>
                      {text}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
