// Synthetic users for the grid benchmark: deterministic, the same for every page and run.
import type { User } from '../../src/shared/model/user';

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Alan', 'Radia', 'Edsger', 'Hedy'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Turing', 'Perlman', 'Dijkstra', 'Lamarr'];

/** The login of row `i`: fixed width, so type-ahead on "user012345" lands on row 12,345. */
export function loginOf(i: number): string {
  return `user${String(i).padStart(6, '0')}`;
}

export function makeUsers(n: number): User[] {
  const out: User[] = new Array(n);
  const base = Date.UTC(2025, 0, 1);
  for (let i = 0; i < n; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
    const login = loginOf(i);
    out[i] = {
      id: `u${i}`,
      login,
      displayName: `${first} ${last} ${i}`,
      email: `${login}@example.test`,
      totpEnabled: i % 3 === 0,
      qrIssuedAt: i % 4 === 0 ? null : new Date(base + i * 60_000).toISOString(),
      activeSessions: i % 7,
      disabledAt: null,
      mobileAllowed: true,
      provisioning: { state: 'none', at: null },
      createdAt: new Date(base).toISOString(),
      updatedAt: new Date(base).toISOString(),
    };
  }
  return out;
}
