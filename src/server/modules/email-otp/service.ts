import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import { clientSessionUserName, type ClientSession } from '../../../shared/api/client-sessions';
import {
  offeredModes,
  type AgentInfoSchema,
  type AgentSigninSchema,
  type OtpMode,
  type OtpRequest,
  type OtpRequestResultSchema,
  type PendingOtpPageSchema,
  type PendingOtpQuerySchema,
} from '../../../shared/api/email-otp';
import { GatepassError } from '../../../shared/errors';
import type { Database } from '../../db/schema';
import type { SecretBox } from '../../security/secret-box';
import { isoAfter, lockUser, toCount, type ComputerCaller, type ServiceContext } from '../../context';
import { recordAudit, recordAuditMany, type AuditRecord } from '../audit/service';
import { toClientSession } from '../client-sessions/service';
import { lockComputer } from '../computers/service';
import { attemptSucceeded, reserveAttempt, type Reservation } from '../../security/signin-throttle';
import { loadMailSettings, renderOtpMail, type MailDraft } from '../../mail/index';
import { groupedCode, hmacKey, newOtpCode, otpHmac, otpMatches, requireBox, sealContext } from './codes';
import { directoryLoginKeys } from './directory';
import { getEmailOtpSettings } from './settings';

/**
 * One-time passwords by email (docs/email-otp.md): requests in the modes the settings offer,
 * re-sends, the once-per-hour rule, sign-ins that either start one client session or are
 * denied with a reason for the audit and one answer for the client.
 */

/** A new password for a computer at most once an hour (the reference's rule); re-sends of a valid one are not new. */
export const NEW_OTP_INTERVAL_MS = 60 * 60 * 1000;
/** Re-sends of one password at most once a minute, so the request button cannot flood a mailbox. */
export const RESEND_MIN_INTERVAL_MS = 60 * 1000;
/** Wrong passwords tried against one before it is void. */
export const MAX_WRONG_TRIES = 5;
/** Requests that named nobody (unknown address or account), per computer, before RATE_LIMITED. */
export const RECIPIENT_FAILURE_LIMIT = 10;
export const RECIPIENT_FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** How long used and expired passwords (their HMACs) are kept, so a late try is denied as used or expired, not as wrong. */
export const OTP_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** The newest passwords mailed to an address that a sign-in compares with (the hourly rule keeps it small). */
const SIGNIN_CANDIDATES = 20;

/** The one answer a client gets for every denial, as the reference: the reason goes to the audit only. */
const accessDenied = () => new GatepassError('ACCESS_DENIED', 'Access denied');

/** EMAIL_OTP_UNAVAILABLE while the server has no mail transport: a password nobody receives is no use, and would hold the computer for an hour. */
async function requireTransport(ctx: ServiceContext): Promise<void> {
  if ((await loadMailSettings(ctx.db)).transport === 'none') {
    throw new GatepassError('EMAIL_OTP_UNAVAILABLE', 'One-time passwords by email are unavailable: this server has no mail transport set (docs/mail.md)');
  }
}

/**
 * Queues the message carrying a password in the caller's transaction, through the outbox
 * (docs/mail.md): the password row and its message commit together or not at all. Answers the
 * message's Message-ID, for the audit.
 */
async function queueOtpMail(ctx: ServiceContext, trx: Kysely<Database>, draft: MailDraft, caller: ComputerCaller): Promise<string> {
  const batch = await ctx.mail.queueIn(trx, [draft], { kind: 'otp', createdBy: actorOf(caller) });
  const queued = batch.messages[0];
  if (!queued) throw new GatepassError('INTERNAL', 'The outbox queued no message');
  return queued.messageId;
}

function rateLimited(message: string, retryAt: string, now: Date): GatepassError {
  const seconds = Math.max(1, Math.ceil((Date.parse(retryAt) - now.getTime()) / 1000));
  // retryAt for clients that show a time; retryAfterSeconds also becomes the Retry-After header.
  return new GatepassError('RATE_LIMITED', message, { retryAt, retryAfterSeconds: seconds });
}

/** Who the audit says acted: the computer's agent. */
function actorOf(caller: ComputerCaller): string {
  return `computer ${caller.name}`;
}

const MODE_LABELS: Record<OtpMode, string> = {
  email: 'address typed',
  directory: 'directory user',
  internal: 'internal user (login and password)',
  emergency: 'EMERGENCY ACCESS, address typed',
};

