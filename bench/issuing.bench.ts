/**
 * Issuing benchmark (issue 4, point 8): the server setting passwords and issuing QR
 * credentials is bound by argon2id, which is slow on purpose. Prints one hash's cost, the
 * issuing rate for BENCH_ISSUE_USERS users (default 1,000) against the floor
 * users x hash / cores, and how sign-ins fare while a batch runs. Last line: JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../src/server/index';
import { createPasswordHasher } from '../src/server/security/passwords';
import { call } from '../src/server/test-support/client';

const USERS = Number(process.env.BENCH_ISSUE_USERS ?? 1000);
const BATCH = Number(process.env.BENCH_ISSUE_BATCH ?? 250); // what the console sends per request
const cores = availableParallelism();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main() {
  const hasher = createPasswordHasher('production');
  await hasher.hash('warm-up-Passw0rd');
  const hashTimes: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    await hasher.hash(`Bench-Passw0rd-${i}`);
    hashTimes.push(performance.now() - t);
  }
  const hashMs = median(hashTimes);
  console.log(`argon2id (production setting): ${hashMs.toFixed(1)} ms per hash (median of 15), ${cores} cores`);
  // What the machine can really hash with every core busy: argon2id is memory-bound, and two
  // vCPUs rarely give twice one. This is "nothing but hashing" measured, beside the formula.
  const PAR_N = 200;
  let started = 0;
  const tp = performance.now();
  await Promise.all(
    Array.from({ length: cores + 1 }, async () => {
      while (started < PAR_N) await hasher.hash(`Par-Passw0rd-${started++}`);
    }),
  );
  const parallelHashMs = (performance.now() - tp) / PAR_N;
  console.log(`argon2id with every core busy: ${parallelHashMs.toFixed(2)} ms per hash effective (${PAR_N} hashes), a ${(hashMs / parallelHashMs).toFixed(2)}x speed-up on ${cores} cores`);

  const dir = mkdtempSync(join(tmpdir(), 'gatepass-bench-issue-'));
  const server = await startServer({ db: join(dir, 'bench.sqlite'), port: 0, seedDemo: USERS + 5, adminPassword: 'Bench-Harbour-2026!' });
  try {
    const admin = await call(server.url, 'adminSignin', { body: { login: 'admin', password: 'Bench-Harbour-2026!' } });
    if (!admin.ok) throw new Error(admin.error.message);
    const token = admin.body.token;
    const ids: string[] = [];
    for (let offset = 0; ids.length < USERS + 5; offset += 500) {
      const page = await call(server.url, 'listUsers', { query: { offset, limit: 500 } }, token);
      if (!page.ok) throw new Error(page.error.message);
      ids.push(...page.body.items.map((u) => u.id));
      if (page.body.items.length === 0) break;
    }
    // Five probe users with live credentials, to sign in with while the batch runs.
    const probes = await call(server.url, 'issueQrBatch', { body: { items: ids.slice(0, 5).map((userId) => ({ userId, password: 'Probe-Passw0rd-1' })) } }, token);
    if (!probes.ok) throw new Error(probes.error.message);
    const probeCreds = probes.body.results.flatMap((r) => (r.ok ? [r.issued] : []));
    const targets = ids.slice(5, 5 + USERS);

    let running = true;
    const qrLatency: number[] = [];
    const adminLatency: number[] = [];
    const prober = (async () => {
      let i = 0;
      while (running) {
        const c = probeCreds[i++ % probeCreds.length]!;
        let t = performance.now();
        const s = await call(server.url, 'qrSignin', { body: { login: c.login, credential: c.credential } });
        qrLatency.push(performance.now() - t);
        if (!s.ok) throw new Error(`probe sign-in failed: ${s.error.code}`);
        t = performance.now();
        await call(server.url, 'adminSignin', { body: { login: 'admin', password: 'Bench-Harbour-2026!' } });
        adminLatency.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const t0 = performance.now();
    let issued = 0;
    for (let i = 0; i < targets.length; i += BATCH) {
      const items = targets.slice(i, i + BATCH).map((userId, k) => ({ userId, password: `Depot-${i + k}-Harbour` }));
      const res = await call(server.url, 'issueQrBatch', { body: { items } }, token);
      if (!res.ok) throw new Error(res.error.message);
      issued += res.body.results.filter((r) => r.ok).length;
    }
    const issueMs = performance.now() - t0;
    running = false;
    await prober;

    const floorMs = (USERS * hashMs) / cores;
    const ratio = issueMs / floorMs;
    const hashingMs = USERS * parallelHashMs;
    const hashingRatio = issueMs / hashingMs;
    console.log(`issued ${issued}/${USERS} in ${(issueMs / 1000).toFixed(2)} s = ${((issued / issueMs) * 1000).toFixed(0)} users/s`);
    console.log(`floor (users x hash / cores) = ${(floorMs / 1000).toFixed(2)} s; ratio ${ratio.toFixed(2)} (target <= 1.2): ${ratio <= 1.2 ? 'PASS' : 'FAIL'}`);
    console.log(`hashing alone, measured with every core busy = ${(hashingMs / 1000).toFixed(2)} s; ratio ${hashingRatio.toFixed(2)} (what issuing adds beyond the hashes)`);
    console.log(
      `during the batch: QR sign-in p50 ${median(qrLatency).toFixed(1)} ms, p95 ${pct(qrLatency, 0.95).toFixed(1)} ms (n=${qrLatency.length}); ` +
        `admin sign-in (one argon2id verify) p50 ${median(adminLatency).toFixed(1)} ms, p95 ${pct(adminLatency, 0.95).toFixed(1)} ms`,
    );
    console.log(
      JSON.stringify({
        bench: 'issuing',
        users: USERS,
        cores,
        hashMs: +hashMs.toFixed(1),
        issueSeconds: +(issueMs / 1000).toFixed(2),
        usersPerSecond: +((issued / issueMs) * 1000).toFixed(1),
        floorSeconds: +(floorMs / 1000).toFixed(2),
        ratio: +ratio.toFixed(2),
        parallelHashMs: +parallelHashMs.toFixed(2),
        hashingOnlySeconds: +(hashingMs / 1000).toFixed(2),
        ratioToHashingOnly: +hashingRatio.toFixed(2),
        pass: ratio <= 1.2 && issued === USERS,
        qrSigninP95Ms: +pct(qrLatency, 0.95).toFixed(1),
        adminSigninP95Ms: +pct(adminLatency, 0.95).toFixed(1),
      }),
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
