// `npm run crash:issue`: SIGKILL of the server during a batch issue, at random points, leaves
// every user either fully issued or untouched (issue 12 point 9), on SQLite and on PostgreSQL.
// Per engine: `gatepass server` (out/main/cli.js; build first) on a new database with demo
// users, each given a password, a QR credential, a password session and a device session.
// Then per iteration: the state of every user is read from the database, a batch issue of new
// passwords for all of them goes to POST /api/v1/qr-credentials in the console's chunks, the
// server is SIGKILLed at a point uniform over the batch's duration (measured first), started
// again on the same database, and every user is checked in the database: untouched (the same
// hash, credentials, sessions, counters, no audit entry) or fully issued (a new hash, the old
// credentials voided, exactly one new live credential, no session left, one audit entry naming
// that credential), never anything between; every user the server had answered for must be
// issued, and every issued user then signs in with the new password through the restarted server.
//   npm run crash:issue -- [--iterations 50] [--users 1000] [--engines sqlite,postgres] [--seed N] [--max-minutes 40]
// Prints the figures per engine and, last, one JSON line. Exit 0 when every property held.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pMap from 'p-map';
import { startPgCluster, type PgCluster } from '../pg-cluster.mjs';
import { ISSUE_CHUNK } from '../../src/main/services/issuing/issue-job';
import { openDatabase } from '../../src/server/db/connect';
import { call, okBody } from '../../src/server/test-support/client';
import { argValue, deadline, deciles, median, REPO, seededRandom, sleep, spread, startChild, stratifiedPoints, type Child } from './common';

export type Engine = 'sqlite' | 'postgres';

export interface IssueCrashOptions {
  engine: Engine;
  iterations: number;
  /** Users in every batch (all of the server's users). */
  users: number;
  seed: number;
  maxMs: number;
  /** `built`: node out/main/cli.js, as shipped; `source`: src/cli/index.ts through tsx (the tests). */
  server: 'built' | 'source';
  log?: (line: string) => void;
  /** A running cluster to use instead of starting one (PostgreSQL only). */
  cluster?: PgCluster;
  /** Whole batches timed before the kills (the median is the batch's duration); default 3. */
  calibrations?: number;
}

export interface IssueCrashFigures {
  engine: Engine;
  iterations: number;
  users: number;
  seed: number;
  /** Uninterrupted batches of all users, in ms: the first is the seeding batch. */
  batchMs: number[];
  killFractions: number[];
  killMs: number[];
  /** Users found fully issued, per iteration. */
  issuedPerIteration: number[];
  totals: { issued: number; untouched: number; half: number };
  /** Users the server had answered for before the kill, and how many of them were issued (must be equal). */
  acknowledged: number;
  acknowledgedIssued: number;
  /** Iterations whose kill fell inside a request that had committed some of its users but not all. */
  midRequestSplits: number;
  /** Issued users who then signed in with their new password through the restarted server. */
  newPasswordSignins: number;
  restarts: number;
  problems: string[];
  elapsedMs: number;
}

// The first administrator's password meets the policy too: it must not contain the login "admin".
const ADMIN_PASSWORD = `Crash-Operator-${randomBytes(6).toString('hex')}-Pw9`;

export interface UserRow {
  id: string;
  login: string;
  password_hash: string | null;
  updated_at: string;
  qr_issued_at: string;
  sessions_active: number;
}
export interface CredentialRow {
  id: string;
  user_id: string;
  login: string;
  issued_at: string;
  expires_at: string | null;
  voided_at: string | null;
}
export interface Snapshot {
  users: Map<string, UserRow>;
  credentials: Map<string, CredentialRow[]>;
  sessions: Map<string, string[]>;
  /** qr.issue entries by target login, after `sinceAuditId`. */
  issueAudit: Map<string, string[]>;
  maxAuditId: number;
}

