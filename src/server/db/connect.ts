import BetterSqlite3 from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

/** Which SQL engine is behind a connection; the few dialect differences branch on it. */
export type DialectName = 'sqlite' | 'postgres';

/** An open database: the Kysely handle, its dialect, and how to close it. */
export interface DbHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  close(): Promise<void>;
}

/** True for a `postgres://` or `postgresql://` URL; anything else is a SQLite file path. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens SQLite (a file path) or PostgreSQL (a URL). */
export function openDatabase(location: string): DbHandle {
  if (isPostgresUrl(location)) {
    const pool = new pg.Pool({ connectionString: location, max: 10 });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  // A first start in a fresh user-data folder should just work.
  if (location !== ':memory:') {
    mkdirSync(dirname(location), { recursive: true });
    // The file holds password hashes and the audit log: owner-only from its first byte.
    // SQLite gives its -wal and -shm files the database file's permissions.
    if (!existsSync(location)) closeSync(openSync(location, 'a', 0o600));
  }
  const sqlite = new BetterSqlite3(location);
  // WAL lets readers run beside the writer; NORMAL sync is durable across app crashes in WAL
  // mode (https://www.sqlite.org/pragma.html#pragma_synchronous); busy_timeout waits for
  // another process's lock instead of failing at once.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Statements kept ready per connection; the server has a few dozen distinct queries. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 behind Kysely, with prepared statements reused by their SQL text (least
 * recently used dropped first). Kysely prepares every query anew; for the statements a busy
 * server repeats (the mail sender records each sent message) preparing was a fifth of the
 * database time. Safe because Kysely runs a statement to completion (all/run) before the
 * next; SQLite re-prepares a cached statement itself after a schema change.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = sqlite.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}

/** True when a database error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
