import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe } from 'vitest';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster.mjs';
import type { User } from '../../shared/model/user';
import { isPostgresUrl, openDatabase, type DbHandle, type DialectName } from '../db/connect';
import type { Database } from '../db/schema';
import { startServer, type RunningServer } from '../index';
import type { SenderOptions } from '../mail/sender';
import type { MailStartOptions } from '../mail/settings';
import type { HashGateOptions } from '../security/hash-gate';
import type { HashCost } from '../security/passwords';
import { call, okBody } from './client';

/**
 * The one setup of every server test file: a fresh database per suite on SQLite (a real file)
 * and on a real PostgreSQL (a private cluster per test file, started by the project's script),
 * and a running server over it with helpers for the calls most tests make.
 */

/** The admin password every test server starts with. */
export const ADMIN_PASSWORD = 'Quiet-Harbour-2048';

/**
 * The secret key of PostgreSQL test servers, as GATEPASS_SECRET_KEY would give it to every
 * replica (SQLite test servers make their own key file beside the database, as in production).
 */
export const TEST_SECRET_KEY = 'dGVzdC1zZWNyZXQta2V5LWZvci10aGUtc3VpdGUtMzI=';

export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** A new, empty database: a SQLite file path or a postgres:// URL. */
  freshDb(): Promise<string>;
}

let cluster: Promise<PgCluster> | null = null;
let dbCount = 0;
const tempDirs: string[] = [];
let hooked = false;

/**
 * Registers the file-level hooks (call at the top of a test file; eachBackend does): the
 * PostgreSQL cluster starts on first use and stops, and temp files go, after the file.
 */
