import pMap from 'p-map';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import type { IssueBatchResultSchema, IssueBatchSchema, IssueResultSchema } from '../../../shared/api/qr-credentials';
import { describeViolations, type PasswordPolicy } from '../../../shared/model/password-policy';
import type { Database } from '../../db/schema';
import { newCredential, sha256Hex } from '../../security/tokens';
import { recordAuditMany } from '../audit/service';
import { isoAfter, type AdminCaller, type ServiceContext } from '../../context';
import { getPolicy, policyViolations } from '../policy/service';

const DAY_MS = 24 * 60 * 60 * 1000;

type IssueResult = z.output<typeof IssueResultSchema>;

/**
 * Voids every live QR credential of a user and ends the device sessions they started (a
 * voided card must not leave a device signed in for the rest of its 30 days); call inside the
 * transaction that changes the user, after locking the user's row (lockUser): every writer
 * locks user -> credential, in that order. Password sessions are the caller's to decide.
 */
export async function voidCredentials(trx: Kysely<Database>, userId: string, now: Date): Promise<{ voided: number; sessionsEnded: number }> {
  const res = await trx
    .updateTable('qr_credentials')
    .set({ voided_at: now.toISOString() })
    .where('user_id', '=', userId)
    .where('voided_at', 'is', null)
    .executeTakeFirst();
  const ended = await trx.deleteFrom('user_sessions').where('user_id', '=', userId).where('method', '=', 'qr').executeTakeFirst();
  await trx
    .updateTable('users')
    .set((eb) => ({
      qr_issued_at: '',
      // What is left: password sessions that have not expired.
      sessions_active: eb
        .selectFrom('user_sessions as s')
        .select((s) => s.fn.countAll<number>().as('n'))
        .whereRef('s.user_id', '=', 'users.id')
        .where('s.expires_at', '>', now.toISOString()),
    }))
    .where('id', '=', userId)
    .execute();
  return { voided: Number(res.numUpdatedRows), sessionsEnded: Number(ended.numDeletedRows) };
}

/** A user whose new password passed the policy and has been hashed, waiting to be written. */
interface Hashed {
  index: number;
  userId: string;
  login: string;
  password: string;
  hash: string;
}

/** Users written per transaction: few enough that a lock is short, enough to amortise a commit. */
const WRITE_GROUP = 32;

/**
 * The core job: for each user, set the new password (policy permitting), void their old
 * credentials, issue a new one and end their sessions, so a user is either fully re-issued
 * or untouched. The password hash is the only cost that must be paid (issue 4: issuing is
 * bound by it), so hashing is pipelined on every core while the database writes run
 * beside it in groups: one transaction per group, falling back to one per user if a group
 * fails, so one bad row never costs the others. An unknown user or a policy failure is
 * that item's result, not the batch's.
 */
export async function issueQrBatch(
  ctx: ServiceContext,
  caller: AdminCaller,
  input: z.output<typeof IssueBatchSchema>,
): Promise<z.output<typeof IssueBatchResultSchema>> {
  const policy = await getPolicy(ctx.db);
  const ids = [...new Set(input.items.map((i) => i.userId))];
  const logins = new Map<string, string>();
  // Chunked so 10,000 ids stay under every engine's bound-parameter limit.
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.db.selectFrom('users').select(['id', 'login']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) logins.set(r.id, r.login);
  }
  // The same user twice would leave the earlier credential voided by the later one: refuse the repeats.
  const lastIndex = new Map<string, number>();
  input.items.forEach((item, i) => lastIndex.set(item.userId, i));

  const results = new Array<IssueResult>(input.items.length);
  const toHash: Omit<Hashed, 'hash'>[] = [];
  input.items.forEach((item, index) => {
    const login = logins.get(item.userId) ?? null;
    if (login === null) results[index] = { ok: false, userId: item.userId, login: null, code: 'NOT_FOUND', message: 'No such user' };
    else if (lastIndex.get(item.userId) !== index)
      results[index] = { ok: false, userId: item.userId, login, code: 'VALIDATION_FAILED', message: 'This user is listed more than once in the batch' };
    else results[index] = policyFailure(item.userId, login, item.password, policy) ?? (toHash.push({ index, userId: item.userId, login, password: item.password }), undefined as never);
  });

  // Writes are chained so they run one group at a time, beside the hashing.
  let pending: Hashed[] = [];
  let writes: Promise<void> = Promise.resolve();
  const flush = () => {
    const group = pending;
    pending = [];
    if (group.length === 0) return writes;
    writes = writes.then(async () => {
      for (const [index, result] of await writeGroup(ctx, caller, policy, group, input.validDays)) results[index] = result;
    });
    return writes;
  };
  // One more hash in flight than cores, so a core never idles while the main thread writes; the
  // hash gate (security/hash-gate.ts) holds them to its slots and gives sign-ins their turns.
  await pMap(
    toHash,
    async (item) => {
      // Batch class: never refused for a busy server, and it leaves sign-ins half the slots.
      const hash = await ctx.hasher.hash(item.password, 'batch');
      pending.push({ ...item, hash });
      if (pending.length >= WRITE_GROUP) void flush();
    },
    { concurrency: ctx.hashConcurrency + 1 },
  );
  await flush();
  // Refused users are audited too: a broken code and its reason are part of the record.
  const refused = results.filter((r): r is Extract<IssueResult, { ok: false }> => !r.ok);
  await recordAuditMany(
    ctx.db,
    ctx.now(),
    refused.map((r) => ({ actor: caller.login, action: 'qr.issue_failed' as const, target: r.login ?? r.userId, detail: `${r.code}: ${r.message}` })),
  );
  return { results };
}