/** The audit's description of a request: its mode (emergency first, so it stands out) and the OS account. */
function describeRequest(mode: OtpMode, osUser: string | null | undefined): string {
  return `${MODE_LABELS[mode]}${osUser ? `, OS account ${osUser}` : ''}`;
}

/** The user a password goes to. */
interface Recipient {
  id: string;
  login: string;
  displayName: string;
  email: string;
}

/** A request that was not allowed: audited before the error is thrown. */
async function refuse(
  ctx: ServiceContext,
  caller: ComputerCaller,
  r: { reason: string; target: string; detail: string },
  error: GatepassError,
): Promise<never> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    await recordAudit(trx, now, { actor: actorOf(caller), action: 'otp.request_refused', target: r.target.slice(0, 200), detail: `${r.reason}: ${r.detail}` });
  });
  throw error;
}

const unknownRecipient = (message: string) => new GatepassError('OTP_RECIPIENT_UNKNOWN', message);

/** What a lookup by address or OS account found: the user, or why it named nobody (for the audit) and the answer. */
type Lookup = { found: Recipient } | { missed: { reason: string; target: string; detail: string; error: GatepassError } };

/**
 * A lookup by address or OS account, counted against address guessing. In one transaction on
 * the computer's locked row: the lookups of this computer that named nobody lately are counted
 * (RATE_LIMITED at the limit), the lookup is made, and one that names nobody is recorded with
 * its audit entry. Parallel requests from one computer therefore queue up and answer as the same
 * requests one after another would: at most RECIPIENT_FAILURE_LIMIT name nobody within the
 * window, however many arrive at once.
 */
async function countedLookup(ctx: ServiceContext, caller: ComputerCaller, target: string, lookup: (db: Kysely<Database>) => Promise<Lookup>): Promise<Recipient> {
  const now = ctx.now();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<{ recipient: Recipient } | { error: GatepassError }> => {
    await lockComputer(trx, ctx.dialect, caller.computerId);
    const refused = (reason: string, who: string, detail: string) =>
      recordAudit(trx, now, { actor: actorOf(caller), action: 'otp.request_refused', target: who.slice(0, 200), detail: `${reason}: ${detail}` });
    const rows = await trx
      .selectFrom('otp_request_failures')
      .select('at')
      .where('computer_id', '=', caller.computerId)
      .where('at', '>', isoAfter(now, -RECIPIENT_FAILURE_WINDOW_MS))
      .orderBy('at')
      .limit(RECIPIENT_FAILURE_LIMIT)
      .execute();
    if (rows.length >= RECIPIENT_FAILURE_LIMIT) {
      const retryAt = isoAfter(new Date(rows[0]!.at), RECIPIENT_FAILURE_WINDOW_MS);
      await refused('too_many_unknown', target, `${RECIPIENT_FAILURE_LIMIT} requests from this computer named nobody within ${RECIPIENT_FAILURE_WINDOW_MS / 60_000} minutes`);
      return { error: rateLimited(`Too many requests from this computer named nobody; try again after ${retryAt}`, retryAt, now) };
    }
    const r = await lookup(trx);
    if ('found' in r) return { recipient: r.found };
    await trx.insertInto('otp_request_failures').values({ id: randomUUID(), computer_id: caller.computerId, at: now.toISOString() }).execute();
    await refused(r.missed.reason, r.missed.target, r.missed.detail);
    return { error: r.missed.error };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.recipient;
}

/** The active user whose address was typed (email and emergency modes): exactly one, case-insensitively. */
async function recipientByEmail(ctx: ServiceContext, caller: ComputerCaller, email: string, mode: OtpMode): Promise<Recipient> {
  return countedLookup(ctx, caller, email, async (db) => {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'login', 'display_name', 'email', 'disabled_at'])
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .limit(5)
      .execute();
    const active = rows.filter((r) => r.disabled_at === '');
    if (active.length === 1) {
      const u = active[0]!;
      return { found: { id: u.id, login: u.login, displayName: u.display_name, email: u.email } };
    }
    const reason = active.length > 1 ? 'email_ambiguous' : rows.length > 0 ? 'user_disabled' : 'unknown_email';
    const detail =
      active.length > 1
        ? `${active.length} active users have the address ${email} (${MODE_LABELS[mode]})`
        : rows.length > 0
          ? `the user with the address ${email} is disabled (${MODE_LABELS[mode]})`
          : `no user has the address ${email} (${MODE_LABELS[mode]})`;
    const error = unknownRecipient(
      active.length > 1
        ? 'Several users have this email address: ask your administrator'
        : 'No user with this email address can receive one-time passwords: check the address or ask your administrator',
    );
    return { missed: { reason, target: email, detail, error } };
  });
}

