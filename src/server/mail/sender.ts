import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { DialectName } from '../db/connect';
import { decodeStored, type ComposeInput } from './compose';
import type { Database } from '../db/schema';
import {
  claimDue,
  deleteFinished,
  failUnsendable,
  IS_QUEUED,
  IS_SENDING,
  markFailed,
  markRetry,
  markSent,
  releaseClaims,
  renewLeases,
  type ClaimedMail,
  type SentOutcome,
} from './outbox';
import { DEFAULT_RETRY, nextAttemptAt, type RetryPolicy } from './retry';
import type { SecretBox } from '../security/secret-box';
import { loadTransportConfig, type TransportConfig } from './settings';
import { createTransport, SendError, type MailTransport, type TransportOptions } from './transports';

/**
 * The sender of one server process (docs/mail.md, "Message-ID, crashes and duplicates"). It claims due outbox rows with
 * a lease, hands them to the transport, and records each outcome. A slot (a pool connection)
 * is held from the moment a message goes to the transport until its outcome is committed,
 * so at any instant at most `concurrency` messages (the pool size) have been accepted by the
 * relay without being recorded as sent: that bounds what a crash can send twice.
 */

/** Timings and limits; production uses the defaults, tests shorten them. */
export interface SenderOptions {
  /** How often an idle sender looks for due messages (a local queueing wakes it at once). */
  pollMs?: number;
  /** How long a claim holds; renewed every quarter of it while the message waits or sends. */
  leaseMs?: number;
  retry?: RetryPolicy;
  /** Batches whose messages are all finished are deleted this long after they were queued: the report's retention. */
  retentionMs?: number;
  transport?: TransportOptions;
  /** How long a clean stop lets messages in flight finish (default 10 s). */
  stopGraceMs?: number;
}

export const DEFAULT_POLL_MS = 1000;
/** Long enough for a slow relay (the lease is renewed anyway), short enough that a crashed replica's messages go out within seconds. */
export const DEFAULT_LEASE_MS = 20_000;
export const DEFAULT_RETENTION_MS = 90 * 24 * 3600_000;
/** A clean stop (SIGTERM) waits this long for messages in flight, then gives them back to the lease. */
export const DEFAULT_STOP_GRACE_MS = 10_000;
/** Claims ahead of free slots, so a slot never waits for a claim round trip. */
const PREFETCH = 4;
/** Expired leases are looked for this many times per lease length. */
const RECLAIM_EVERY = 4;
/** Attempts to record a sent message while the database is unreachable, before leaving it to the lease. */
const RECORD_TRIES = 5;

/** The running sender. */
export interface MailSender {
  /** `<host>/<pid>/<random>`: what `claimed_by` says for this process's claims. */
  readonly id: string;
  /** Look for due messages now (after queueing, or after a settings change). */
  wake(options?: { settingsChanged?: boolean }): void;
  /** Resolves when nothing is claimed, in flight or due, or nothing can be sent now (tests, benchmarks). */
  idle(): Promise<void>;
  /** Stops claiming, lets messages in flight finish (up to `graceMs`), gives back the rest, closes the transport. */
  stop(graceMs?: number): Promise<void>;
}

