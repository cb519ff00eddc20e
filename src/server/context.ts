import type { Kysely } from 'kysely';
import { naturalKey } from '../shared/natural-sort';
import type { DialectName } from './db/connect';
import type { Database } from './db/schema';
import type { PasswordHasher } from './security/passwords';

/** What every service needs: the database, its dialect, the password hasher and a clock. */
export interface ServiceContext {
  db: Kysely<Database>;
  dialect: DialectName;
  hasher: PasswordHasher;
  /** How many passwords to hash at once in a batch (the libuv pool does the work). */
  hashConcurrency: number;
  now(): Date;
}

/** Who is calling, as established from the bearer token. */
export type Caller =
  | { kind: 'none' }
  | { kind: 'admin'; adminId: string; login: string; tokenHash: string }
  | { kind: 'user'; userId: string; login: string; displayName: string; tokenHash: string };

/** An admin caller, as admin-only services require. */
export type AdminCaller = Extract<Caller, { kind: 'admin' }>;
/** A device session's user. */
export type UserCaller = Extract<Caller, { kind: 'user' }>;
/** Nobody signed in (routes with `auth: 'none'`). */
export type NoCaller = Extract<Caller, { kind: 'none' }>;

/**
 * Locks a user's row for the rest of the transaction (PostgreSQL; SQLite has one writer).
 * Every transaction that changes a user and their credentials or sessions takes this lock
 * first, so they all lock in one order (user, then credential) and cannot deadlock.
 */
export async function lockUser(trx: Kysely<Database>, dialect: DialectName, userId: string): Promise<{ login: string; display_name: string; email: string } | undefined> {
  return trx
    .selectFrom('users')
    .select(['login', 'display_name', 'email'])
    .where('id', '=', userId)
    .$if(dialect === 'postgres', (qb) => qb.forNoKeyUpdate())
    .executeTakeFirst();
}

/** ISO string `ms` milliseconds after `from`. */
export function isoAfter(from: Date, ms: number): string {
  return new Date(from.getTime() + ms).toISOString();
}

/** Counts come back as number, string or bigint depending on the driver. */
export function toCount(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number.parseInt(value, 10) || 0;
  return 0;
}

/** The users.*_sort values for a user: what the list sorts by. */
export function sortKeys(login: string, displayName: string, email: string): { login_sort: string; name_sort: string; email_sort: string } {
  return { login_sort: naturalKey(login), name_sort: naturalKey(displayName), email_sort: naturalKey(email) };
}

/** The users.search_text value for a user. */
export function searchText(login: string, displayName: string, email: string): string {
  return `${login}\n${displayName}\n${email}`.toLowerCase();
}
