import { AUDIT_ACTIONS } from '../../../shared/api/audit';
import type { ProvisioningState } from '../../../shared/model/user';

/**
 * The filters of the user list and the audit log as the administrator sets them (calendar
 * days in their own time zone), and as the server is asked (instants). Pure, so it is tested
 * on its own.
 */

/** The user list's filters; an empty date or `any` means "no filter". */
export interface UserFilters {
  /** any; never issued (no live code); issued (a live code); issued before `qrBefore`. */
  readonly qr: 'any' | 'never' | 'issued' | 'issuedBefore';
  /** A calendar day (YYYY-MM-DD) for `issuedBefore`, or ''. */
  readonly qrBefore: string;
  /** A calendar day (YYYY-MM-DD), or ''. */
  readonly createdSince: string;
  readonly signedInNow: boolean;
  /** Two-step verification: any, enabled, not enabled (the server's `totp`, on an index). */
  readonly twoStep: 'any' | 'enabled' | 'disabled';
  /** Account status: any, active (not disabled), disabled. */
  readonly status: 'any' | 'active' | 'disabled';
  /** Mobile provisioning: any, none, pending (a live code is out), provisioned, expired (the server's `provisioning`). */
  readonly provisioning: 'any' | ProvisioningState;
}

export const NO_USER_FILTERS: UserFilters = { qr: 'any', qrBefore: '', createdSince: '', signedInNow: false, twoStep: 'any', status: 'any', provisioning: 'any' };

/**
 * Who mandatory two-step verification would lock out, as the Users view shows them: active
 * users without it (the server's `totp=disabled&disabled=false`, what its impact counts).
 */
export const ACTIVE_WITHOUT_TWO_STEP: UserFilters = { ...NO_USER_FILTERS, twoStep: 'disabled', status: 'active' };

/** The users:list fields the filters set. */
export interface UserFilterFields {
  qr?: 'never' | 'issued';
  qrIssuedBefore?: string;
  createdSince?: string;
  signedIn?: boolean;
  totp?: 'enabled' | 'disabled';
  disabled?: boolean;
  provisioning?: ProvisioningState;
}

/** The audit log's filters; empty text or dates mean "no filter". */
export interface AuditFilters {
  /** One action, a family ending in a dot (`device.`), or '' for all. */
  readonly action: string;
  /** The user an entry is about (their login). */
  readonly target: string;
  /** Who did it (an administrator, or the user a device signed in as). */
  readonly actor: string;
  /** Calendar days (YYYY-MM-DD), both included, or ''. */
  readonly from: string;
  readonly to: string;
  readonly search: string;
}

export const NO_AUDIT_FILTERS: AuditFilters = { action: '', target: '', actor: '', from: '', to: '', search: '' };

/** A YYYY-MM-DD day as the instant it starts in the local time zone, or null when it is not a day. */
export function localDayStart(day: string, addDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + addDays);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The users:list / export:usersCsv fields for these filters; the ones not set are left out. */
export function userFilterQuery(f: UserFilters): UserFilterFields {
  const out: UserFilterFields = {};
  if (f.qr === 'never' || f.qr === 'issued') out.qr = f.qr;
  const before = f.qr === 'issuedBefore' ? localDayStart(f.qrBefore) : null;
  if (before) out.qrIssuedBefore = before;
  const since = localDayStart(f.createdSince);
  if (since) out.createdSince = since;
  if (f.signedInNow) out.signedIn = true;
  if (f.twoStep !== 'any') out.totp = f.twoStep;
  if (f.status !== 'any') out.disabled = f.status === 'disabled';
  if (f.provisioning !== 'any') out.provisioning = f.provisioning;
  return out;
}

/** Whether any filter narrows the user list (a half-set one, such as "issued before" without a day, does not). */
export function hasUserFilters(f: UserFilters): boolean {
  return Object.keys(userFilterQuery(f)).length > 0;
}

/** The audit:list / export:auditCsv fields for these filters; "to" includes its whole day. */
export function auditFilterQuery(f: AuditFilters): { action?: string; target?: string; actor?: string; from?: string; to?: string; search?: string } {
  const out: { action?: string; target?: string; actor?: string; from?: string; to?: string; search?: string } = {};
  if (f.action) out.action = f.action;
  if (f.target.trim()) out.target = f.target.trim();
  if (f.actor.trim()) out.actor = f.actor.trim();
  const from = localDayStart(f.from);
  if (from) out.from = from;
  // The server's `to` is exclusive: the day after starts where the chosen day ends.
  const to = localDayStart(f.to, 1);
  if (to) out.to = to;
  if (f.search.trim()) out.search = f.search.trim();
  return out;
}

