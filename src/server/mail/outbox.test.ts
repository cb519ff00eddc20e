import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type DbHandle } from '../db/connect';
import { migrateToLatest } from '../db/migrations';
import { eachBackend } from '../test-support/backends';
import {
  claimDue,
  deleteFinished,
  insertMail,
  markFailed,
  markRetry,
  markSent,
  prepareMail,
  releaseClaims,
  type MailDraft,
} from './outbox';
import { NO_SETTINGS, type MailSettings } from './settings';

const SETTINGS: MailSettings = { ...NO_SETTINGS, transport: 'smtp', from: 'Gatepass <gp@example.org>', smtp: { host: 'h', port: 25, security: 'none', user: '' } };
const T0 = new Date('2030-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function drafts(n: number, secret = 'no-secret'): MailDraft[] {
  return Array.from({ length: n }, (_, i) => ({
    to: `user${i}@example.org`,
    ref: `u${i}`,
    content: { subject: `Message ${i}`, html: `<p>${secret}</p>`, text: secret },
  }));
}

eachBackend('The mail outbox', (backend) => {
  const handles: DbHandle[] = [];
  let location: string;
  const open = () => {
    const h = openDatabase(location);
    handles.push(h);
    return h;
  };
  let main: DbHandle;

  beforeAll(async () => {
    location = await backend.freshDb();
    main = open();
    await migrateToLatest(main.db, main.dialect);
  });
  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  async function queue(n: number, now = T0, settings = SETTINGS, secret?: string) {
    const prepared = prepareMail(settings, drafts(n, secret));
    return main.db.transaction().execute((trx) => insertMail(trx, prepared, { kind: 'test', createdBy: 'admin', now, transport: settings.transport }));
  }

  const rows = (batchId: string) => main.db.selectFrom('mail_outbox').selectAll().where('batch_id', '=', batchId).orderBy('seq').execute();

  it('writes N rows for N messages, each with its own Message-ID, in the order given', async () => {
    const b = await queue(5);
    const r = await rows(b.batchId);
    expect(r.map((x) => x.ref)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(r.map((x) => x.status)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
    expect(new Set(r.map((x) => x.message_id)).size).toBe(5);
    expect(r.map((x) => x.message_id)).toEqual(b.messages.map((m) => m.messageId));
    for (const x of r) {
      expect(JSON.parse(x.content!)).toMatchObject({ from: { name: 'Gatepass', address: 'gp@example.org' }, to: { name: '', address: x.to_address }, subject: x.subject, inline: [] });
    }
    await main.db.updateTable('mail_outbox').set({ status: 'failed', content: null }).where('batch_id', '=', b.batchId).execute();
  });

  it('hands each due message to exactly one of many senders claiming at once', async () => {
    const b = await queue(240);
    const senders = Array.from({ length: 6 }, (_, i) => ({ id: `sender-${i}`, h: open() }));
    const claimed = new Map<string, string[]>();
    await Promise.all(
      senders.map(async (s) => {
        for (;;) {
          const got = await claimDue(s.h.db, s.h.dialect, { senderId: s.id, now: at(1000), leaseUntil: at(60_000), limit: 7 });
          if (got.length === 0) return;
          for (const g of got) claimed.set(g.id, [...(claimed.get(g.id) ?? []), s.id]);
        }
      }),
    );
    const ids = (await rows(b.batchId)).map((r) => r.id);
    expect([...claimed.keys()].sort()).toEqual([...ids].sort());
    expect([...claimed.values()].filter((who) => who.length > 1)).toEqual([]);
    const after = await rows(b.batchId);
    expect(after.every((r) => r.status === 'sending' && r.attempts === 1 && claimed.get(r.id)?.[0] === r.claimed_by)).toBe(true);
    await main.db.updateTable('mail_outbox').set({ status: 'failed', content: null }).where('batch_id', '=', b.batchId).execute();
  });

  it('claims at most the limit asked for, whatever join the planner picks', async () => {
    const b = await queue(300, at(0));
    const got = await main.db.connection().execute(async (conn) => {
      // PostgreSQL: force the plan that runs a subquery again per row (a nested loop); with
      // IN (... LIMIT n FOR UPDATE SKIP LOCKED) that took every due row in one claim.
      if (main.dialect === 'postgres') {
        await sql`set enable_hashjoin = off`.execute(conn);
        await sql`set enable_mergejoin = off`.execute(conn);
      }
      try {
        const first = await claimDue(conn, main.dialect, { senderId: 'A', now: at(1000), leaseUntil: at(2000), limit: 20 });
        // Their leases run out: reclaiming them is limited the same way.
        const again = await claimDue(conn, main.dialect, { senderId: 'B', now: at(3000), leaseUntil: at(60_000), limit: 7 });
        return { first, again };
      } finally {
        if (main.dialect === 'postgres') await sql`reset all`.execute(conn);
      }
    });
    expect(got.first).toHaveLength(20);
    expect(got.again).toHaveLength(7);
    expect(got.again.every((m) => got.first.some((f) => f.id === m.id) && m.attempts === 2)).toBe(true);
    const states = await rows(b.batchId);
    expect(states.filter((r) => r.status === 'sending')).toHaveLength(20);
    await main.db.updateTable('mail_outbox').set({ status: 'failed', content: null }).where('batch_id', '=', b.batchId).execute();
  });

  it('lets another sender reclaim a message whose lease ran out, and fences off the first one', async () => {
    const b = await queue(1, at(0));
    const other = open();
    const [first] = await claimDue(main.db, main.dialect, { senderId: 'A', now: at(10), leaseUntil: at(1000), limit: 10 });
    expect(first?.attempts).toBe(1);
    // Within the lease, nocontent else gets it.
    expect(await claimDue(other.db, other.dialect, { senderId: 'B', now: at(999), leaseUntil: at(5000), limit: 10 })).toEqual([]);
    const [again] = await claimDue(other.db, other.dialect, { senderId: 'B', now: at(1000), leaseUntil: at(5000), limit: 10 });
    expect(again).toMatchObject({ id: first!.id, messageId: first!.messageId, attempts: 2 });
    expect(again?.content).toBe(first?.content);
    // A, back from its pause, can no longer record anything for this message.
    expect(await markSent(main.db, 'A', [{ id: first!.id, attempts: 1, reply: '250 late' }], at(1100))).toBe(0);
    expect(await markRetry(main.db, 'A', first!, at(2000), '451 late')).toBe(false);
    expect(await markFailed(main.db, 'A', first!, 'rejected', '550 late', at(1100))).toBe(false);
    expect(await markSent(other.db, 'B', [{ id: again!.id, attempts: 2, reply: '250 2.0.0 Ok: queued as 7F' }], at(1200))).toBe(1);
    const [row] = await rows(b.batchId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, sent_reply: '250 2.0.0 Ok: queued as 7F', content: null, claimed_by: 'B', sent_at: at(1200).toISOString() });
  });

  it('records a group of sent messages at once, each with its own reply, and only those the sender still holds', async () => {
    const b = await queue(4, at(0));
    const claimed = await claimDue(main.db, main.dialect, { senderId: 'A', now: at(1), leaseUntil: at(1000), limit: 4 });
    expect(claimed).toHaveLength(4);
    const [m1, m2, m3, m4] = claimed;
    // m4's lease ran out and B took it: A's late record of it must not count.
    const other = open();
    await main.db.updateTable('mail_outbox').set({ claimed_until: at(1).toISOString() }).where('id', '=', m4!.id).execute();
    const [taken] = await claimDue(other.db, other.dialect, { senderId: 'B', now: at(2), leaseUntil: at(5000), limit: 1 });
    expect(taken?.id).toBe(m4!.id);
    const group = [m1!, m2!, m3!, m4!].map((m, i) => ({ id: m.id, attempts: m.attempts, reply: `250 2.0.0 Ok: queued as Q${i}` }));
    expect(await markSent(main.db, 'A', group, at(3))).toBe(3);
    const byId = new Map((await rows(b.batchId)).map((r) => [r.id, r]));
    for (const [i, m] of [m1!, m2!, m3!].entries()) {
      expect(byId.get(m.id)).toMatchObject({ status: 'sent', sent_reply: `250 2.0.0 Ok: queued as Q${i}`, content: null, claimed_by: 'A', sent_at: at(3).toISOString() });
    }
    expect(byId.get(m4!.id)).toMatchObject({ status: 'sending', claimed_by: 'B', attempts: 2, sent_reply: null });
    expect(byId.get(m4!.id)?.content).not.toBeNull();
    await main.db.updateTable('mail_outbox').set({ status: 'failed', content: null }).where('batch_id', '=', b.batchId).execute();
  });

  it('keeps the content for a retry and drops it when the message is finished, sent or failed', async () => {
    const b = await queue(3, at(0), SETTINGS, 'CODE-7Q2X-SECRET');
    const [m1, m2, m3] = await claimDue(main.db, main.dialect, { senderId: 'A', now: at(5), leaseUntil: at(60_000), limit: 3 });
    expect(await markRetry(main.db, 'A', m1!, at(30_000), '451 4.3.0 Try again later')).toBe(true);
    expect(await markFailed(main.db, 'A', m2!, 'rejected', '550 5.1.1 No such user', at(6))).toBe(true);
    expect(await markSent(main.db, 'A', [{ id: m3!.id, attempts: 1, reply: '250 ok' }], at(7))).toBe(1);
    const byId = new Map((await rows(b.batchId)).map((r) => [r.id, r]));
    expect(byId.get(m1!.id)).toMatchObject({ status: 'queued', next_attempt_at: at(30_000).toISOString(), last_error: '451 4.3.0 Try again later', claimed_by: null });
    expect(byId.get(m1!.id)?.content).toContain('CODE-7Q2X-SECRET');
    expect(byId.get(m2!.id)).toMatchObject({ status: 'failed', failure: 'rejected', last_error: '550 5.1.1 No such user', content: null });
    expect(byId.get(m3!.id)).toMatchObject({ status: 'sent', content: null });
    // The retry is not due before its time.
    expect(await claimDue(main.db, main.dialect, { senderId: 'A', now: at(29_999), leaseUntil: at(90_000), limit: 10 })).toEqual([]);
    const [retry] = await claimDue(main.db, main.dialect, { senderId: 'A', now: at(30_000), leaseUntil: at(90_000), limit: 10 });
    expect(retry).toMatchObject({ id: m1!.id, attempts: 2 });
    // A clean stop gives it back without counting the claim.
    await releaseClaims(main.db, 'A', [retry!]);
    expect((await rows(b.batchId)).find((r) => r.id === m1!.id)).toMatchObject({ status: 'queued', attempts: 1, claimed_by: null });
    await main.db.updateTable('mail_outbox').set({ status: 'failed', content: null }).where('batch_id', '=', b.batchId).execute();
  });

  it('writes messages queued while no transport is set as not sent, without their bodies', async () => {
    const b = await queue(2, at(0), NO_SETTINGS, 'CODE-NO-TRANSPORT');
    const r = await rows(b.batchId);
    expect(r.map((x) => [x.status, x.failure, x.last_error, x.content])).toEqual([
      ['failed', 'no_transport', 'not sent: no mail transport configured', null],
      ['failed', 'no_transport', 'not sent: no mail transport configured', null],
    ]);
    expect(await claimDue(main.db, main.dialect, { senderId: 'A', now: at(100_000), leaseUntil: at(200_000), limit: 10 })).toEqual([]);
  });

  it('inserts all of a batch or none of it', async () => {
    const prepared = prepareMail(SETTINGS, drafts(3));
    prepared[2]!.messageId = prepared[0]!.messageId; // a duplicate Message-ID: the unique index refuses the batch
    const before = await main.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    await expect(main.db.transaction().execute((trx) => insertMail(trx, prepared, { kind: 'test', createdBy: 'admin', now: T0, transport: 'smtp' }))).rejects.toThrow();
    const after = await main.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('deletes batches after the retention period once all their messages are finished, with their messages', async () => {
    const done = await queue(2, at(0));
    const pending = await queue(2, at(0));
    const claimed = await claimDue(main.db, main.dialect, { senderId: 'A', now: at(1), leaseUntil: at(60_000), limit: 100 });
    const of = (b: typeof done) => claimed.filter((c) => b.messages.some((m) => m.id === c.id)).map((c) => ({ id: c.id, attempts: c.attempts, reply: '250' }));
    expect(of(done)).toHaveLength(2);
    await markSent(main.db, 'A', of(done), at(2));
    await markSent(main.db, 'A', of(pending).slice(0, 1), at(2));
    // Created at T0: a cut just after it covers both; only the batch with nothing left to send goes.
    await deleteFinished(main.db, at(3));
    expect(await rows(done.batchId)).toEqual([]);
    expect(await main.db.selectFrom('mail_batches').select('id').where('id', '=', done.batchId).executeTakeFirst()).toBeUndefined();
    expect((await rows(pending.batchId)).map((r) => r.status).sort()).toEqual(['sending', 'sent']);
    // A cut before they were queued deletes nothing.
    await main.db.updateTable('mail_outbox').set({ status: 'failed', content: null }).where('batch_id', '=', pending.batchId).execute();
    await deleteFinished(main.db, at(-1));
    expect(await rows(pending.batchId)).toHaveLength(2);
  });
});