/** The directory user behind a signed-in OS account (directory.ts says how it maps). */
async function recipientByOsUser(ctx: ServiceContext, caller: ComputerCaller, osUser: string): Promise<Recipient> {
  return countedLookup(ctx, caller, osUser, async (db) => {
    const keys = directoryLoginKeys(osUser);
    const rows = await db
      .selectFrom('users')
      .select(['id', 'login', 'login_key', 'display_name', 'email', 'disabled_at'])
      .where('login_key', 'in', keys)
      .where('source', '=', 'directory')
      .execute();
    // The full form first: `CORP\a.berg` stored as such wins over a bare `a.berg`.
    const u = keys.map((k) => rows.find((r) => r.login_key === k)).find((r) => r !== undefined);
    if (u && u.disabled_at === '' && u.email !== '') return { found: { id: u.id, login: u.login, displayName: u.display_name, email: u.email } };
    const reason = !u ? 'unknown_os_user' : u.disabled_at !== '' ? 'user_disabled' : 'no_email';
    const detail = !u
      ? `no directory user matches the OS account ${osUser}`
      : u.disabled_at !== ''
        ? `the directory user ${u.login} (OS account ${osUser}) is disabled`
        : `the directory user ${u.login} (OS account ${osUser}) has no email address`;
    const error = unknownRecipient(
      u && u.disabled_at === '' ? 'Your directory account has no email address in Gatepass: ask your administrator' : 'Your account is not a Gatepass directory user: ask your administrator',
    );
    return { missed: { reason, target: u?.login ?? osUser, detail, error } };
  });
}

/**
 * The internal user who gave their Gatepass login and password. Checked as a password sign-in
 * is: charged to the same sign-in limits (signin-throttle.ts: by source, by source and login,
 * by login from new sources, growing waits), unknown logins given the same answer after the
 * same argon2id work.
 */
