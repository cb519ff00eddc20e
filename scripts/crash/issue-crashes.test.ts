import { describe, expect, it } from 'vitest';
import { describeIssueFigures, judgeUser, runIssueCrashes, type CredentialRow, type Snapshot, type UserRow } from './issue-crashes';

/**
 * The short version of `npm run crash:issue` (issue 12 point 9): the real `gatepass server`
 * (from source) killed with SIGKILL at 5 points spread over a batch issue, then started again:
 * every user is untouched or fully issued in the database, on SQLite and on PostgreSQL.
 */

const T0 = '2025-11-24T08:00:00.000Z';
const T1 = '2025-11-24T09:00:00.000Z';
const HASH_OLD = '$argon2id$v=19$m=7168,t=5,p=1$old$old';
const HASH_NEW = '$argon2id$v=19$m=7168,t=5,p=1$new$new';

function snap(user: Partial<UserRow>, creds: CredentialRow[], sessions: string[], audit: string[]): Snapshot {
  const row: UserRow = { id: 'u1', login: 'a.berg', password_hash: HASH_OLD, updated_at: T0, qr_issued_at: T0, sessions_active: 2, ...user };
  return {
    users: new Map([['u1', row]]),
    credentials: new Map([['u1', creds]]),
    sessions: new Map(sessions.length ? [['u1', sessions]] : []),
    issueAudit: new Map(audit.length ? [['a.berg', audit]] : []),
    maxAuditId: 10,
  };
}
const oldCred: CredentialRow = { id: 'c-old', user_id: 'u1', login: 'a.berg', issued_at: T0, expires_at: null, voided_at: null };
const newCred: CredentialRow = { id: 'c-new', user_id: 'u1', login: 'a.berg', issued_at: T1, expires_at: null, voided_at: null };
const before = snap({}, [oldCred], ['password:h1', 'qr:h2'], []);
const fullyIssued = () => snap({ password_hash: HASH_NEW, updated_at: T1, qr_issued_at: T1, sessions_active: 0 }, [{ ...oldCred, voided_at: T1 }, newCred], [], ['Password set, credential c-new issued, 2 session(s) ended']);

describe('judging a user after a crash', () => {
  it('calls the same state untouched and a whole re-issue issued', () => {
    expect(judgeUser('u1', before, before)).toEqual({ kind: 'untouched' });
    expect(judgeUser('u1', before, fullyIssued())).toEqual({ kind: 'issued', credentialId: 'c-new' });
  });

  it('calls every partial change half issued', () => {
    const issued = fullyIssued();
    const variants: Array<[string, Snapshot]> = [
      ['a new hash only', snap({ password_hash: HASH_NEW }, [oldCred], ['password:h1', 'qr:h2'], [])],
      ['the old credential still live', { ...issued, credentials: new Map([['u1', [oldCred, newCred]]]) }],
      ['a session left', { ...issued, sessions: new Map([['u1', ['password:h1']]]) }],
      ['no new credential', { ...issued, credentials: new Map([['u1', [{ ...oldCred, voided_at: T1 }]]]) }],
      ['no audit entry', { ...issued, issueAudit: new Map() }],
      ['the old hash kept', { ...issued, users: new Map([['u1', { ...issued.users.get('u1')!, password_hash: HASH_OLD }]]) }],
    ];
    for (const [what, after] of variants) expect(judgeUser('u1', before, after).kind, what).toBe('half');
  });
});

describe.each(['sqlite', 'postgres'] as const)('SIGKILL of the server during a batch issue on %s', (engine) => {
  it('at 5 points spread over the batch leaves every user untouched or fully issued', { timeout: 150_000 }, async () => {
    const users = 96;
    const seed = Math.floor(Math.random() * 2 ** 31);
    const figures = await runIssueCrashes({ engine, iterations: 5, users, seed, maxMs: 140_000, server: 'source', calibrations: 2 });
    const report = describeIssueFigures(figures).join('\n');
    expect(figures.problems, report).toEqual([]);
    expect(figures.iterations, report).toBe(5);
    expect(figures.totals.half, report).toBe(0);
    expect(figures.totals.issued + figures.totals.untouched, report).toBe(5 * users);
    expect(figures.acknowledgedIssued, report).toBe(figures.acknowledged);
    expect(figures.restarts, report).toBe(5);
    expect(figures.newPasswordSignins, report).toBe(figures.totals.issued);
    // Some kill landed mid-batch: part of the users issued, the rest untouched.
    expect(figures.issuedPerIteration.some((n) => n > 0 && n < users), report).toBe(true);
  });
});
