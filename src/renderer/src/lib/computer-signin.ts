/**
 * Computer sign-in with one-time passwords by email, as the console shows it: the filters of
 * the Client sessions list and of the pending requests (calendar days in the administrator's
 * own time zone, as the server is asked: instants), and the words for a session's end. Pure,
 * so it is tested on its own.
 */
import { localDayStart } from './list-filters';

/** The Client sessions list's filters; empty text or dates and false mean "no filter". */
export interface ClientSessionFilters {
  /** Part of the signed-in user (the OS account) or the Gatepass login. */
  readonly user: string;
  /** Part of the email address. */
  readonly email: string;
  /** Part of the computer's name. */
  readonly computer: string;
  /** Started on or after this calendar day (YYYY-MM-DD), or ''. */
  readonly from: string;
  /** Started on or before this calendar day (the whole day), or ''. */
  readonly to: string;
  /** Sessions not ended yet only. */
  readonly ongoing: boolean;
  /** Sessions started with "I need emergency access to this computer" only. */
  readonly emergency: boolean;
}

export const NO_CLIENT_SESSION_FILTERS: ClientSessionFilters = { user: '', email: '', computer: '', from: '', to: '', ongoing: false, emergency: false };

/** The clientSessions:list / export:clientSessionsCsv fields these filters set. */
export interface ClientSessionFilterFields {
  user?: string;
  email?: string;
  computer?: string;
  from?: string;
  to?: string;
  active?: true;
  emergency?: true;
}

/** The fields for these filters; the ones not set are left out, "to" includes its whole day (the server's `to` is exclusive). */
export function clientSessionFilterQuery(f: ClientSessionFilters): ClientSessionFilterFields {
  const out: ClientSessionFilterFields = {};
  if (f.user.trim()) out.user = f.user.trim();
  if (f.email.trim()) out.email = f.email.trim();
  if (f.computer.trim()) out.computer = f.computer.trim();
  const from = localDayStart(f.from);
  if (from) out.from = from;
  const to = localDayStart(f.to, 1);
  if (to) out.to = to;
  if (f.ongoing) out.active = true;
  if (f.emergency) out.emergency = true;
  return out;
}

/** The pending requests' filters: a search (login, email or computer) and the day range they were requested in. */
export interface PendingFilters {
  readonly search: string;
  readonly from: string;
  readonly to: string;
}

export const NO_PENDING_FILTERS: PendingFilters = { search: '', from: '', to: '' };

/** The emailOtp:pending fields for these filters. */
export function pendingFilterQuery(f: PendingFilters): { search?: string; from?: string; to?: string } {
  const out: { search?: string; from?: string; to?: string } = {};
  if (f.search.trim()) out.search = f.search.trim();
  const from = localDayStart(f.from);
  if (from) out.from = from;
  const to = localDayStart(f.to, 1);
  if (to) out.to = to;
  return out;
}

/** Why a client session ended, in words (the server's `endReason`). */
export const END_REASON_TEXT: Readonly<Record<string, string>> = {
  signed_out: 'signed out',
  computer_revoked: 'computer revoked',
};

/** The End column: "Ongoing" while the session is open, else the reason in words (the time is its own cell). */
export function endReasonText(s: { endedAt: string | null; endReason: string | null }): string {
  if (s.endedAt === null) return 'Ongoing';
  if (s.endReason === null) return 'ended';
  return END_REASON_TEXT[s.endReason] ?? s.endReason.replace(/_/g, ' ');
}

/** How a one-time password was asked for, in the words of the request window. */
export const OTP_MODE_TEXT: Readonly<Record<string, string>> = {
  email: 'address typed',
  directory: 'directory user',
  internal: 'internal user',
  emergency: 'emergency access',
};

/** "in 12 min", "in 3 h 5 min", or "expired" once `at` has passed (for the pending requests' Expires column). */
export function expiresInText(at: string, now: number): string {
  const left = Date.parse(at) - now;
  if (!Number.isFinite(left)) return '';
  if (left <= 0) return 'expired';
  const minutes = Math.ceil(left / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `in ${h} h` : `in ${h} h ${m} min`;
}

/** The Access Request Expiration Time as typed: a whole number of minutes from 1 to 1,440, or null. */
export function parseExpirationMinutes(text: string): number | null {
  if (!/^\s*\d{1,4}\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 1440 ? n : null;
}
