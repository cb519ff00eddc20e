import { PAGE_SIZE } from './page-cache';

/** A user the Generate dialog issues for (id for the call, login for the per-user policy check). */
export interface IdLogin {
  readonly id: string;
  readonly login: string;
}

/**
 * Orders an explicit selection by the rows' positions in the cached pages, so "Use template"
 * numbers users as the table shows them, not in click order. Ids whose page is not cached
 * come back in `missing` (in selection order) to be looked up.
 */
export function orderByCachedRows(
  ids: Iterable<string>,
  pages: ReadonlyMap<number, readonly IdLogin[]>,
  pageSize = PAGE_SIZE,
): { found: IdLogin[]; missing: string[] } {
  const wanted = new Set(ids);
  const at: { index: number; user: IdLogin }[] = [];
  for (const [page, rows] of pages) {
    rows.forEach((u, i) => {
      if (wanted.has(u.id)) at.push({ index: page * pageSize + i, user: { id: u.id, login: u.login } });
    });
  }
  at.sort((a, b) => a.index - b.index);
  const seen = new Set(at.map((x) => x.user.id));
  return { found: at.map((x) => x.user), missing: [...wanted].filter((id) => !seen.has(id)) };
}