export function useDatabases(): void {
  if (hooked) return;
  hooked = true;
  beforeAll(() => {
    // The first start must generate the admin password, and find its key where the test puts
    // it, whatever the developer's shell holds.
    delete process.env.GATEPASS_ADMIN_PASSWORD;
    delete process.env.GATEPASS_SECRET_KEY;
  });
  afterAll(async () => {
    if (cluster) await (await cluster).stop();
    cluster = null;
    for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
}

function assertHooked(): void {
  if (!hooked) throw new Error('Call useDatabases() (or eachBackend) at the top of the test file first');
}

export const sqlite: Backend = {
  name: 'SQLite',
  freshDb: async () => {
    assertHooked();
    const dir = mkdtempSync(join(tmpdir(), 'gatepass-test-'));
    tempDirs.push(dir);
    return join(dir, 'gatepass.db');
  },
};

export const postgres: Backend = {
  name: 'PostgreSQL',
  freshDb: async () => {
    assertHooked();
    cluster ??= startPgCluster();
    // A unique name per process too: files run in parallel workers, each with its own cluster.
    return (await cluster).createDatabase(`gatepass_t${process.pid}_${++dbCount}`);
  },
};

/** Runs a suite once per storage engine, as `<title> on SQLite` and `<title> on PostgreSQL`. */
export function eachBackend(title: string, suite: (backend: Backend) => void): void {
  useDatabases();
  describe.each([sqlite, postgres])(`${title} on $name`, (backend) => suite(backend));
}

/** What a test may set on its server beyond the database. */
export interface TestServerExtra {
  adminPassword?: string;
  seedDemo?: number;
  /** The server's clock (a {@link TestClock}'s `now`). */
  now?: () => Date;
  /** Keys (GATEPASS_SECRET_KEY format); default: TEST_SECRET_KEY on PostgreSQL, the key file beside a SQLite file. */
  secretKey?: string;
  /** Start PostgreSQL without any key, as an operator who did not set GATEPASS_SECRET_KEY. */
  noSecretKey?: boolean;
  name?: string;
  /** Mail start options (`--smtp-url`, `--mail-folder`, ...). */
  mail?: MailStartOptions;
  /** Mail timings; by default short ones (50 ms polls, 2 s leases, 100 ms back-off) so retries are quick to test. */
  mailTimings?: SenderOptions;
  /** Where the server's log lines go (a test that checks what is, and is not, logged). */
  logger?: (line: string) => void;
  /** `gatepass server --public-url`: the URL devices reach the server at. */
  publicUrl?: string;
  /** Serve HTTPS (docs/tls.md). */
  tls?: { selfSigned: true; dir?: string };
  /** `--trusted-proxy`: whose X-Forwarded-For is believed (a test plays clients at many addresses). */
  trustedProxies?: string[];
  /** argon2id's cost; default the cheap 'test' one (overload tests need the real one). */
  hashCost?: HashCost;
  /** Bounds of password hashing (a tiny queue makes overload easy to reach). */
  hashGate?: Partial<HashGateOptions>;
}

/** Mail timings of test servers: the same code paths as production, in milliseconds instead of seconds. */
export const TEST_MAIL_TIMINGS: SenderOptions = { pollMs: 50, leaseMs: 2000, retry: { baseMs: 100, maxMs: 1000, maxAttempts: 4, jitter: 0 } };

/** A server with cheap argon2id, so the suite is quick; production cost is covered in passwords.test.ts. */
export async function startTestServer(db: string, extra: TestServerExtra = {}): Promise<RunningServer> {
  const secretKey = extra.secretKey ?? (isPostgresUrl(db) && !extra.noSecretKey ? TEST_SECRET_KEY : undefined);
  return startServer(
    {
      db,
      port: 0,
      adminPassword: extra.adminPassword ?? ADMIN_PASSWORD,
      seedDemo: extra.seedDemo,
      ...(secretKey ? { secretKey } : {}),
      ...(extra.name ? { name: extra.name } : {}),
      ...(extra.mail ? { mail: extra.mail } : {}),
      ...(extra.logger ? { logger: extra.logger } : {}),
      ...(extra.publicUrl ? { publicUrl: extra.publicUrl } : {}),
      ...(extra.tls ? { tls: extra.tls } : {}),
      ...(extra.trustedProxies ? { trustedProxies: extra.trustedProxies } : {}),
    },
    {
      hashCost: extra.hashCost ?? 'test',
      ...(extra.now ? { now: extra.now } : {}),
      ...(extra.hashGate ? { hashGate: extra.hashGate } : {}),
      mail: extra.mailTimings ?? TEST_MAIL_TIMINGS,
    },
  );
}

/** A server on a fresh database of `backend` for the enclosing suite, with an admin session and helpers. */
export function useServer(backend: Backend, extra: TestServerExtra | (() => TestServerExtra) = {}) {
  let server: RunningServer;
  let dbh: DbHandle;
  let token: string;
  let serial = 0;
  let location = '';

  beforeAll(async () => {
    location = await backend.freshDb();
    server = await startTestServer(location, typeof extra === 'function' ? extra() : extra);
    dbh = openDatabase(location);
    token = okBody(await call(server.url, 'adminSignin', { body: { login: 'admin', password: ADMIN_PASSWORD } })).token;
  });
  afterAll(async () => {
    await server?.close();
    await dbh?.close();
  });

  const url = () => server.url;
  const admin = () => token;
  /** The database's location (a SQLite file path or a postgres:// URL). */
  const dbLocation = () => location;
  const db = (): Kysely<Database> => dbh.db;

  /** A user with a login unique to this test. */
  async function newUser(prefix = 'u', extra: { displayName?: string; email?: string; password?: string; source?: 'internal' | 'directory' } = {}): Promise<User> {
    serial++;
    const login = `${prefix}.${backend.name.toLowerCase()}${serial}`;
    return okBody(await call(url(), 'createUser', { body: { login, displayName: extra.displayName ?? `User ${serial}`, ...extra } }, token));
  }
  async function issue(userId: string, password: string, validDays?: number) {
    const res = okBody(await call(url(), 'issueQrBatch', { body: { items: [{ userId, password }], validDays } }, token));
    const first = res.results[0];
    if (!first) throw new Error('no result');
    return first;
  }
  async function issueOk(userId: string, password = 'Lantern-Meadow-71') {
    const r = await issue(userId, password);
    if (!r.ok) throw new Error(`issue failed: ${r.code} ${r.message}`);
    return r.issued;
  }
  const qr = (login: string, credential: string) => call(url(), 'qrSignin', { body: { login, credential } });
  const me = (t: string) => call(url(), 'me', {}, t);
  const passwordHash = async (id: string) =>
    (await db().selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;

  return { url, admin, db, dbLocation, newUser, issue, issueOk, qr, me, passwordHash, server: () => server, dialect: (): DialectName => dbh.dialect };
}
