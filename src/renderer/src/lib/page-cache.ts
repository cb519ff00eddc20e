/**
 * Page cache maths for the virtualised user table. The table shows `total` rows (the
 * server's count) and loads only the pages that cover the visible range, so 100,000
 * users cost a few pages of memory, not 100,000 rows. Pure, so it is tested directly.
 */

/** Rows per users:list call: large enough to scroll smoothly, small enough to answer fast. */
export const PAGE_SIZE = 200;

/** How many pages we keep before evicting the ones farthest from the viewport (~10,000 rows). */
export const MAX_CACHED_PAGES = 50;

/** Which page a row index falls in. */
export function pageOf(index: number, pageSize = PAGE_SIZE): number {
  return Math.floor(index / pageSize);
}

/** The pages that cover rows `start..end` (inclusive), clamped to `total`. */
export function pagesInRange(start: number, end: number, total: number, pageSize = PAGE_SIZE): number[] {
  if (total <= 0 || end < start) return [];
  const first = pageOf(Math.max(0, start), pageSize);
  const last = pageOf(Math.min(total - 1, Math.max(0, end)), pageSize);
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}

/** The pages among `wanted` that are neither cached nor already being fetched. */
export function missingPages(
  wanted: readonly number[],
  cached: ReadonlyMap<number, unknown>,
  inflight: ReadonlySet<number>,
): number[] {
  return wanted.filter((p) => !cached.has(p) && !inflight.has(p));
}

/** The row at `index`, or undefined while its page is not loaded (the table draws a placeholder). */
export function rowAt<T>(pages: ReadonlyMap<number, readonly T[]>, index: number, pageSize = PAGE_SIZE): T | undefined {
  return pages.get(pageOf(index, pageSize))?.[index % pageSize];
}

/**
 * Returns a new cache with `items` stored at `page`. When the cache grows past `maxPages`,
 * the pages farthest from `centerPage` (where the user is looking) are dropped first.
 */
export function withPage<T>(
  pages: ReadonlyMap<number, readonly T[]>,
  page: number,
  items: readonly T[],
  centerPage: number,
  maxPages = MAX_CACHED_PAGES,
): Map<number, readonly T[]> {
  const next = new Map(pages);
  next.set(page, items);
  if (next.size > maxPages) {
    const byDistance = [...next.keys()]
      .filter((p) => p !== page)
      .sort((a, b) => Math.abs(b - centerPage) - Math.abs(a - centerPage));
    for (const p of byDistance.slice(0, next.size - maxPages)) next.delete(p);
  }
  return next;
}