/**
 * The kinds of audit action (`device.`, `otp.`, ...), in the order the server's actions list
 * them: the Action filter offers each kind before the single actions, so a new kind of action
 * appears there without anyone remembering to add it.
 */
export const AUDIT_FAMILIES: readonly string[] = [...new Set(AUDIT_ACTIONS.map((a) => `${a.split('.')[0]}.`))];

/** Names for the audit actions and families, as the Action filter lists them. */
export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  'admin.': 'Administrator sign-ins and sign-outs',
  'user.': 'Changes to users',
  'qr.': 'QR codes',
  'device.': 'Device sign-ins',
  'policy.': 'Password policy',
  'cards.': 'Sign-in cards',
  'totp.': 'Two-step verification',
  'recovery.': 'Recovery codes',
  'two_step.': 'Two-step verification settings',
  'mail.': 'Mail',
  'computer.': 'Computers',
  'otp.': 'One-time passwords by email',
  'client_session.': 'Client sessions',
  'provision.': 'Mobile provisioning',
  'admin.signin': 'Administrator signed in',
  'admin.signin_failed': 'Administrator sign-in failed',
  'admin.signout': 'Administrator signed out',
  'admin.create': 'Administrator added',
  'admin.disable': 'Administrator disabled',
  'admin.enable': 'Administrator enabled',
  'admin.set_password': 'Administrator password changed',
  'admin.unlock': 'Administrator sign-in limits cleared',
  'user.create': 'User created',
  'user.update': 'User edited',
  'user.delete': 'User deleted',
  'user.set_password': 'Password set',
  'user.disable': 'User disabled',
  'user.enable': 'User enabled',
  'user.end_sessions': 'Sessions ended',
  'user.import': 'Users imported',
  'user.signin': 'User signed in with a password',
  'user.signin_failed': 'User password sign-in failed',
  'user.signout': 'User signed out',
  'qr.issue': 'QR code issued',
  'qr.issue_failed': 'QR code refused (broken)',
  'qr.revoke': 'QR code revoked',
  'device.signin': 'Device signed in',
  'device.signin_failed': 'Device sign-in failed',
  'device.signin_refused': 'Device sign-in refused (two-step verification is mandatory)',
  'policy.update': 'Password policy changed',
  'cards.update': 'Card logo or text changed',
  'totp.enrol_start': 'Two-step enrolment started',
  'totp.enrol_cancel': 'Two-step enrolment cancelled',
  'totp.enrol_confirm': 'Two-step verification turned on',
  'totp.enrol_failed': 'Two-step enrolment code refused',
  'totp.verify': 'Authenticator code accepted',
  'totp.verify_failed': 'Authenticator code refused',
  'totp.verify_refused': 'Authenticator code not checked (wait or locked)',
  'totp.resync': 'Authenticator resynced',
  'totp.resync_failed': 'Authenticator resync refused',
  'totp.remove': 'Two-step verification removed',
  'totp.reset_attempts': 'Wrong-code count reset',
  'recovery.generate': 'Recovery codes made',
  'recovery.use': 'Recovery code used',
  'recovery.use_failed': 'Recovery code refused',
  'two_step.settings': 'Two-step settings changed',
  'mail.settings_update': 'Mail settings changed',
  'mail.test': 'Test message sent',
  'computer.register': 'Computer registered',
  'computer.revoke': 'Computer revoked',
  'otp.request': 'One-time password requested (made or re-sent)',
  'otp.request_refused': 'One-time password request refused (reason in the detail)',
  'otp.send': 'One-time password mail queued',
  'otp.signin': 'Computer sign-in allowed (one-time password used)',
  'otp.signin_denied': 'Computer sign-in denied (reason in the detail)',
  'otp.settings': 'One-time password settings changed',
  'client_session.end': 'Client session ended',
  'provision.issue': 'Provisioning code issued',
  'provision.issue_failed': 'Provisioning code refused',
  'provision.redeem': 'Device provisioned',
  'provision.redeem_failed': 'Provisioning attempt refused',
  'provision.settings': 'Provisioning settings changed',
  'provision.send': 'Provisioning mail queued',
  'device.revoke': 'Device revoked',
};
