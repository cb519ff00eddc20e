import { sql, type Kysely } from 'kysely';
import { GatepassError } from '../../shared/errors';
import type { Database } from '../db/schema';
import { isoAfter, type ServiceContext } from '../context';
import { requestSource } from '../http/request-context';

/**
 * Limits on password (and device credential) sign-ins, decided in the database so every
 * replica sees one count, and shaped so that nobody can keep an account locked out:
 *
 * - per source and login: 5 free tries, then each try waits twice as long as the last (1 s,
 *   2 s, ... up to 15 minutes): a guesser at one address slows to a crawl;
 * - per source: 30 free tries across all logins, then the same growth: one address trying
 *   many logins is slowed too (an hour without failures starts it again);
 * - per login from sources it has never signed in from: 20 free tries, then up to 5 minutes
 *   between tries: a botnet spread over many addresses is slowed, while the account's owner,
 *   from an address they signed in from before (30 days), is not held up by it at all: from
 *   such an address only the count of that address and login applies.
 *
 * Nothing is a hard block that only time or an administrator lifts; the server's operator can
 * still clear a login's counts at once (`gatepass admin unlock`). A try is charged BEFORE the
 * password is checked, in one transaction with the rows locked, so parallel copies of a
 * request cannot all slip in before the first failure is counted; a right password then gives
 * the charge back. (NIST SP 800-63B §5.2.2; OWASP's authentication cheat sheet.)
 */

/** What is being signed in to. */
export type ThrottleScope = 'admin' | 'user' | 'qr';

interface Rule {
  /** Tries charged without any wait. */
  free: number;
  /** The longest wait between two tries. */
  capMs: number;
  /** A count nobody charged for this long starts again from 0 (a day's typos do not pile up). */
  resetMs: number;
}

const SOURCE_AND_LOGIN: Rule = { free: 5, capMs: 15 * 60_000, resetMs: 86_400_000 };
/** An office behind one NAT shares this count: it starts again after an hour without failures. */
const SOURCE: Rule = { free: 30, capMs: 15 * 60_000, resetMs: 3_600_000 };
const LOGIN_FROM_NEW_SOURCES: Rule = { free: 20, capMs: 5 * 60_000, resetMs: 86_400_000 };
/** How long an address that signed in stays one the login is known from. */
export const KNOWN_SOURCE_MS = 30 * 86_400_000;

/** The wait after the `n`-th try charged to a bucket with `rule`. */
export function delayAfter(n: number, rule: Rule): number {
  return n < rule.free ? 0 : Math.min(2 ** (n - rule.free) * 1000, rule.capMs);
}

/** How the limits name a login: NFC, trimmed, any case (`Admin`, ` admin` and `ADMIN` are one). */
export function loginKeyOf(login: string): string {
  return login.normalize('NFC').trim().toLowerCase();
}

/** One sign-in try, for its buckets. `source` defaults to the current request's address. */
export interface Attempt {
  scope: ThrottleScope;
  login: string;
  source?: string | null;
}

interface Bucket {
  key: string;
  rule: Rule;
  /** The login the bucket holds back, so an unlock finds every bucket of it; null for a source's own. */
  login: string | null;
}

/**
 * The counts one try is charged to. From an address the login signed in from before, only the
 * count of that address and login: neither a botnet guessing the login elsewhere nor a guesser
 * spraying other logins from the same address (an office behind one NAT) holds the owner back.
 */
function bucketsOf(a: Attempt, source: string | null, known: boolean): Bucket[] {
  const login = loginKeyOf(a.login);
  const out: Bucket[] = [];
  if (source) out.push({ key: `${a.scope}|src-login|${source}|${login}`, rule: SOURCE_AND_LOGIN, login });
  if (source && !known) out.push({ key: `src|${source}`, rule: SOURCE, login: null });
  if (!known) out.push({ key: `${a.scope}|login|${login}`, rule: LOGIN_FROM_NEW_SOURCES, login });
  return out;
}

/** A charged try, for {@link attemptSucceeded}: what it was charged to. */
export interface Reservation {
  scope: ThrottleScope;
  login: string;
  source: string | null;
  /** The address's own count was charged (the login was not known from it). */
  sourceCharged: boolean;
}

/**
 * Charges one try to each of its buckets, or refuses with RATE_LIMITED (and how long to wait,
 * in `details.retryAfterSeconds`) when any of them is still waiting; a refused try charges
 * nothing. Call before checking the password; call {@link attemptSucceeded} when it was right.
 */
