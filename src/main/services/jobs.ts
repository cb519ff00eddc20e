import { randomUUID } from 'node:crypto';
import type { User } from '../../shared/model/user';
import { GatepassError } from '../../shared/errors';
import type { GeneratedCode, PasswordMode } from '../../shared/ipc/contract';
import { encodeSigninPayload } from '../../shared/qr-payload';
import { templatePasswords } from '../../shared/password-template';
import type { AdminCall } from './connections';
import type { Card } from './export/pdf-cards';
import { qrImage } from './export/qr-matrix';

/**
 * A generated batch, kept in main: `cards` hold the sign-in payloads (secrets), which never
 * go to the renderer; `codes` is what the renderer sees (QR images, statuses).
 */
export interface QrJob {
  jobId: string;
  serverId: string;
  serverName: string;
  serverUrl: string;
  createdAt: string;
  /** The server's TLS pin for .usr files (`sha256/<base64>`), null when it has none. */
  tlsPin?: string | null;
  codes: GeneratedCode[];
  cards: Card[];
}

/** What the renderer gets back for a job: everything except the payloads. */
export type JobSummary = Omit<QrJob, 'cards'>;

/** Summary of a job for the renderer (drops the secret-bearing cards). */
export function summariseJob(job: QrJob): JobSummary {
  return { jobId: job.jobId, serverId: job.serverId, serverName: job.serverName, serverUrl: job.serverUrl, createdAt: job.createdAt, codes: job.codes };
}

/** Jobs held in memory, each for at most `ttlMs` and in bounded number, so secrets do not pile up. */
export interface JobStore {
  add(job: QrJob): void;
  get(jobId: string): QrJob;
  delete(jobId: string): void;
  size(): number;
  close(): void;
}

/**
 * Jobs expire 30 minutes after they were made (or when saved); at most `maxJobs` and
 * `maxCodes` in total are kept, dropping the oldest first, so a long session cannot grow
 * main's memory or keep old secrets around.
 */
export function createJobStore(opts: { ttlMs?: number; maxJobs?: number; maxCodes?: number; now?: () => number } = {}): JobStore {
  const ttl = opts.ttlMs ?? 30 * 60_000;
  const maxJobs = opts.maxJobs ?? 20;
  const maxCodes = opts.maxCodes ?? 100_000;
  const now = opts.now ?? Date.now;
  const jobs = new Map<string, { job: QrJob; expires: number }>();

  function sweep(): void {
    const t = now();
    for (const [id, j] of jobs) if (j.expires <= t) jobs.delete(id);
    let codes = 0;
    for (const j of jobs.values()) codes += j.job.cards.length;
    // Map iteration is insertion order: the first entries are the oldest.
    for (const [id, j] of jobs) {
      if (jobs.size <= maxJobs && codes <= maxCodes) break;
      jobs.delete(id);
      codes -= j.job.cards.length;
    }
  }
  const timer = setInterval(sweep, 60_000);
  timer.unref();

  return {
    add(job) {
      jobs.set(job.jobId, { job, expires: now() + ttl });
      sweep();
    },
    get(jobId) {
      sweep();
      const j = jobs.get(jobId);
      if (!j) throw new GatepassError('JOB_NOT_FOUND', 'These codes are no longer available (saved, or older than 30 minutes): generate them again');
      return j.job;
    },
    delete(jobId) {
      jobs.delete(jobId);
    },
    size() {
      sweep();
      return jobs.size;
    },
    close() {
      clearInterval(timer);
      jobs.clear();
    },
  };
}

// Above this many users, paging the whole list is cheaper than one request per user.
const LOOKUP_ONE_BY_ONE_MAX = 50;
const LOOKUP_CONCURRENCY = 8;
const ISSUE_CHUNK = 250;
// Setting a password hashes it (argon2): a chunk of hundreds can take a while.
const ISSUE_CHUNK_TIMEOUT_MS = 5 * 60_000;

/**
 * The password for each user id, in the order given: the template's index counts by
 * position in that list (deleted users keep their position). Unique mode needs a password
 * for every id; template and unique need 2 users or more (`minUsers`).
 */