function policyFailure(userId: string, login: string, password: string, policy: PasswordPolicy): IssueResult | null {
  const violations = policyViolations(password, policy, login);
  return violations.length === 0
    ? null
    : { ok: false, userId, login, code: 'POLICY_VIOLATION', message: describeViolations(violations), details: violations };
}

/** Writes a group in one transaction; if that fails, each user in a transaction of their own. */
async function writeGroup(
  ctx: ServiceContext,
  caller: AdminCaller,
  policy: PasswordPolicy,
  group: Hashed[],
  validDays: number | undefined,
): Promise<[number, IssueResult][]> {
  // A fixed lock order (by id) so two replicas issuing overlapping groups cannot deadlock.
  const ordered = [...group].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  try {
    return await ctx.db.transaction().execute((trx) => issueGroup(trx, ctx, caller, policy, ordered, validDays));
  } catch {
    // Why: a failure in one user's rows must not cost the rest of the group.
    const out: [number, IssueResult][] = [];
    for (const item of ordered) {
      try {
        out.push(...(await ctx.db.transaction().execute((trx) => issueGroup(trx, ctx, caller, policy, [item], validDays))));
      } catch {
        out.push([item.index, { ok: false, userId: item.userId, login: item.login, code: 'INTERNAL', message: 'Could not save this user; nothing was changed' }]);
      }
    }
    return out;
  }
}

/**
 * Re-issues a group of users inside the caller's transaction with one statement per step
 * for the whole group (lock, void, end sessions, insert credentials, set hashes, audit), so
 * the database costs a few statements per group rather than six per user. Each user still
 * changes completely or not at all, since the transaction covers them all.
 */
async function issueGroup(
  trx: Kysely<Database>,
  ctx: ServiceContext,
  caller: AdminCaller,
  policy: PasswordPolicy,
  group: Hashed[],
  validDays: number | undefined,
): Promise<[number, IssueResult][]> {
  const out: [number, IssueResult][] = [];
  // Lock the users' rows on PostgreSQL so two replicas issuing for one user queue up (SQLite
  // has a single writer already), and a QR sign-in (which locks its user first too) waits for
  // us or we for it. NO KEY UPDATE, not UPDATE: it still lets other transactions take the
  // KEY SHARE lock a foreign key to the user needs.
  const rows = await trx
    .selectFrom('users')
    .select(['id', 'login'])
    .where('id', 'in', group.map((g) => g.userId))
    .orderBy('id')
    .$if(ctx.dialect === 'postgres', (qb) => qb.forNoKeyUpdate())
    .execute();
  const current = new Map(rows.map((r) => [r.id, r.login]));
  const live: Array<{ item: Hashed; login: string }> = [];
  for (const item of group) {
    const login = current.get(item.userId);
    if (login === undefined) {
      out.push([item.index, { ok: false, userId: item.userId, login: item.login, code: 'NOT_FOUND', message: 'No such user' }]);
      continue;
    }
    // Renamed since the policy check: the new login may be inside the password.
    const late = login === item.login ? null : policyFailure(item.userId, login, item.password, policy);
    if (late) out.push([item.index, late]);
    else live.push({ item, login });
  }
  if (live.length === 0) return out;

  const now = ctx.now();
  const nowIso = now.toISOString();
  const ids = live.map((l) => l.item.userId);
  // Void first, then end sessions: a QR sign-in racing with us locks the credential row,
  // so by the time our delete runs its session is committed and gets deleted too.
  await trx.updateTable('qr_credentials').set({ voided_at: nowIso }).where('user_id', 'in', ids).where('voided_at', 'is', null).execute();
  const ended = await trx.deleteFrom('user_sessions').where('user_id', 'in', ids).returning('user_id').execute();
  const endedBy = new Map<string, number>();
  for (const e of ended) endedBy.set(e.user_id, (endedBy.get(e.user_id) ?? 0) + 1);
  const expiresAt = validDays === undefined ? null : isoAfter(now, validDays * DAY_MS);
  const issued = live.map((l) => ({ ...l, cred: newCredential() }));
  await trx
    .insertInto('qr_credentials')
    .values(issued.map(({ item, login, cred }) => ({ id: cred.id, user_id: item.userId, login, secret_hash: sha256Hex(cred.secret), issued_at: nowIso, expires_at: expiresAt, voided_at: null })))
    .execute();
  // Each user's own hash, in one statement: CASE id WHEN ... THEN ... END.
  const hashFor = sql<string>`case id ${sql.join(
    issued.map(({ item }) => sql`when ${item.userId} then ${item.hash}`),
    sql` `,
  )} end`;
  // Their sessions were all just ended; their live code is the one issued now.
  await trx
    .updateTable('users')
    .set({ password_hash: hashFor, updated_at: nowIso, qr_issued_at: nowIso, sessions_active: 0 })
    .where('id', 'in', ids)
    .execute();
  await recordAuditMany(
    trx,
    now,
    issued.map(({ item, login, cred }) => ({
      actor: caller.login,
      action: 'qr.issue' as const,
      target: login,
      // The credential id is public (the secret is not); it ties a printed code to this entry.
      detail: `Password set, credential ${cred.id} issued${expiresAt ? ` until ${expiresAt}` : ''}, ${endedBy.get(item.userId) ?? 0} session(s) ended`,
    })),
  );
  for (const { item, login, cred } of issued) {
    const sessionsEnded = endedBy.get(item.userId) ?? 0;
    out.push([
      item.index,
      { ok: true, userId: item.userId, issued: { userId: item.userId, login, credential: cred.credential, issuedAt: nowIso, expiresAt, sessionsEnded } },
    ]);
  }
  return out;
}