export async function reserveAttempt(ctx: ServiceContext, a: Attempt): Promise<Reservation> {
  const source = a.source === undefined ? requestSource() : a.source;
  const now = ctx.now();
  const nowIso = now.toISOString();
  const login = loginKeyOf(a.login);
  const known =
    source !== null &&
    (await ctx.db
      .selectFrom('signin_known_sources')
      .select('source')
      .where('scope', '=', a.scope)
      .where('login_key', '=', login)
      .where('source', '=', source)
      .where('last_success_at', '>', isoAfter(now, -KNOWN_SOURCE_MS))
      .executeTakeFirst()) !== undefined;
  // Sorted: every transaction takes the rows' locks in one order, so two never wait on each other.
  const buckets = bucketsOf(a, source, known).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const reservation: Reservation = { scope: a.scope, login: a.login, source, sourceCharged: source !== null && !known };
  if (buckets.length === 0) return reservation;
  const waitMs = await ctx.db.transaction().execute(async (trx) => {
    // Every bucket row exists before it is locked, so the lock is taken on PostgreSQL too.
    await trx
      .insertInto('signin_throttle')
      .values(buckets.map((b) => ({ bucket: b.key, scope: b.login === null ? null : a.scope, login_key: b.login, failures: 0, next_at: '', updated_at: nowIso })))
      .onConflict((oc) => oc.column('bucket').doNothing())
      .execute();
    const rows = await trx
      .selectFrom('signin_throttle')
      .select(['bucket', 'failures', 'next_at', 'updated_at'])
      .where('bucket', 'in', buckets.map((b) => b.key))
      .orderBy('bucket')
      .$if(ctx.dialect === 'postgres', (qb) => qb.forUpdate())
      .execute();
    const byKey = new Map(rows.map((r) => [r.bucket, r]));
    let wait = 0;
    for (const b of buckets) {
      const next = byKey.get(b.key)?.next_at ?? '';
      if (next > nowIso) wait = Math.max(wait, new Date(next).getTime() - now.getTime());
    }
    if (wait > 0) return wait;
    for (const b of buckets) {
      const row = byKey.get(b.key);
      const stale = !row || row.updated_at < isoAfter(now, -b.rule.resetMs);
      const n = (stale ? 0 : row.failures) + 1;
      const delay = delayAfter(n, b.rule);
      await trx
        .updateTable('signin_throttle')
        .set({ failures: n, next_at: delay > 0 ? isoAfter(now, delay) : '', updated_at: nowIso })
        .where('bucket', '=', b.key)
        .execute();
    }
    return 0;
  });
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new GatepassError('RATE_LIMITED', `Too many failed sign-ins: try again in ${seconds} second${seconds === 1 ? '' : 's'}`, { retryAfterSeconds: seconds });
  }
  return reservation;
}

/**
 * A right password: its login's counts start again (from this source, and from new sources),
 * the source's own count gets this try back (when it was charged), and the source is remembered
 * as one the login is known from.
 */
export async function attemptSucceeded(ctx: ServiceContext, r: Reservation): Promise<void> {
  const { source } = r;
  const login = loginKeyOf(r.login);
  const nowIso = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const clear = [`${r.scope}|login|${login}`, ...(source ? [`${r.scope}|src-login|${source}|${login}`] : [])];
    const refund = source && r.sourceCharged ? [`src|${source}`] : [];
    // The rows' locks in the order reserveAttempt takes them (by bucket), so the two cannot deadlock.
    if (ctx.dialect === 'postgres') {
      await trx
        .selectFrom('signin_throttle')
        .select('bucket')
        .where('bucket', 'in', [...clear, ...refund])
        .orderBy('bucket')
        .forUpdate()
        .execute();
    }
    await trx.deleteFrom('signin_throttle').where('bucket', 'in', clear).execute();
    if (!source) return;
    if (refund.length > 0) {
      await trx
        .updateTable('signin_throttle')
        .set({ failures: sql<number>`case when failures > 0 then failures - 1 else 0 end` })
        .where('bucket', 'in', refund)
        .execute();
    }
    await trx
      .insertInto('signin_known_sources')
      .values({ scope: r.scope, login_key: login, source, last_success_at: nowIso })
      .onConflict((oc) => oc.columns(['scope', 'login_key', 'source']).doUpdateSet({ last_success_at: nowIso }))
      .execute();
  });
}

/** Clears every count that holds a login back (the operator's `gatepass admin unlock`); returns how many. */
export async function unlockLogin(db: Kysely<Database>, scope: ThrottleScope, login: string): Promise<number> {
  const res = await db.deleteFrom('signin_throttle').where('scope', '=', scope).where('login_key', '=', loginKeyOf(login)).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Drops counts nobody has charged for a day (they would have run out anyway) and stale known sources. */
export async function sweepThrottle(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('signin_throttle').where('updated_at', '<', isoAfter(now, -86_400_000)).execute();
  await db.deleteFrom('signin_known_sources').where('last_success_at', '<', isoAfter(now, -KNOWN_SOURCE_MS)).execute();
}
