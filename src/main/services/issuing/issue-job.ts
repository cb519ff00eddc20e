import pMap from 'p-map';
import { randomUUID } from 'node:crypto';
import type { User } from '../../../shared/model/user';
import { GatepassError } from '../../../shared/errors';
import type { GeneratedCode, NotIssued, PasswordMode } from '../../../shared/ipc/contract';
import { encodeSigninPayload } from '../../../shared/qr-payload';
import { passwordsFor } from '../../../shared/password-template';
import type { AdminCall } from '../connections';
import type { Card, PdfBranding } from '../export/pdf/cards';
import { pdfImageFromPng } from '../export/pdf/image';
import { qrImage } from '../../../shared/qr/matrix';
import type { QrJob } from './job-store';

// Above this many users, paging the whole list is cheaper than one request per user.
const LOOKUP_ONE_BY_ONE_MAX = 50;
const LOOKUP_CONCURRENCY = 8;
/** Users per issueQrBatch request: the console's chunk, which the crash runs (scripts/crash) send too. */
export const ISSUE_CHUNK = 250;
// Setting a password hashes it (argon2): a chunk of hundreds can take a while.
const ISSUE_CHUNK_TIMEOUT_MS = 5 * 60_000;

/** A failure after which nobody knows whether the server committed the request: no answer came. */
function outcomeUnknown(e: GatepassError): boolean {
  return e.code === 'SERVER_UNREACHABLE' || e.code === 'SERVER_ERROR';
}

interface Issued {
  codes: Map<string, GeneratedCode>;
  cards: Map<string, Card>;
  /** Users a cancel stopped the run before, in the order given. */
  notIssued: NotIssued[];
}

