/**
 * User-list benchmark: a server seeded with BENCH_USERS demo users (default 100,000) on
 * SQLite, then the pages the console asks for (deep offsets, every sort, searches), each
 * timed best and median of 5 after a warm-up, against a baseline in the same run: the
 * round trip of GET /api/v1/info (no database), so the figure left is the query's own.
 * Targets: seeding under 15 s, every page under 100 ms. Last line: JSON summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../src/server/index';
import { call } from '../src/server/test-support/client';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const RUNS = 5;
const SEED_TARGET_MS = 15_000;
const PAGE_TARGET_MS = 100;

async function timed(fn: () => Promise<unknown>): Promise<{ best: number; median: number }> {
  await fn(); // warm the page cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(RUNS / 2)]! };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gatepass-bench-users-'));
  const t0 = performance.now();
  const s = await startServer({ db: join(dir, 'users.db'), port: 0, seedDemo: USERS, adminPassword: 'Bench-Harbour-2048' }, { hashCost: 'test' });
  const seedMs = performance.now() - t0;
  try {
    const token = await s.issueAdminToken();
    console.log(`seed ${USERS.toLocaleString('en')} users and start: ${seedMs.toFixed(0)} ms (target < ${SEED_TARGET_MS})`);
    const base = await timed(() => call(s.url, 'serverInfo'));
    console.log(`baseline GET /api/v1/info: best ${base.best.toFixed(1)} ms, median ${base.median.toFixed(1)} ms`);
    const queries: Record<string, string | number>[] = [
      { offset: 0, limit: 100 },
      { offset: 50_000, limit: 100, sort: 'displayName', order: 'desc' },
      { offset: USERS - 100, limit: 100, sort: 'email' },
      { offset: 0, limit: 100, search: 'berg', sort: 'createdAt' },
      { offset: 200, limit: 100, search: 'ANNA', sort: 'login', order: 'desc' },
      { offset: 0, limit: 100, search: 'a', sort: 'displayName', order: 'desc' },
    ];
    const rows = [];
    for (const q of queries) {
      const t = await timed(async () => {
        const r = await call(s.url, 'listUsers', { query: q }, token);
        if (!r.ok || r.body.items.length !== 100) throw new Error(`page ${JSON.stringify(q)} did not return 100 users`);
      });
      rows.push({ query: q, ...t });
      console.log(`${JSON.stringify(q).padEnd(78)} best ${t.best.toFixed(1).padStart(6)} ms  median ${t.median.toFixed(1).padStart(6)} ms`);
    }
    const worstMedian = Math.max(...rows.map((r) => r.median));
    const pass = seedMs < SEED_TARGET_MS && worstMedian < PAGE_TARGET_MS;
    console.log(`worst page median ${worstMedian.toFixed(1)} ms (target < ${PAGE_TARGET_MS}): ${pass ? 'pass' : 'FAIL'}`);
    console.log(JSON.stringify({ users: USERS, seedMs: Math.round(seedMs), baselineMs: base.median, pages: rows, worstMedian, pass }));
    process.exitCode = pass ? 0 : 1;
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