/** Every user's row, credentials and sessions, read straight from the database. */
async function snapshot(location: string, sinceAuditId: number): Promise<Snapshot> {
  const h = openDatabase(location);
  try {
    const users = await h.db.selectFrom('users').select(['id', 'login', 'password_hash', 'updated_at', 'qr_issued_at', 'sessions_active']).execute();
    const creds = await h.db.selectFrom('qr_credentials').select(['id', 'user_id', 'login', 'issued_at', 'expires_at', 'voided_at']).orderBy('id').execute();
    const sessions = await h.db.selectFrom('user_sessions').select(['token_hash', 'user_id', 'method']).orderBy('token_hash').execute();
    const audit = await h.db.selectFrom('audit_log').select(['id', 'target', 'detail']).where('action', '=', 'qr.issue').where('id', '>', sinceAuditId).execute();
    const max = await h.db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
    const group = <T, K>(rows: readonly T[], key: (r: T) => string, value: (r: T) => K) => {
      const m = new Map<string, K[]>();
      for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), value(r)]);
      return m;
    };
    return {
      users: new Map(users.map((u) => [u.id, { ...u, sessions_active: Number(u.sessions_active) }])),
      credentials: group(creds, (c) => c.user_id, (c) => c),
      sessions: group(sessions, (s) => s.user_id, (s) => `${s.method}:${s.token_hash}`),
      issueAudit: group(audit, (a) => a.target ?? '', (a) => a.detail ?? ''),
      maxAuditId: Number(max?.m ?? 0),
    };
  } finally {
    await h.close();
  }
}

type Verdict = { kind: 'untouched' } | { kind: 'issued'; credentialId: string } | { kind: 'half'; why: string[] };

/** Untouched, fully issued, or (a failure) something between, and what exactly. */
export function judgeUser(userId: string, before: Snapshot, after: Snapshot): Verdict {
  const b = before.users.get(userId);
  const a = after.users.get(userId);
  if (!b || !a) return { kind: 'half', why: ['the user is gone'] };
  const bCreds = before.credentials.get(userId) ?? [];
  const aCreds = after.credentials.get(userId) ?? [];
  const bSessions = before.sessions.get(userId) ?? [];
  const aSessions = after.sessions.get(userId) ?? [];
  const audit = after.issueAudit.get(a.login) ?? [];

  const same = [
    a.password_hash === b.password_hash ? null : 'password hash changed',
    a.updated_at === b.updated_at ? null : 'updated_at changed',
    a.qr_issued_at === b.qr_issued_at ? null : 'qr_issued_at changed',
    a.sessions_active === b.sessions_active ? null : 'sessions_active changed',
    JSON.stringify(aCreds) === JSON.stringify(bCreds) ? null : 'credentials changed',
    JSON.stringify(aSessions) === JSON.stringify(bSessions) ? null : 'sessions changed',
    audit.length === 0 ? null : 'a qr.issue audit entry',
  ].filter((x): x is string => x !== null);
  if (same.length === 0) return { kind: 'untouched' };

  const known = new Set(bCreds.map((c) => c.id));
  const fresh = aCreds.filter((c) => !known.has(c.id));
  const at = a.updated_at;
  const newOne = fresh[0];
  const issued = [
    a.password_hash !== null && a.password_hash !== b.password_hash && a.password_hash.startsWith('$argon2id$') ? null : 'password hash not replaced',
    at > b.updated_at ? null : 'updated_at not moved on',
    fresh.length === 1 ? null : `${fresh.length} new credentials`,
    newOne && newOne.voided_at === null && newOne.issued_at === at && newOne.login === a.login ? null : 'the new credential is not live, or not of this issue',
    a.qr_issued_at === at ? null : 'qr_issued_at is not the new credential',
    // Each old credential: voided now, or already voided before (then left as it was).
    bCreds.every((old) => {
      const now = aCreds.find((c) => c.id === old.id);
      return now !== undefined && (old.voided_at === null ? now.voided_at === at : now.voided_at === old.voided_at);
    })
      ? null
      : 'an old credential not voided',
    aSessions.length === 0 ? null : `${aSessions.length} session(s) left`,
    a.sessions_active === 0 ? null : `sessions_active ${a.sessions_active}`,
    audit.length === 1 && newOne !== undefined && audit[0]!.includes(newOne.id) ? null : `${audit.length} qr.issue audit entries for the new credential`,
  ].filter((x): x is string => x !== null);
  if (issued.length === 0) return { kind: 'issued', credentialId: newOne!.id };
  return { kind: 'half', why: [`not untouched: ${same.join(', ')}`, `not issued: ${issued.join(', ')}`] };
}

interface Server {
  child: Child;
  url: string;
}

async function startServer(opts: IssueCrashOptions, db: string, env: NodeJS.ProcessEnv, seedDemo: number | null, timeoutMs: number): Promise<Server> {
  const cli = opts.server === 'built' ? ['out/main/cli.js'] : ['--import', 'tsx', 'src/cli/index.ts'];
  const args = [...cli, 'server', '--db', db, '--port', '0', '--host', '127.0.0.1', '--name', 'Crash test', ...(seedDemo ? ['--seed-demo', String(seedDemo)] : [])];
  const child = startChild(process.execPath, args, { env });
  await child.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, timeoutMs);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(child.output())![1]!;
  return { child, url };
}