/** How a run reports and is stopped: progress after each chunk; the signal is checked between chunks. */
export interface RunControl {
  onProgress?: (p: { done: number; total: number; broken: number }) => void;
  /** Aborted: the chunk in flight finishes (its users are re-keyed), no further chunk is sent. */
  signal?: AbortSignal;
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
  /** The server's TLS key pin, carried in every code so the device trusts that key only. */
  tlsPin: string | null;
  ids: readonly string[];
  passwords: readonly string[];
  control?: RunControl;
}): Promise<Issued> {
  const { call, serverUrl, ids } = input;
  const users = await lookupUsers(call, ids);
  const passwordOf = new Map(ids.map((id, i) => [id, input.passwords[i]!]));
  const codes = new Map<string, GeneratedCode>();
  const cards = new Map<string, Card>();
  const notIssued: NotIssued[] = [];
  let brokenCount = 0;
  const broken = (userId: string, login: string, displayName: string, code: string, reason: string) => {
    brokenCount++;
    codes.set(userId, { userId, login, displayName, status: 'broken', reason, errorCode: code, qr: null, issuedAt: null, expiresAt: null });
    const unconfirmed = code === 'ISSUE_UNCONFIRMED';
    cards.set(userId, { login, displayName, serverName: input.serverName, serverUrl, status: 'broken', payload: null, reason, issuedAt: null, expiresAt: null, ...(unconfirmed ? { unconfirmed } : {}) });
  };

  const toIssue: User[] = [];
  for (const id of ids) {
    const u = users.get(id);
    if (u) toIssue.push(u);
    else broken(id, id, '', 'NOT_FOUND', 'No such user on this server (deleted since the list was loaded?)');
  }

  const total = ids.length;
  const report = () => input.control?.onProgress?.({ done: codes.size, total, broken: brokenCount });
  report();
  let issuedAny = false;
  for (let i = 0; i < toIssue.length; i += ISSUE_CHUNK) {
    if (input.control?.signal?.aborted) {
      for (const u of toIssue.slice(i)) notIssued.push({ userId: u.id, login: u.login, displayName: u.displayName });
      break;
    }
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
      const e = err instanceof GatepassError ? err : new GatepassError('SERVER_ERROR', 'The server stopped answering');
      if (!outcomeUnknown(e)) {
        // The server refused the request as a whole (nothing was issued for it). Nothing issued
        // yet: the run failed, say so. Otherwise keep what was issued.
        if (!issuedAny) throw err;
        for (const u of toIssue.slice(i)) broken(u.id, u.login, u.displayName, e.code, e.message);
        break;
      }
      // No answer (the server or the connection died mid-request): the server may have committed
      // some or all of this chunk, so these users may already have their new password and their
      // old code may be void. Said so, never "they keep their previous password"; the users of
      // later chunks were never sent and are listed as not re-keyed, as after a cancel.
      for (const u of chunk) {
        broken(u.id, u.login, u.displayName, 'ISSUE_UNCONFIRMED', `The server stopped answering while it issued (${e.message}): this user may already have the new password, and their earlier code may no longer work`);
      }
      for (const u of toIssue.slice(i + ISSUE_CHUNK)) notIssued.push({ userId: u.id, login: u.login, displayName: u.displayName });
      report();
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
      const payload = encodeSigninPayload({ server: serverUrl, login: iss.login, credential: iss.credential, issuedAt: iss.issuedAt, expiresAt: iss.expiresAt, tlsPin: input.tlsPin });
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
    report();
  }
  return { codes, cards, notIssued };
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
 * The server's card branding with the logo decoded, read before anything is issued so a
 * logo that cannot be read stops the run while every user still has their old code. A server
 * that predates branding (404) prints plain cards.
 */
export async function fetchCardBranding(call: AdminCall): Promise<PdfBranding | undefined> {
  let branding;
  try {
    branding = await call('getCardBranding');
  } catch (err) {
    if (err instanceof GatepassError && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
  if (!branding.text && !branding.logo) return undefined;
  let logo = null;
  if (branding.logo) {
    try {
      logo = pdfImageFromPng(Buffer.from(branding.logo.png, 'base64'));
    } catch (err) {
      throw new GatepassError('PAYLOAD_INVALID', `The card logo in this server's Settings cannot be printed; set it again. ${errorText(err)}`);
    }
  }
  return { text: branding.text, logo };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  control?: RunControl;
}): Promise<QrJob> {
  const ids = [...new Set(input.userIds)];
  const passwords = passwordsFor(input.mode, ids);
  const tlsPin = await fetchTlsPin(input.call);
  const branding = await fetchCardBranding(input.call);
  const { codes, cards, notIssued } = await issueFor({
    call: input.call,
    serverName: input.serverName,
    serverUrl: input.serverUrl,
    tlsPin,
    ids,
    passwords,
    ...(input.control ? { control: input.control } : {}),
  });
  const reached = ids.filter((id) => codes.has(id));
  return {
    jobId: randomUUID(),
    serverId: input.serverId,
    serverName: input.serverName,
    serverUrl: input.serverUrl,
    createdAt: (input.now?.() ?? new Date()).toISOString(),
    tlsPin,
    ...(branding ? { branding } : {}),
    // In the order the user selected them.
    codes: reached.map((id) => codes.get(id)!),
    cards: reached.map((id) => cards.get(id)!),
    notIssued,
    cancelled: notIssued.length > 0,
  };
}

/**
 * "Generate again": issues for just `userIds` of an existing job (its broken users, or those a
 * cancel did not reach) and replaces their codes and cards in place, so the job keeps its id
 * and order; users not reached before are added at the end. One user is enough here, in any
 * mode; the template index counts in the order of `userIds`.
 */
export async function regenerateQrJob(
  job: QrJob,
  input: { call: AdminCall; userIds: readonly string[]; mode: PasswordMode; control?: RunControl },
): Promise<QrJob> {
  const ids = [...new Set(input.userIds)];
  const position = new Map(job.codes.map((c, i) => [c.userId, i]));
  const waiting = new Set(job.notIssued.map((n) => n.userId));
  const unknown = ids.filter((id) => !position.has(id) && !waiting.has(id));
  if (unknown.length > 0) throw new GatepassError('VALIDATION_FAILED', `${unknown.length} of these users are not in this job`);
  const passwords = passwordsFor(input.mode, ids, { minUsers: 1 });
  const { codes, cards, notIssued } = await issueFor({
    call: input.call,
    serverName: job.serverName,
    serverUrl: job.serverUrl,
    tlsPin: job.tlsPin ?? null,
    ids,
    passwords,
    ...(input.control ? { control: input.control } : {}),
  });
  for (const id of ids) {
    const code = codes.get(id);
    const card = cards.get(id);
    if (!code || !card) continue;
    const i = position.get(id);
    // Reached: whether appended or replaced in place, the user is no longer waiting.
    waiting.delete(id);
    if (i === undefined) {
      job.codes.push(code);
      job.cards.push(card);
    } else {
      job.codes[i] = code;
      job.cards[i] = card;
    }
  }
  // A user this run did not reach who already has a card (a broken one) stays broken: listing
  // them as not reached too would count them twice.
  const stillWaiting = new Set([...waiting, ...notIssued.map((n) => n.userId).filter((id) => !position.has(id))]);
  const known = new Map([...job.notIssued, ...notIssued].map((n) => [n.userId, n]));
  job.notIssued = [...stillWaiting].map((id) => known.get(id)!);
  job.cancelled = job.notIssued.length > 0;
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
    await pMap(
      ids,
      async (id) => {
        try {
          found.set(id, await call('getUser', { params: { id } }));
        } catch (err) {
          // A user deleted meanwhile is reported per user; anything else stops the job.
          if (!(err instanceof GatepassError && err.code === 'NOT_FOUND')) throw err;
        }
      },
      { concurrency: LOOKUP_CONCURRENCY },
    );
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