export function passwordsFor(mode: PasswordMode, ids: readonly string[], minUsers = 2): string[] {
  if (mode.kind !== 'same' && ids.length < minUsers) {
    throw new GatepassError('VALIDATION_FAILED', `"${mode.kind === 'template' ? 'Use template' : 'Use unique'}" needs at least ${minUsers} users`);
  }
  switch (mode.kind) {
    case 'same':
      return ids.map(() => mode.password);
    case 'template':
      return templatePasswords(mode, ids.length);
    case 'unique': {
      const missing = ids.filter((id) => !Object.prototype.hasOwnProperty.call(mode.passwords, id) || !mode.passwords[id]);
      if (missing.length > 0) throw new GatepassError('VALIDATION_FAILED', `No password given for ${missing.length} of the ${ids.length} users`);
      return ids.map((id) => mode.passwords[id]!);
    }
  }
}

interface Issued {
  codes: Map<string, GeneratedCode>;
  cards: Map<string, Card>;
}

/**
 * Resolves the users, asks the server to set each password and issue a sign-in credential
 * (in chunks), and turns each issued credential into a payload and its QR image. Users the
 * server refused (or that are gone) come back broken, with its code and reason.
 */
async function issueFor(input: {
  call: AdminCall;
  serverName: string;
  serverUrl: string;
  ids: readonly string[];
  passwords: readonly string[];
}): Promise<Issued> {
  const { call, serverUrl, ids } = input;
  const users = await lookupUsers(call, ids);
  const passwordOf = new Map(ids.map((id, i) => [id, input.passwords[i]!]));
  const codes = new Map<string, GeneratedCode>();
  const cards = new Map<string, Card>();
  const broken = (userId: string, login: string, displayName: string, code: string, reason: string) => {
    codes.set(userId, { userId, login, displayName, status: 'broken', reason, errorCode: code, qr: null, issuedAt: null, expiresAt: null });
    cards.set(userId, { login, displayName, serverName: input.serverName, serverUrl, status: 'broken', payload: null, reason, issuedAt: null, expiresAt: null });
  };

  const toIssue: User[] = [];
  for (const id of ids) {
    const u = users.get(id);
    if (u) toIssue.push(u);
    else broken(id, id, '', 'NOT_FOUND', 'No such user on this server (deleted since the list was loaded?)');
  }

  let issuedAny = false;
  for (let i = 0; i < toIssue.length; i += ISSUE_CHUNK) {
    const chunk = toIssue.slice(i, i + ISSUE_CHUNK);
    let results;
    try {
      const res = await call(
        'issueQrBatch',
        { body: { items: chunk.map((u) => ({ userId: u.id, password: passwordOf.get(u.id)! })) } },
        { timeoutMs: ISSUE_CHUNK_TIMEOUT_MS },
      );
      results = res.results;
    } catch (err) {
      // Nothing issued yet: the whole call failed, say so. Otherwise keep what was issued.
      if (!issuedAny) throw err;
      const e = err instanceof GatepassError ? err : new GatepassError('SERVER_ERROR', 'The server stopped answering');
      for (const u of toIssue.slice(i)) broken(u.id, u.login, u.displayName, e.code, e.message);
      break;
    }
    const byId = new Map(results.map((r) => [r.userId, r]));
    for (const u of chunk) {
      const r = byId.get(u.id);
      if (!r) {
        broken(u.id, u.login, u.displayName, 'SERVER_ERROR', 'The server did not answer for this user');
        continue;
      }
      if (!r.ok) {
        broken(u.id, r.login ?? u.login, u.displayName, r.code, r.message);
        continue;
      }
      issuedAny = true;
      const iss = r.issued;
      const payload = encodeSigninPayload({ server: serverUrl, login: iss.login, credential: iss.credential, issuedAt: iss.issuedAt, expiresAt: iss.expiresAt });
      codes.set(u.id, {
        userId: u.id,
        login: iss.login,
        displayName: u.displayName,
        status: 'ok',
        qr: qrImage(payload),
        issuedAt: iss.issuedAt,
        expiresAt: iss.expiresAt,
      });
      cards.set(u.id, { login: iss.login, displayName: u.displayName, serverName: input.serverName, serverUrl, status: 'ok', payload, issuedAt: iss.issuedAt, expiresAt: iss.expiresAt });
    }
  }
  return { codes, cards };
}