function configKey(c: TransportConfig): string {
  // A digest, so the password is not kept in a second place in memory.
  return createHash('sha256').update(JSON.stringify(c)).digest('hex');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts the sender of this process. */
export function startMailSender(deps: {
  db: Kysely<Database>;
  dialect: DialectName;
  now(): Date;
  log(line: string): void;
  /** Opens the stored SMTP password. */
  secrets: SecretBox | null;
  options?: SenderOptions;
}): MailSender {
  const { db, dialect, log } = deps;
  const o = deps.options ?? {};
  const pollMs = o.pollMs ?? DEFAULT_POLL_MS;
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const retry = o.retry ?? DEFAULT_RETRY;
  const retentionMs = o.retentionMs ?? DEFAULT_RETENTION_MS;
  const id = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

  let transport: MailTransport | null = null;
  let transportKey = configKey({ kind: 'none' });
  /** Why the chosen transport cannot be used here, or null. */
  let unavailable: string | null = null;
  let configCheckedAt = 0;
  let swapTo: { key: string; config: TransportConfig } | null = null;

  /** Claimed and not yet handed to the transport. */
  const waiting: ClaimedMail[] = [];
  /** Every claim this sender holds: id -> attempt number and lease end (ms). */
  const held = new Map<string, { attempts: number; until: number }>();
  let inFlight = 0;
  let stopping = false;
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;
  let lastSweep = 0;
  let lastReclaim = 0;

  const say = (line: string) => log(`Gatepass mail: ${line}`);
  const problem = (what: string, err: unknown) => say(`${what}: ${err instanceof Error ? err.message : String(err)}`);

  async function refreshTransport(force: boolean): Promise<void> {
    const t = Date.now();
    if (!force && t - configCheckedAt < pollMs) return;
    configCheckedAt = t;
    const config = await loadTransportConfig(db, deps.secrets);
    const key = configKey(config);
    if (key === transportKey && !swapTo) return;
    swapTo = key === transportKey ? null : { key, config };
  }

  /** Changes transport once nothing is in flight on the old one, so the pool bound holds across the change. */
  async function swapIfQuiet(): Promise<void> {
    if (!swapTo || inFlight > 0) return;
    const next = swapTo;
    swapTo = null;
    const old = transport;
    transport = createTransport(next.config, o.transport);
    transportKey = next.key;
    unavailable = next.config.kind === 'unavailable' ? next.config.reason : null;
    if (!transport && waiting.length > 0) {
      // No way to send them now: give them back, so they are reported as not sent.
      const unsent = waiting.splice(0);
      for (const m of unsent) held.delete(m.id);
      await releaseClaims(db, id, unsent);
    }
    if (old) await old.close().catch((err: unknown) => problem('closing the previous transport failed', err));
    say(
      transport
        ? `sending through ${transport.description}`
        : unavailable
          ? `not sending, messages stay queued: ${unavailable}`
          : 'no mail transport configured: queued messages are reported as not sent',
    );
  }

  async function pumpOnce(): Promise<void> {
    const now = deps.now();
    await swapIfQuiet();
    if (now.getTime() - lastSweep > 3600_000) {
      lastSweep = now.getTime();
      const n = await deleteFinished(db, new Date(now.getTime() - retentionMs));
      if (n > 0) say(`deleted ${n} messages of batches older than ${Math.round(retentionMs / 86_400_000)} days`);
    }
    if (!transport) {
      // SMTP chosen but unusable here (its password does not open): keep the messages queued.
      if (!swapTo && held.size === 0 && !unavailable) {
        const n = await failUnsendable(db, now);
        if (n > 0) say(`${n} queued messages not sent: no mail transport configured`);
      }
      return;
    }
    if (swapTo) return;
    const slots = transport.concurrency;
    if (waiting.length < slots) {
      const want = slots * PREFETCH - waiting.length;
      // Expired leases are rare (a crashed replica): looked for at most every RECLAIM_EVERY of the lease.
      const reclaim = now.getTime() - lastReclaim >= leaseMs / RECLAIM_EVERY;
      if (reclaim) lastReclaim = now.getTime();
      const claimed = await claimDue(db, dialect, { senderId: id, now, leaseUntil: new Date(now.getTime() + leaseMs), limit: want, reclaim, holding: [...held.keys()] });
      const until = now.getTime() + leaseMs;
      for (const c of claimed) {
        held.set(c.id, { attempts: c.attempts, until });
        waiting.push(c);
      }
      if (claimed.length === want) pumpAgain = true;
    }
    startWaiting();
  }

  function startWaiting(): void {
    while (transport && !swapTo && !stopping && inFlight < transport.concurrency && waiting.length > 0) {
      const m = waiting.shift()!;
      const lease = held.get(m.id);
      // A claim whose renewals failed may already be someone else's: leave it to them.
      if (!lease || lease.until - deps.now().getTime() < leaseMs / 2) {
        held.delete(m.id);
        continue;
      }
      inFlight++;
      void handle(transport, m).finally(() => {
        held.delete(m.id);
        inFlight--;
        pump();
      });
    }
  }

  async function handle(t: MailTransport, m: ClaimedMail): Promise<void> {
    const now = deps.now();
    try {
      if (m.expiresAt !== null && m.expiresAt <= now.toISOString()) {
        await markFailed(db, id, m, 'expired', `valid until ${m.expiresAt}`, now);
        return;
      }
      let input: ComposeInput;
      try {
        if (m.content === null) throw new Error('missing');
        input = decodeStored({ id: m.id, messageId: m.messageId, createdAt: m.createdAt, stored: m.content }, deps.secrets);
      } catch {
        // A row changed outside the server, or sealed with a key this server lacks; said without echoing it (it may hold a code).
        await markFailed(db, id, m, 'rejected', "the stored message is missing, damaged, or sealed with a key this server's secret keys do not include", now);
        return;
      }
      let reply: string;
      try {
        reply = await t.send({ input, envelope: { from: m.from, to: m.to }, createdAt: m.createdAt });
      } catch (err) {
        await recordFailure(m, err instanceof SendError ? err : new SendError(true, err instanceof Error ? err.message : String(err)));
        return;
      }
      await recordSent({ id: m.id, attempts: m.attempts, reply });
    } catch (err) {
      problem(`recording the outcome of ${m.messageId} failed (it is retried when its lease ends)`, err);
    }
  }

  async function recordFailure(m: ClaimedMail, err: SendError): Promise<void> {
    const now = deps.now();
    if (!err.transient) {
      await markFailed(db, id, m, 'rejected', err.reply, now);
      say(`${m.messageId} to ${m.to} rejected: ${err.reply}`);
      return;
    }
    if (m.attempts >= retry.maxAttempts) {
      await markFailed(db, id, m, 'retries_exhausted', err.reply, now);
      say(`${m.messageId} to ${m.to} failed after ${m.attempts} attempts: ${err.reply}`);
      return;
    }
    const next = nextAttemptAt(retry, m.attempts, now);
    if (m.expiresAt !== null && next.toISOString() >= m.expiresAt) {
      await markFailed(db, id, m, 'expired', `valid until ${m.expiresAt}; last attempt: ${err.reply}`, now);
      return;
    }
    await markRetry(db, id, m, next, err.reply);
    say(`${m.messageId} to ${m.to}: attempt ${m.attempts} failed (${err.reply}), next at ${next.toISOString()}`);
  }

  // Sent messages are recorded in groups (a group commit): whoever finishes in the same turn of
  // the event loop, or while a commit runs, joins the next one. On SQLite a commit is synchronous,
  // so without waiting for the turn to end every group was one message: one statement and one
  // commit (WAL pages written) per message, the largest database cost of a big send. The wait
  // is one turn (setImmediate), not a timer: an idle sender records at once.
  let pendingSent: Array<{ outcome: SentOutcome; done: () => void; fail: (err: unknown) => void }> = [];
  let recording = false;

  function recordSent(outcome: SentOutcome): Promise<void> {
    return new Promise((done, fail) => {
      pendingSent.push({ outcome, done, fail });
      if (!recording) {
        recording = true;
        setImmediate(() => void recordLoop());
      }
    });
  }

  async function recordLoop(): Promise<void> {
    try {
      while (pendingSent.length > 0) {
        const group = pendingSent;
        pendingSent = [];
        let lastErr: unknown = null;
        for (let tryNo = 1; tryNo <= RECORD_TRIES; tryNo++) {
          try {
            const n = await markSent(db, id, group.map((g) => g.outcome), deps.now());
            lastErr = null;
            if (n < group.length) say(`${group.length - n} sent messages had lost their claim to another sender before being recorded`);
            break;
          } catch (err) {
            lastErr = err;
            // The slots stay held meanwhile: nothing new is sent while sent messages are unrecorded.
            if (tryNo < RECORD_TRIES) await sleep(250 * 2 ** tryNo);
          }
        }
        for (const g of group) {
          if (lastErr) g.fail(lastErr);
          else g.done();
        }
      }
    } finally {
      // Whatever happened, the next sent message starts a loop again: no handle() waits forever.
      recording = false;
    }
  }

  async function renew(): Promise<void> {
    if (held.size === 0) return;
    const ids = [...held.keys()];
    const until = deps.now().getTime() + leaseMs;
    try {
      await renewLeases(db, id, ids, new Date(until));
      for (const i of ids) {
        const h = held.get(i);
        if (h) h.until = until;
      }
    } catch (err) {
      problem('renewing claims failed', err);
    }
  }

  function pump(): void {
    if (stopping) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = (async () => {
      try {
        do {
          pumpAgain = false;
          await refreshTransport(false);
          await pumpOnce();
        } while (pumpAgain && !stopping);
      } catch (err) {
        problem('sending failed', err);
      } finally {
        pumping = null;
      }
    })();
  }

  /** Whether anything is due now or still claimed by this sender, as the database says. */
  async function hasWork(): Promise<boolean> {
    const now = deps.now().toISOString();
    const row = await db
      .selectFrom('mail_outbox')
      .select('id')
      .where((w) => w.or([w.and([IS_QUEUED, w('next_attempt_at', '<=', now)]), w.and([IS_SENDING, w('claimed_by', '=', id)])]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  const poll = setInterval(() => pump(), pollMs);
  const renewer = setInterval(() => void renew(), Math.max(50, Math.floor(leaseMs / 4)));
  poll.unref();
  renewer.unref();
  // The first look at the settings happens at once, not after a poll interval.
  void refreshTransport(true).then(pump, (err: unknown) => problem('reading the mail settings failed', err));

  return {
    id,
    wake(opts) {
      if (opts?.settingsChanged) {
        configCheckedAt = 0;
      }
      pump();
    },
    async idle() {
      for (;;) {
        if (stopping) return;
        const quiet = inFlight === 0 && waiting.length === 0 && !pumping && !swapTo && !recording;
        // With an unusable transport nothing can be sent now: idle, though messages wait.
        if (quiet && (unavailable !== null || !(await hasWork()))) return;
        pump();
        await sleep(10);
      }
    },
    async stop(graceMs = o.stopGraceMs ?? DEFAULT_STOP_GRACE_MS) {
      if (stopping) return;
      stopping = true;
      clearInterval(poll);
      clearInterval(renewer);
      if (pumping) await pumping.catch(() => {});
      const deadline = Date.now() + graceMs;
      while ((inFlight > 0 || recording) && Date.now() < deadline) await sleep(20);
      const unsent = waiting.splice(0).map((m) => ({ id: m.id, attempts: m.attempts }));
      if (unsent.length > 0) await releaseClaims(db, id, unsent).catch((err: unknown) => problem('giving back claimed messages failed (they are retried when their lease ends)', err));
      if (inFlight > 0) say(`${inFlight} messages were still being sent at shutdown; they are retried when their lease ends`);
      // What is still under way gets the rest of the grace, not a second one.
      await transport?.close(Math.max(0, deadline - Date.now())).catch(() => {});
      transport = null;
    },
  };
}
