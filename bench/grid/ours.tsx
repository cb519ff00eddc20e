// Page (a): our production grid, src/renderer/src/components/user-table.tsx, imported as is.
// The zustand store is primed with every page of the synthetic users (so no row is a
// placeholder and nothing is fetched); window.gatepass.users.list answers from the same
// array in case the table asks for anything.
import '../../src/renderer/src/csp-setup';
import '../../src/renderer/src/styles.css';
import { createRoot } from 'react-dom/client';
import { UserTable } from '../../src/renderer/src/components/user-table';
import { PAGE_SIZE } from '../../src/renderer/src/lib/page-cache';
import { useAppStore } from '../../src/renderer/src/store/store';
import type { User } from '../../src/shared/model/user';
import { makeUsers } from './data';
import { install } from './harness';

const ROW_H = 24; // user-table.tsx ROW_HEIGHT and styles.css --row-h
let users: User[] = [];

install({
  rowH: ROW_H,
  prepare(n) {
    users = makeUsers(n);
    const pages = new Map<number, readonly User[]>();
    for (let p = 0; p * PAGE_SIZE < n; p++) pages.set(p, users.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE));
    (window as unknown as { gatepass: unknown }).gatepass = {
      users: {
        list: async ({ offset, limit }: { offset: number; limit: number }) => ({ total: n, items: users.slice(offset, offset + limit) }),
      },
    };
    useAppStore.setState({
      query: { serverId: 'bench', search: '', sort: 'login', order: 'asc' },
      total: n,
      pages,
      inflight: new Set(),
      generation: 1,
      usersError: null,
    });
  },
  async mount() {
    const root = createRoot(document.getElementById('root')!);
    const t0 = performance.now();
    root.render(<UserTable />);
    const t1 = await window.bench.waitFor(() => document.querySelectorAll('[role="row"][aria-rowindex]').length > 10 && !!window.bench.rowEl(0)?.textContent);
    return t1 === null ? null : t1 - t0;
  },
  scroller() {
    return { el: document.querySelector<HTMLElement>('.grid-body')!, headerPx: 0 };
  },
});