/** The server's TLS pin in the .usr form (`sha256/<base64>`), or null when it has none or says something else. */
export async function fetchTlsPin(call: AdminCall): Promise<string | null> {
  let pin: string | null;
  try {
    pin = (await call('serverInfo')).tlsPin;
  } catch (err) {
    // The pin is optional in a .usr file; a server too old to say is treated as having none.
    if (err instanceof GatepassError && err.code !== 'SERVER_UNREACHABLE' && err.code !== 'AUTH_REQUIRED') return null;
    throw err;
  }
  if (!pin) return null;
  const full = pin.startsWith('sha256/') ? pin : `sha256/${pin}`;
  return /^sha256\/[A-Za-z0-9+/]{43}=$/.test(full) ? full : null;
}

/**
 * The main job: the password for each user by the mode, then {@link issueFor}. Template and
 * unique modes need 2 users or more (VALIDATION_FAILED otherwise).
 */
export async function generateQrJob(input: {
  call: AdminCall;
  serverId: string;
  serverName: string;
  serverUrl: string;
  userIds: readonly string[];
  mode: PasswordMode;
  now?: () => Date;
}): Promise<QrJob> {
  const ids = [...new Set(input.userIds)];
  const passwords = passwordsFor(input.mode, ids);
  const tlsPin = await fetchTlsPin(input.call);
  const { codes, cards } = await issueFor({ call: input.call, serverName: input.serverName, serverUrl: input.serverUrl, ids, passwords });
  return {
    jobId: randomUUID(),
    serverId: input.serverId,
    serverName: input.serverName,
    serverUrl: input.serverUrl,
    createdAt: (input.now?.() ?? new Date()).toISOString(),
    tlsPin,
    // In the order the user selected them.
    codes: ids.map((id) => codes.get(id)!),
    cards: ids.map((id) => cards.get(id)!),
  };
}

/**
 * "Generate again": issues for just `userIds` of an existing job (the broken ones, usually)
 * and replaces their codes and cards in place, so the job keeps its id and order. One user
 * is enough here, in any mode; the template index counts in the order of `userIds`.
 */
export async function regenerateQrJob(job: QrJob, input: { call: AdminCall; userIds: readonly string[]; mode: PasswordMode }): Promise<QrJob> {
  const ids = [...new Set(input.userIds)];
  const position = new Map(job.codes.map((c, i) => [c.userId, i]));
  const unknown = ids.filter((id) => !position.has(id));
  if (unknown.length > 0) throw new GatepassError('VALIDATION_FAILED', `${unknown.length} of these users are not in this job`);
  const passwords = passwordsFor(input.mode, ids, 1);
  const { codes, cards } = await issueFor({ call: input.call, serverName: job.serverName, serverUrl: job.serverUrl, ids, passwords });
  for (const id of ids) {
    const i = position.get(id)!;
    job.codes[i] = codes.get(id)!;
    job.cards[i] = cards.get(id)!;
  }
  return job;
}

/** How many of these users have a session now, and the first 50 of their logins (issuing ends those sessions). */
export async function countSignedIn(call: AdminCall, userIds: readonly string[]): Promise<{ count: number; logins: string[] }> {
  const users = await lookupUsers(call, [...new Set(userIds)]);
  const signedIn = [...users.values()].filter((u) => u.activeSessions > 0);
  return { count: signedIn.length, logins: signedIn.slice(0, 50).map((u) => u.login) };
}

/** Users by id (one request each for a few, paging the whole list for many); missing ids are absent. */
export async function lookupUsers(call: AdminCall, ids: readonly string[]): Promise<Map<string, User>> {
  const found = new Map<string, User>();
  if (ids.length <= LOOKUP_ONE_BY_ONE_MAX) {
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          found.set(id, await call('getUser', { params: { id } }));
        } catch (err) {
          // A user deleted meanwhile is reported per user; anything else stops the job.
          if (!(err instanceof GatepassError && err.code === 'NOT_FOUND')) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, ids.length) }, worker));
    return found;
  }
  const wanted = new Set(ids);
  for (let offset = 0; ; offset += 500) {
    const page = await call('listUsers', { query: { offset, limit: 500 } });
    for (const u of page.items) if (wanted.has(u.id)) found.set(u.id, u);
    if (found.size === wanted.size || page.items.length === 0 || offset + page.items.length >= page.total) break;
  }
  return found;
}
