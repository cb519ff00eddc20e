/**
 * The users of several servers as one list: each server's users, sorted by that server, one
 * server after another in the tree's order. Row i is (server, offset) by the running sum of the
 * servers' totals, so any range of rows is a few users:list pages, one per server it spans,
 * fetched on demand like the one-server list. Pure, so it is tested on its own.
 */

/** One server's part of a range of rows: ask `source` for `limit` users from `offset`; they go at `at` in the range. */
export interface Segment {
  readonly source: number;
  readonly offset: number;
  readonly limit: number;
  readonly at: number;
}

/** Where each source's rows start. */
export function starts(totals: readonly number[]): number[] {
  const out: number[] = [];
  let sum = 0;
  for (const t of totals) {
    out.push(sum);
    sum += Math.max(0, t);
  }
  return out;
}

/** Which source row `index` belongs to and its offset there, or null past the end. */
export function locateRow(totals: readonly number[], index: number): { source: number; offset: number } | null {
  if (index < 0) return null;
  let start = 0;
  for (let s = 0; s < totals.length; s++) {
    const t = Math.max(0, totals[s] ?? 0);
    if (index < start + t) return { source: s, offset: index - start };
    start += t;
  }
  return null;
}

/** The per-source pieces of rows `start .. start + count - 1` (clamped to the list's end), in order. */
export function segments(totals: readonly number[], start: number, count: number): Segment[] {
  const out: Segment[] = [];
  let from = Math.max(0, start);
  const end = Math.min(start + count, totals.reduce((a, t) => a + Math.max(0, t), 0));
  while (from < end) {
    const at = locateRow(totals, from);
    if (!at) break;
    const left = Math.max(0, totals[at.source] ?? 0) - at.offset;
    const limit = Math.min(left, end - from);
    out.push({ source: at.source, offset: at.offset, limit, at: from - start });
    from += limit;
  }
  return out;
}

/** A row's key in the list's selection: its server and its id, so users of two servers never collide. */
export function rowKey(serverId: string, userId: string): string {
  return `${serverId}/${userId}`;
}

/** The server and user of a row key (server ids are the console's own UUIDs: no slash in them). */
export function splitRowKey(key: string): { serverId: string; userId: string } {
  const i = key.indexOf('/');
  return i < 0 ? { serverId: '', userId: key } : { serverId: key.slice(0, i), userId: key.slice(i + 1) };
}