/** A new password per user that meets the default policy and is never reused. */
function newPassword(): string {
  return `Crash-${randomBytes(9).toString('base64url')}-Pw9`;
}

/**
 * A sign-in as a well-behaved client makes it: a server busy checking passwords (503
 * SERVER_BUSY, on a machine shared with other work) is asked again after its Retry-After.
 */
async function untilNotBusy<A extends { ok: boolean; status: number; error: { code: string; details?: unknown } | null }>(attempt: () => Promise<A>): Promise<A> {
  for (let tries = 1; ; tries++) {
    const answer = await attempt();
    if (answer.ok || answer.error?.code !== 'SERVER_BUSY' || tries >= 20) return answer;
    const details = answer.error.details;
    const seconds = typeof details === 'object' && details !== null && 'retryAfterSeconds' in details && typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : 1;
    await sleep(Math.min(seconds, 10) * 1000);
  }
}

interface BatchRun {
  /** Users the server answered "issued" for. */
  acknowledged: Map<string, string>;
  /** Index of the chunk in flight when the batch stopped (or the number of chunks when it finished). */
  chunksDone: number;
  error: string | null;
}

/** The console's batch: chunks of ISSUE_CHUNK users, one request after the other, until one fails. */
async function issueBatch(url: string, token: string, ids: readonly string[], passwords: Map<string, string>, logins: Map<string, string>): Promise<BatchRun> {
  const acknowledged = new Map<string, string>();
  let chunksDone = 0;
  for (let i = 0; i < ids.length; i += ISSUE_CHUNK) {
    const chunk = ids.slice(i, i + ISSUE_CHUNK);
    let results;
    try {
      results = okBody(await call(url, 'issueQrBatch', { body: { items: chunk.map((id) => ({ userId: id, password: passwords.get(id)! })) } }, token)).results;
    } catch (err) {
      return { acknowledged, chunksDone, error: err instanceof Error ? err.message : String(err) };
    }
    for (const r of results) {
      if (!r.ok) throw new Error(`the server refused ${logins.get(r.userId)}: ${r.code} ${r.message}`);
      acknowledged.set(r.userId, r.issued.credential);
    }
    chunksDone++;
  }
  return { acknowledged, chunksDone, error: null };
}