async function recipientByPassword(ctx: ServiceContext, caller: ComputerCaller, login: string, password: string): Promise<Recipient> {
  const now = ctx.now();
  const loginKey = login.trim().toLowerCase();
  const who = login.trim().slice(0, 128) || '(empty)';
  // Charged, read and checked in one hash slot, or 503 SERVER_BUSY before any of it (hash-gate.ts).
  const checked = await ctx.hasher.withSlot(async (check) => {
    let reservation: Reservation;
    try {
      reservation = await reserveAttempt(ctx, { scope: 'user', login: login.trim() });
    } catch (err) {
      if (!(err instanceof GatepassError) || err.code !== 'RATE_LIMITED') throw err;
      return { kind: 'limited' as const, error: err };
    }
    const user = await ctx.db
      .selectFrom('users')
      .select(['id', 'login', 'display_name', 'email', 'password_hash', 'disabled_at', 'source'])
      .where('login_key', '=', loginKey)
      .executeTakeFirst();
    const ok = user?.password_hash ? await check.verify(user.password_hash, password) : (await check.verifyDummy(password), false);
    return { kind: 'checked' as const, reservation, user, ok };
  });
  if (checked.kind === 'limited') {
    const seconds = (checked.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 1;
    return refuse(
      ctx,
      caller,
      { reason: 'too_many_failures', target: who, detail: `too many failed password sign-ins for this login: next try in ${seconds} s` },
      rateLimited(checked.error.message, isoAfter(now, seconds * 1000), now),
    );
  }
  const { reservation, user, ok } = checked;
  const invalid = new GatepassError('INVALID_CREDENTIALS', 'Wrong login or password');
  if (!user || !ok || user.disabled_at !== '') {
    const reason = !user ? 'unknown_login' : !user.password_hash ? 'no_password' : !ok ? 'wrong_password' : 'user_disabled';
    const detail = !user ? 'unknown login' : !user.password_hash ? 'the user has no password' : !ok ? 'wrong password' : 'the user is disabled';
    return refuse(ctx, caller, { reason, target: user?.login ?? who, detail: `${detail} (${MODE_LABELS.internal})` }, invalid);
  }
  // A right password gives the try back and starts the login's count again, as a sign-in does.
  await attemptSucceeded(ctx, reservation);
  if (user.source !== 'internal') {
    return refuse(ctx, caller, { reason: 'not_internal', target: user.login, detail: `${user.login} is a directory user, not an internal one (${MODE_LABELS.internal})` }, invalid);
  }
  if (user.email === '') {
    return refuse(
      ctx,
      caller,
      { reason: 'no_email', target: user.login, detail: `${user.login} has no email address` },
      unknownRecipient('Your Gatepass account has no email address: ask your administrator'),
    );
  }
  return { id: user.id, login: user.login, displayName: user.display_name, email: user.email };
}

/** What an agent shows before a request: its computer, and the modes the settings offer now. */
export async function agentInfo(ctx: ServiceContext, caller: ComputerCaller): Promise<z.output<typeof AgentInfoSchema>> {
  const settings = await getEmailOtpSettings(ctx.db);
  return {
    computer: { id: caller.computerId, name: caller.name },
    serverName: ctx.serverName,
    modes: offeredModes(settings),
    expirationMinutes: settings.expirationMinutes,
  };
}

type RequestResult = z.output<typeof OtpRequestResultSchema>;

/**
 * Requests a one-time password for a user of the calling computer, in one of the modes the
 * settings offer. In one transaction on the computer's locked row: while a password for this
 * user on this computer is valid, the same one is mailed again (its sealed copy opened; at most
 * once a minute); otherwise a new one is made, unless one was made for this computer within the
 * hour (RATE_LIMITED with `details.retryAt`). The password row and its message are written in
 * the same transaction, so a request either leaves both or neither.
 */
export async function requestOtp(ctx: ServiceContext, caller: ComputerCaller, input: OtpRequest): Promise<RequestResult> {
  const box = requireBox(ctx.secrets);
  await requireTransport(ctx);
  const settings = await getEmailOtpSettings(ctx.db);
  const offered = offeredModes(settings);
  const osUser = input.mode === 'directory' || input.mode === 'emergency' ? (input.osUser ?? null) : null;
  if (!offered.includes(input.mode)) {
    const target = input.mode === 'internal' ? input.login : input.mode === 'directory' ? input.osUser : input.email;
    await refuse(
      ctx,
      caller,
      { reason: 'mode_not_offered', target, detail: `${MODE_LABELS[input.mode]} is not offered (offered: ${offered.join(', ')})` },
      new GatepassError('OTP_MODE_NOT_ALLOWED', `This server does not offer that way of requesting a one-time password (offered: ${offered.join(', ')})`, { modes: offered }),
    );
  }
  const user =
    input.mode === 'internal'
      ? await recipientByPassword(ctx, caller, input.login, input.password)
      : input.mode === 'directory'
        ? await recipientByOsUser(ctx, caller, input.osUser)
        : await recipientByEmail(ctx, caller, input.email, input.mode);
  const emergency = input.mode === 'emergency';

  const outcome = await ctx.db.transaction().execute(async (trx): Promise<{ result: RequestResult } | { error: GatepassError }> => {
    const computer = await lockComputer(trx, ctx.dialect, caller.computerId);
    // Revoked between the auth hook and here: the credential no longer counts.
    if (!computer || computer.revoked_at !== null) return { error: new GatepassError('AUTH_REQUIRED', 'This computer was revoked') };
    const now = ctx.now();
    const nowIso = now.toISOString();
    const audit = (records: AuditRecord[]) => recordAuditMany(trx, now, records);
    const base = { actor: actorOf(caller), target: user.login };
    const live = await trx
      .selectFrom('email_otps')
      .select(['id', 'key_id', 'code_sealed', 'expires_at', 'last_sent_at', 'sends', 'mode'])
      .where('computer_id', '=', caller.computerId)
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    const reopened = live ? openSealed(box, live) : null;
    if (live && reopened === null) {
      // Sealed under a key this server no longer holds (docs/email-otp.md, key rotation): void, as it cannot be checked either.
      await trx.updateTable('email_otps').set({ voided_at: nowIso, void_reason: 'key_unavailable', code_sealed: null }).where('id', '=', live.id).execute();
    }
    if (live && reopened !== null) {
      const nextSend = isoAfter(new Date(live.last_sent_at), RESEND_MIN_INTERVAL_MS);
      if (nextSend > nowIso) {
        await audit([{ ...base, action: 'otp.request_refused', detail: `resend_too_soon: the pending password was mailed at ${live.last_sent_at} (${describeRequest(input.mode, osUser)})` }]);
        return { error: rateLimited(`The password was mailed less than a minute ago; ask again after ${nextSend}`, nextSend, now) };
      }
      const liveEmergency = live.mode === 'emergency' || emergency;
      const messageId = await queueOtpMail(
        ctx,
        trx,
        {
          to: user.email,
          toName: user.displayName,
          ref: live.id,
          content: renderOtpMail({
            code: groupedCode(reopened),
            displayName: user.displayName,
            login: user.login,
            computerName: caller.name,
            serverName: ctx.serverName,
            validUntil: new Date(live.expires_at),
            emergency: liveEmergency,
          }),
          expiresAt: new Date(live.expires_at),
        },
        caller,
      );
      const sent = await trx
        .updateTable('email_otps')
        // Asked again with emergency access: the mail said so, so the sign-in and the lists say so too.
        .set({ sends: sql<number>`sends + 1`, last_sent_at: nowIso, ...(liveEmergency ? { mode: 'emergency' as const } : {}) })
        .where('id', '=', live.id)
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .executeTakeFirst();
      // The computer's lock keeps sign-ins of this computer out meanwhile; anything else is a bug, and rolls the mail back.
      if (Number(sent.numUpdatedRows) !== 1) throw new GatepassError('INTERNAL', 'The pending password changed during its re-send');
      const sends = toCount(live.sends) + 1;
      await audit([
        { ...base, action: 'otp.request', detail: `${describeRequest(input.mode, osUser)}; re-send of the pending password (expires ${live.expires_at})` },
        { ...base, action: 'otp.send', detail: `Mail ${messageId} queued to ${user.email}: send ${sends} of the same password${liveEmergency ? ' (emergency access)' : ''}` },
      ]);
      return { result: { status: 'sent', requestId: live.id, email: user.email, resent: true, expiresAt: live.expires_at, emergency: liveEmergency } };
    }
    // A new password: the hourly rule, decided on the computer's row (a conditional update below
    // makes it hold whatever races). A password voided just now because its key was removed
    // never reached a usable state, so it does not hold the user back for the rest of the hour.
    const keyLost = live !== undefined && reopened === null;
    if (!keyLost && computer.next_new_otp_at > nowIso) {
      await audit([{ ...base, action: 'otp.request_refused', detail: `hourly_limit: a new password was made for this computer less than an hour ago (${describeRequest(input.mode, osUser)})` }]);
      return { error: rateLimited(`A new one-time password for this computer can be requested once per hour; ask again after ${computer.next_new_otp_at}`, computer.next_new_otp_at, now) };
    }
    const key = hmacKey(box);
    if (!key) throw new GatepassError('INTERNAL', 'The secret box has no current key');
    const id = randomUUID();
    const code = newOtpCode();
    const expiresAt = isoAfter(now, settings.expirationMinutes * 60_000);
    const claimed = await trx
      .updateTable('computers')
      .set({ next_new_otp_at: isoAfter(now, NEW_OTP_INTERVAL_MS) })
      .where('id', '=', caller.computerId)
      .$if(!keyLost, (qb) => qb.where('next_new_otp_at', '<=', nowIso))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new GatepassError('INTERNAL', 'The hourly rule changed under the computer lock');
    await trx
      .insertInto('email_otps')
      .values({
        id,
        computer_id: caller.computerId,
        user_id: user.id,
        email: user.email,
        email_key: user.email.toLowerCase(),
        mode: input.mode,
        os_user: osUser,
        key_id: key.keyId,
        code_hmac: otpHmac(key.key, id, code),
        code_sealed: box.seal(Buffer.from(code, 'utf8'), sealContext(id)),
        created_at: nowIso,
        expires_at: expiresAt,
        last_sent_at: nowIso,
      })
      .execute();
    const messageId = await queueOtpMail(
      ctx,
      trx,
      {
        to: user.email,
        toName: user.displayName,
        ref: id,
        content: renderOtpMail({
          code: groupedCode(code),
          displayName: user.displayName,
          login: user.login,
          computerName: caller.name,
          serverName: ctx.serverName,
          validUntil: new Date(expiresAt),
          emergency,
        }),
        expiresAt: new Date(expiresAt),
      },
      caller,
    );
    await audit([
      { ...base, action: 'otp.request', detail: `${describeRequest(input.mode, osUser)}; new password, expires ${expiresAt} (${settings.expirationMinutes} min)` },
      { ...base, action: 'otp.send', detail: `Mail ${messageId} queued to ${user.email}${emergency ? ' (emergency access)' : ''}` },
    ]);
    return { result: { status: 'sent', requestId: id, email: user.email, resent: false, expiresAt, emergency } };
  });
  if ('error' in outcome) throw outcome.error;
  ctx.mail.wake();
  return outcome.result;
}

/** The sealed copy of a pending password, or null when its key is gone or it does not open. */
function openSealed(box: SecretBox, row: { id: string; key_id: string; code_sealed: string | null }): string | null {
  if (row.code_sealed === null || !box.keyIds.includes(row.key_id)) return null;
  try {
    return box.open(row.code_sealed, sealContext(row.id)).toString('utf8');
  } catch {
    // Damaged or moved between rows: treated like a password whose key is gone (void).
    return null;
  }
}

/** Why a sign-in was denied, as the audit records it (docs/email-otp.md, "Audit"). */
export type DenialReason =
  | 'wrong_password'
  | 'no_pending_password'
  | 'used'
  | 'expired'
  | 'other_computer'
  | 'void_too_many_tries'
  | 'void_computer_revoked'
  | 'void_key_unavailable'
  | 'user_disabled'
  | 'computer_revoked';

/**
 * Signs a user in to the calling computer with their address and one-time password. Allowed
 * only for a password mailed to that address, requested on this computer, not used, not void
 * and not expired: then, in one transaction, a conditional update marks it used (exactly one of
 * any number of parallel sign-ins with it wins) and a client session starts. Every denial is
 * audited with its reason and answered with the same ACCESS_DENIED "Access denied"; a wrong
 * password counts against the pending one of this address on this computer, void at the fifth.
 */
export async function agentSignin(ctx: ServiceContext, caller: ComputerCaller, input: z.output<typeof AgentSigninSchema>): Promise<ClientSession> {
  const box = requireBox(ctx.secrets);
  const emailKey = input.email.toLowerCase();
  const start = ctx.now();
  const rows = await ctx.db
    .selectFrom('email_otps')
    .select(['id', 'computer_id', 'user_id', 'email', 'mode', 'os_user', 'key_id', 'code_hmac', 'expires_at', 'used_at', 'voided_at', 'void_reason'])
    .where('email_key', '=', emailKey)
    .orderBy('created_at', 'desc')
    .limit(SIGNIN_CANDIDATES)
    .execute();
  const match = rows.find((r) => {
    const key = hmacKey(box, r.key_id);
    return key !== null && otpMatches(key.key, r.id, input.otp, r.code_hmac);
  });
  const deny = async (db: Kysely<Database>, reason: DenialReason, target: string, detail: string) => {
    await recordAudit(db, ctx.now(), { actor: actorOf(caller), action: 'otp.signin_denied', target: target.slice(0, 200), detail: `${reason}: ${detail}` });
    return accessDenied();
  };
  if (!match) throw await wrongPassword(ctx, caller, emailKey, input.email, deny);

  const signedInAs = input.osUser ?? match.os_user;
  const about = `${input.email}${signedInAs ? `, OS account ${signedInAs}` : ''}${match.mode === 'emergency' ? ', EMERGENCY ACCESS' : ''}`;
  if (match.computer_id !== caller.computerId) {
    const other = await ctx.db.selectFrom('computers').select('name').where('id', '=', match.computer_id).executeTakeFirst();
    throw await deny(ctx.db, 'other_computer', input.email, `the password was requested on ${other?.name ?? 'another computer'}, not on ${caller.name} (${about})`);
  }
  const early = stateReason(match, start.toISOString());
  if (early) throw await deny(ctx.db, early.reason, input.email, `${early.detail} (${about})`);

  const outcome = await ctx.db.transaction().execute(async (trx): Promise<{ session: ClientSession } | { denied: GatepassError }> => {
    const computer = await lockComputer(trx, ctx.dialect, caller.computerId, 'share');
    if (!computer || computer.revoked_at !== null) return { denied: await deny(trx, 'computer_revoked', input.email, `${caller.name} was revoked (${about})`) };
    const user = await lockUser(trx, ctx.dialect, match.user_id);
    const state = user ? await trx.selectFrom('users').select('disabled_at').where('id', '=', match.user_id).executeTakeFirstOrThrow() : null;
    if (!user || !state || state.disabled_at !== '') return { denied: await deny(trx, 'user_disabled', input.email, `the user is disabled or deleted (${about})`) };
    const now = ctx.now();
    const nowIso = now.toISOString();
    // Exactly once: only the sign-in whose update finds the password still unused, not void and not expired goes on.
    const used = await trx
      .updateTable('email_otps')
      .set({ used_at: nowIso, code_sealed: null })
      .where('id', '=', match.id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) {
      const fresh = await trx.selectFrom('email_otps').select(['used_at', 'voided_at', 'void_reason', 'expires_at']).where('id', '=', match.id).executeTakeFirst();
      const why = (fresh ? stateReason(fresh, nowIso) : null) ?? { reason: 'used' as const, detail: 'the password is no longer pending' };
      return { denied: await deny(trx, why.reason, input.email, `${why.detail} (${about})`) };
    }
    const osUser = signedInAs ?? user.login;
    const row = {
      id: randomUUID(),
      computer_id: caller.computerId,
      computer_name: caller.name,
      otp_id: match.id,
      user_id: match.user_id,
      login: user.login,
      os_user: osUser,
      email: match.email,
      user_key: `${osUser}\n${user.login}`.toLowerCase(),
      email_key: match.email.toLowerCase(),
      computer_key: caller.name.toLowerCase(),
      emergency: match.mode === 'emergency' ? 1 : 0,
      started_at: nowIso,
      ended_at: null,
      end_reason: null,
    };
    await trx.insertInto('client_sessions').values(row).execute();
    await recordAudit(trx, now, {
      actor: actorOf(caller),
      action: 'otp.signin',
      target: user.login,
      detail: `${clientSessionUserName(osUser, match.email)} signed in to ${caller.name}${match.mode === 'emergency' ? ' with EMERGENCY ACCESS' : ''}; session ${row.id}`,
    });
    return { session: toClientSession(row) };
  });
  if ('denied' in outcome) throw outcome.denied;
  return outcome.session;
}

/** Why a password found by its HMAC cannot be used now, or null when it can. */
function stateReason(
  r: { used_at: string | null; voided_at: string | null; void_reason: string | null; expires_at: string },
  nowIso: string,
): { reason: DenialReason; detail: string } | null {
  if (r.used_at !== null) return { reason: 'used', detail: `the password was used at ${r.used_at}` };
  if (r.voided_at !== null) {
    const reason: DenialReason = r.void_reason === 'computer_revoked' ? 'void_computer_revoked' : r.void_reason === 'key_unavailable' ? 'void_key_unavailable' : 'void_too_many_tries';
    const why = reason === 'void_too_many_tries' ? `${MAX_WRONG_TRIES} wrong tries` : reason === 'void_computer_revoked' ? 'the computer was revoked' : 'its key was removed';
    return { reason, detail: `the password is void since ${r.voided_at} (${why})` };
  }
  if (r.expires_at <= nowIso) return { reason: 'expired', detail: `the password expired at ${r.expires_at}` };
  return null;
}

/**
 * A password that matches nothing mailed to this address: a wrong try against the pending
 * password of this address on this computer (an atomic increment; at the fifth the password is
 * void and its sealed copy dropped, in the same statement), or no pending password at all.
 */
async function wrongPassword(
  ctx: ServiceContext,
  caller: ComputerCaller,
  emailKey: string,
  email: string,
  deny: (db: Kysely<Database>, reason: DenialReason, target: string, detail: string) => Promise<GatepassError>,
): Promise<GatepassError> {
  return ctx.db.transaction().execute(async (trx) => {
    await lockComputer(trx, ctx.dialect, caller.computerId, 'share');
    const nowIso = ctx.now().toISOString();
    const pending = await trx
      .selectFrom('email_otps')
      .select(['id'])
      .where('computer_id', '=', caller.computerId)
      .where('email_key', '=', emailKey)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (!pending) return deny(trx, 'no_pending_password', email, `no password is pending for ${email} on ${caller.name}`);
    const voids = sql<boolean>`failed_tries + 1 >= ${MAX_WRONG_TRIES}`;
    const counted = await trx
      .updateTable('email_otps')
      .set({
        failed_tries: sql<number>`failed_tries + 1`,
        // Every right-hand side reads the row as it was, so the three agree on this try's number.
        voided_at: sql<string | null>`case when ${voids} then ${nowIso} else null end`,
        void_reason: sql<string | null>`case when ${voids} then 'too_many_tries' else null end`,
        code_sealed: sql<string | null>`case when ${voids} then null else code_sealed end`,
      })
      .where('id', '=', pending.id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .returning(['failed_tries'])
      .executeTakeFirst();
    // Parallel wrong tries (PostgreSQL) all read the password as pending; those whose update
    // comes after the one that voided it (or after its use) count nothing, and say so.
    if (!counted) return deny(trx, 'no_pending_password', email, `no password is pending for ${email} on ${caller.name} (it was void or used by the time this try counted)`);
    const tries = toCount(counted.failed_tries);
    const detail =
      tries >= MAX_WRONG_TRIES
        ? `wrong try ${tries} of ${MAX_WRONG_TRIES} for ${email} on ${caller.name}: the pending password is now void`
        : `wrong try ${tries} of ${MAX_WRONG_TRIES} for ${email} on ${caller.name}`;
    return deny(trx, 'wrong_password', email, detail);
  });
}

/** Passwords mailed and still usable, newest first, for administrators: never the password. */
export async function listPendingOtps(ctx: ServiceContext, q: z.output<typeof PendingOtpQuerySchema>): Promise<z.output<typeof PendingOtpPageSchema>> {
  const nowIso = ctx.now().toISOString();
  const base = () => {
    let qb = ctx.db
      .selectFrom('email_otps as o')
      .innerJoin('computers as c', 'c.id', 'o.computer_id')
      .innerJoin('users as u', 'u.id', 'o.user_id')
      .where('o.used_at', 'is', null)
      .where('o.voided_at', 'is', null)
      .where('o.expires_at', '>', nowIso);
    if (q.computerId) qb = qb.where('o.computer_id', '=', q.computerId);
    if (q.from) qb = qb.where('o.created_at', '>=', q.from);
    if (q.to) qb = qb.where('o.created_at', '<', q.to);
    const term = q.search?.trim().toLowerCase();
    if (term) {
      const p = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb = qb.where(sql<boolean>`(u.login_key like ${p} escape '\\' or o.email_key like ${p} escape '\\' or c.name_key like ${p} escape '\\')`);
    }
    return qb;
  };
  const [rows, total] = await Promise.all([
    base()
      .select(['o.id', 'o.computer_id', 'c.name as computer_name', 'o.user_id', 'u.login', 'o.email', 'o.mode', 'o.os_user', 'o.created_at', 'o.expires_at', 'o.sends', 'o.last_sent_at', 'o.failed_tries'])
      .orderBy('o.created_at', 'desc')
      .orderBy('o.id', 'desc')
      .offset(q.offset)
      .limit(q.limit)
      .execute(),
    base()
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    total: toCount(total.n),
    items: rows.map((r) => ({
      id: r.id,
      computerId: r.computer_id,
      computerName: r.computer_name,
      userId: r.user_id,
      login: r.login,
      email: r.email,
      mode: r.mode,
      emergency: r.mode === 'emergency',
      osUser: r.os_user,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      sends: toCount(r.sends),
      lastSentAt: r.last_sent_at,
      failedTries: toCount(r.failed_tries),
    })),
  };
}

/**
 * The hourly sweep: sealed copies of expired passwords are dropped (a used or void one lost its
 * copy at once), passwords past their retention and old refused lookups are deleted.
 */
export async function sweepEmailOtps(ctx: Pick<ServiceContext, 'db' | 'now'>): Promise<void> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  await ctx.db.updateTable('email_otps').set({ code_sealed: null }).where('expires_at', '<=', nowIso).where('code_sealed', 'is not', null).execute();
  await ctx.db.deleteFrom('email_otps').where('expires_at', '<', isoAfter(now, -OTP_RETENTION_MS)).execute();
  await ctx.db.deleteFrom('otp_request_failures').where('at', '<', isoAfter(now, -RECIPIENT_FAILURE_WINDOW_MS)).execute();
}
