import type { Kysely } from 'kysely';
import { naturalKey } from '../shared/natural-sort';
import type { DialectName } from './db/connect';
import type { AccountKind, Database } from './db/schema';
import type { MailService } from './mail/index';
import type { PasswordHasher } from './security/passwords';
import type { SecretBox } from './security/secret-box';

/** What every service needs: the database, its dialect, the password hasher, the secret box, the mail outbox and a clock. */
export interface ServiceContext {
  db: Kysely<Database>;
  dialect: DialectName;
  hasher: PasswordHasher;
  /** How many passwords to hash at once in a batch (the libuv pool does the work). */
  hashConcurrency: number;
  /** Seals two-step secrets under the key outside the database; null when the server has no key (PostgreSQL without GATEPASS_SECRET_KEY). */
  secrets: SecretBox | null;
  /** The server's display name: the issuer authenticator apps show. */
  serverName: string;
  /** Queue mail through the outbox (src/server/mail/index.ts); this process's sender delivers it. */
  mail: MailService;
  /** This installation's server ID (the reference's Site ID): random, kept in settings, so every replica has the same. */
  serverId: string;
  /** The URL devices and mail readers reach this server at (`--public-url`, else its listen URL), without a trailing slash. */
  publicUrl(): string;
  /** The pin (`sha256/<base64>`) of the TLS key this server serves https with, or null: provisioning payloads carry it so devices trust that key. */
  tlsPin: string | null;
  now(): Date;
}

/** An account that signs in with a password: a user or an administrator. */
export interface AccountRef {
  kind: AccountKind;
  id: string;
  login: string;
}

/** Who is calling, as established from the bearer token. */
export type Caller =
  | { kind: 'none' }
  | { kind: 'admin'; adminId: string; login: string; tokenHash: string }
  | { kind: 'user'; userId: string; login: string; displayName: string; tokenHash: string }
  /**
   * An administrator, or a user signed in with their password (and second factor): who may
   * manage their own two-step verification. `enrolment` scope: a session that may only enrol
   * (mandatory two-step verification, during its grace period).
   */
  | { kind: 'account'; account: AccountRef; displayName: string; scope: 'full' | 'enrolment'; tokenHash: string }
  /** A registered computer's agent, by the credential of its agent file. */
  | { kind: 'computer'; computerId: string; name: string };

/** An admin caller, as admin-only services require. */
export type AdminCaller = Extract<Caller, { kind: 'admin' }>;
/** A device session's user. */
export type UserCaller = Extract<Caller, { kind: 'user' }>;
/** Nobody signed in (routes with `auth: 'none'`). */
export type NoCaller = Extract<Caller, { kind: 'none' }>;
/** An administrator or a password-signed-in user, acting on their own account. */
export type AccountCaller = Extract<Caller, { kind: 'account' }>;
/** A registered computer's agent. */
export type ComputerCaller = Extract<Caller, { kind: 'computer' }>;

/**
 * Locks a user's row for the rest of the transaction (PostgreSQL; SQLite has one writer).
 * Every transaction that changes a user and their credentials or sessions takes this lock
 * first, so they all lock in one order (user, then credential) and cannot deadlock.
 */
export async function lockUser(
  trx: Kysely<Database>,
  dialect: DialectName,
  userId: string,
): Promise<{ login: string; display_name: string; email: string; source: 'internal' | 'directory' } | undefined> {
  return trx
    .selectFrom('users')
    .select(['login', 'display_name', 'email', 'source'])
    .where('id', '=', userId)
    .$if(dialect === 'postgres', (qb) => qb.forNoKeyUpdate())
    .executeTakeFirst();
}

/**
 * Locks an account's row (a user's via {@link lockUser}, or an administrator's) for the rest of
 * the transaction: every transaction that touches an account's two-step rows takes this lock
 * first, then the factor row, so they queue up and cannot deadlock. Returns the login, or
 * undefined when the account is gone.
 */
export async function lockAccount(trx: Kysely<Database>, dialect: DialectName, kind: AccountKind, id: string): Promise<{ login: string } | undefined> {
  if (kind === 'user') return lockUser(trx, dialect, id);
  return trx
    .selectFrom('admins')
    .select(['login'])
    .where('id', '=', id)
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