/** Runs the experiment on one engine, in a private folder (and database) removed afterwards. */
export async function runIssueCrashes(opts: IssueCrashOptions): Promise<IssueCrashFigures> {
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const budget = deadline(opts.maxMs);
  const random = seededRandom(opts.seed);
  const problems: string[] = [];
  const figures: IssueCrashFigures = {
    engine: opts.engine,
    iterations: 0,
    users: opts.users,
    seed: opts.seed,
    batchMs: [],
    killFractions: [],
    killMs: [],
    issuedPerIteration: [],
    totals: { issued: 0, untouched: 0, half: 0 },
    acknowledged: 0,
    acknowledgedIssued: 0,
    midRequestSplits: 0,
    newPasswordSignins: 0,
    restarts: 0,
    problems,
    elapsedMs: 0,
  };
  if (opts.server === 'built' && !existsSync(join(REPO, 'out', 'main', 'cli.js'))) {
    problems.push('out/main/cli.js is missing: build first (npx electron-vite build)');
    return figures;
  }
  const root = mkdtempSync(join(tmpdir(), 'gatepass-crash-issue-'));
  let ownCluster: PgCluster | null = null;
  let server: Server | null = null;
  try {
    let db: string;
    const env: NodeJS.ProcessEnv = { ...process.env, GATEPASS_ADMIN_PASSWORD: ADMIN_PASSWORD };
    delete env.GATEPASS_SECRET_KEY;
    if (opts.engine === 'postgres') {
      const cluster = opts.cluster ?? (ownCluster = await startPgCluster());
      db = await cluster.createDatabase(`crash_issue_${process.pid}_${opts.seed % 1_000_000}`);
      // PostgreSQL servers take their key from the environment (SQLite keeps a file beside the database).
      env.GATEPASS_SECRET_KEY = randomBytes(32).toString('base64');
    } else {
      db = join(root, 'gatepass.sqlite');
    }
    const startTimeout = () => Math.min(60_000, budget.left());

    // Seed: demo users, then a password, a credential and two sessions each.
    server = await startServer(opts, db, env, opts.users, startTimeout());
    const token = okBody(await call(server.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
    const seeded = await snapshot(db, 0);
    const ids = [...seeded.users.keys()].sort();
    const logins = new Map([...seeded.users.values()].map((u) => [u.id, u.login]));
    // Which request of a batch carries each user (the batch sends them in this order).
    const chunkOf = new Map(ids.map((id, i) => [id, Math.floor(i / ISSUE_CHUNK)]));
    if (ids.length !== opts.users) throw new Error(`${ids.length} users seeded, expected ${opts.users}`);
    let current = new Map(ids.map((id) => [id, newPassword()]));
    const credentials = new Map<string, string>();

    /** Gives users sessions: a password sign-in each (proving the password), a device sign-in where the credential is known. */
    const signIn = async (url: string, who: readonly string[]): Promise<number> => {
      let ok = 0;
      await pMap(
        who,
        async (id) => {
          const login = logins.get(id)!;
          const pw = await untilNotBusy(() => call(url, 'userSignin', { body: { login, password: current.get(id)! } }));
          if (pw.ok && pw.body.status === 'signed_in') ok++;
          else problems.push(`${login} could not sign in with their password: ${pw.ok ? pw.body.status : `${pw.error.code} ${pw.error.message}`}`);
          const credential = credentials.get(id);
          if (credential) {
            const qr = await untilNotBusy(() => call(url, 'qrSignin', { body: { login, credential } }));
            if (!qr.ok) problems.push(`${login} could not sign in with their QR credential: ${qr.error.code}`);
          }
        },
        { concurrency: 4 },
      );
      return ok;
    };

    /** An uninterrupted batch: its duration, with every user then issued. */
    const wholeBatch = async (url: string) => {
      const passwords = new Map(ids.map((id) => [id, newPassword()]));
      const t0 = performance.now();
      const run = await issueBatch(url, token, ids, passwords, logins);
      const ms = performance.now() - t0;
      if (run.error || run.acknowledged.size !== ids.length) throw new Error(`an uninterrupted batch failed: ${run.error ?? `${run.acknowledged.size} issued`}`);
      current = passwords;
      for (const [id, c] of run.acknowledged) credentials.set(id, c);
      return ms;
    };

    // Calibration: whole batches (the first gives everyone their password and credential, and
    // is slower while the server warms up: with three, the median leaves it out).
    for (let b = 0; b < (opts.calibrations ?? 3); b++) {
      budget.check('calibration');
      figures.batchMs.push(await wholeBatch(server.url));
    }
    const batchMs = median(figures.batchMs);
    log(`${opts.engine}: batch of ${opts.users} users in chunks of ${ISSUE_CHUNK}: ${figures.batchMs.map((m) => Math.round(m)).join(' ms, ')} ms`);
    await signIn(server.url, ids);

    const points = stratifiedPoints(opts.iterations, random);
    let sinceAudit = 0;
    for (let i = 0; i < opts.iterations; i++) {
      budget.check(`iteration ${i + 1}`);
      const before = await snapshot(db, sinceAudit);
      sinceAudit = before.maxAuditId;
      const passwords = new Map(ids.map((id) => [id, newPassword()]));
      const fraction = points[i]!;
      const running = server;
      const t0 = performance.now();
      const killer = new Promise<number>((resolve) => {
        setTimeout(() => {
          const at = performance.now() - t0;
          void running.child.kill().then(() => resolve(at));
        }, fraction * batchMs);
      });
      const run = await issueBatch(running.url, token, ids, passwords, logins);
      const killedAt = await killer;
      server = null;
      figures.killFractions.push(fraction);
      figures.killMs.push(killedAt);

      server = await startServer(opts, db, env, null, startTimeout());
      figures.restarts++;
      const info = await call(server.url, 'serverInfo');
      if (!info.ok) problems.push(`iteration ${i + 1}: the restarted server does not answer: ${info.error.code}`);
      const after = await snapshot(db, sinceAudit);
      let issued = 0;
      const issuedIds: string[] = [];
      const inFlight = { issued: 0, untouched: 0 };
      for (const id of ids) {
        const v = judgeUser(id, before, after);
        if (v.kind === 'half') {
          figures.totals.half++;
          problems.push(`iteration ${i + 1}: ${logins.get(id)} is half issued: ${v.why.join('; ')}`);
          continue;
        }
        if (chunkOf.get(id) === run.chunksDone) inFlight[v.kind]++;
        if (v.kind === 'untouched') {
          figures.totals.untouched++;
          if (run.acknowledged.has(id)) problems.push(`iteration ${i + 1}: ${logins.get(id)} was answered as issued but is untouched`);
          continue;
        }
        issued++;
        figures.totals.issued++;
        issuedIds.push(id);
        current.set(id, passwords.get(id)!);
        const acknowledgedCredential = run.acknowledged.get(id);
        if (acknowledgedCredential) {
          figures.acknowledgedIssued++;
          if (!acknowledgedCredential.startsWith(`${v.credentialId}.`)) problems.push(`iteration ${i + 1}: ${logins.get(id)}'s live credential is not the one the server answered`);
          credentials.set(id, acknowledgedCredential);
        } else {
          // Issued, but the answer died with the server: nobody knows this credential.
          credentials.delete(id);
        }
      }
      figures.acknowledged += run.acknowledged.size;
      if (inFlight.issued > 0 && inFlight.untouched > 0) figures.midRequestSplits++;
      figures.issuedPerIteration.push(issued);
      figures.newPasswordSignins += await signIn(server.url, issuedIds);
      figures.iterations++;
      if ((i + 1) % 10 === 0 || i + 1 === opts.iterations) {
        log(`${opts.engine} ${i + 1}/${opts.iterations}: users issued ${figures.totals.issued}, untouched ${figures.totals.untouched}, half ${figures.totals.half}`);
      }
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    if (server) await server.child.kill();
    if (ownCluster) await ownCluster.stop();
    rmSync(root, { recursive: true, force: true });
    figures.elapsedMs = performance.now() - started;
  }
  return figures;
}

/** The figures of one engine as the report prints them. */
export function describeIssueFigures(f: IssueCrashFigures): string[] {
  return [
    `${f.engine}: iterations ${f.iterations} (${f.users} users a batch, chunks of ${ISSUE_CHUNK}; seed ${f.seed})`,
    `  uninterrupted batch: ${f.batchMs.map((m) => `${Math.round(m)} ms`).join(', ')}`,
    `  kill points, ms after the batch started: ${spread(f.killMs)}; by tenth of the batch: ${deciles(f.killFractions).join(' ')}`,
    `  users issued per iteration: ${f.issuedPerIteration.length ? `min ${Math.min(...f.issuedPerIteration)}, median ${median(f.issuedPerIteration)}, max ${Math.max(...f.issuedPerIteration)}` : 'none'}`,
    `  users checked: fully issued ${f.totals.issued}, untouched ${f.totals.untouched}, half ${f.totals.half}`,
    `  answered as issued before the kill: ${f.acknowledged}, of which issued in the database: ${f.acknowledgedIssued}`,
    `  kills inside a request that had committed part of its users: ${f.midRequestSplits}`,
    `  restarts that answered: ${f.restarts}; issued users signing in with the new password: ${f.newPasswordSignins} of ${f.totals.issued}`,
    `  elapsed: ${(f.elapsedMs / 1000).toFixed(1)} s`,
    f.problems.length === 0 ? '  PASS' : `  FAIL:\n    ${f.problems.slice(0, 20).join('\n    ')}${f.problems.length > 20 ? `\n    ... and ${f.problems.length - 20} more` : ''}`,
  ];
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const argv = process.argv.slice(2);
  const engines = (argValue(argv, 'engines') ?? 'sqlite,postgres').split(',') as Engine[];
  const seed = Number(argValue(argv, 'seed') ?? Math.floor(Math.random() * 2 ** 31));
  const maxMs = Number(argValue(argv, 'max-minutes') ?? 40) * 60_000;
  const runStarted = performance.now();
  const all: IssueCrashFigures[] = [];
  for (const engine of engines) {
    const figures = await runIssueCrashes({
      engine,
      iterations: Number(argValue(argv, 'iterations') ?? 50),
      users: Number(argValue(argv, 'users') ?? 1000),
      seed,
      maxMs: Math.max(0, maxMs - (performance.now() - runStarted)),
      server: argv.includes('--from-source') ? 'source' : 'built',
      log: (line) => console.log(line),
    });
    for (const line of describeIssueFigures(figures)) console.log(line);
    all.push(figures);
  }
  const pass = all.every((f) => f.problems.length === 0);
  console.log(
    JSON.stringify({
      engines: all.map(({ killFractions, killMs, issuedPerIteration: _i, problems, ...f }) => ({ ...f, killDeciles: deciles(killFractions), killMs: spread(killMs), problems: problems.length })),
      pass,
    }),
  );
  process.exitCode = pass ? 0 : 1;
}
