import { normaliseRecoveryCode } from '../../../shared/recovery-codes';
import { formatDateTime } from './format';

/**
 * What the console says about two-step verification, and its checks of what is typed before a
 * round trip (the server checks again). Pure, so it is tested on its own.
 */

/** Why a typed authenticator code cannot be one (spaces, as apps show `123 456`, are fine), or undefined. */
export function otpProblem(text: string): string | undefined {
  const digits = text.replace(/\s/g, '');
  if (!digits) return 'Enter the code from the authenticator app';
  return /^\d{6}$/.test(digits) ? undefined : 'An authenticator code is 6 digits';
}

/** Why a typed recovery code cannot be one (case, spaces and dashes do not matter), or undefined. */
export function recoveryProblem(text: string): string | undefined {
  if (!text.trim()) return 'Enter one of your recovery codes';
  return normaliseRecoveryCode(text) ? undefined : 'A recovery code is 16 letters and digits (XXXX-XXXX-XXXX-XXXX)';
}

/** A secret for typing into an app by hand: groups of four (`ABCD EFGH ...`). */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

/** A device's clock drift found by a resync: "none", "60 s ahead (2 steps)", "30 s behind (1 step)". */
export function driftText(steps: number): string {
  if (steps === 0) return 'none';
  const n = Math.abs(steps);
  return `${n * 30} s ${steps > 0 ? 'ahead' : 'behind'} (${n} ${n === 1 ? 'step' : 'steps'})`;
}

/** The state an administrator sees in a user's Security section (or their own). */
export interface TwoStepStateLike {
  readonly enabled: boolean;
  readonly failedAttempts: number;
  readonly locked: boolean;
  readonly nextTryAt: string | null;
  readonly enrolmentPendingUntil: string | null;
}

/** One line: off, on, enrolment pending, waiting after wrong codes, or locked after N wrong codes. */
export function twoStepStateText(s: TwoStepStateLike): string {
  if (!s.enabled) return s.enrolmentPendingUntil ? `Off: enrolment pending until ${formatDateTime(s.enrolmentPendingUntil)}` : 'Off';
  if (s.locked) return `Locked after ${s.failedAttempts.toLocaleString('en-US')} wrong codes: no code is checked until the count is reset`;
  const pending = s.enrolmentPendingUntil ? `; a new app's enrolment is pending until ${formatDateTime(s.enrolmentPendingUntil)}` : '';
  if (s.failedAttempts > 0) {
    const wait = s.nextTryAt ? `, next try after ${formatDateTime(s.nextTryAt)}` : '';
    return `On: ${s.failedAttempts.toLocaleString('en-US')} wrong ${s.failedAttempts === 1 ? 'code' : 'codes'} in a row${wait}${pending}`;
  }
  return `On${pending}`;
}

/** "N active users" for the mandatory warning, with the right number. */
export function activeUsersText(n: number): string {
  return `${n.toLocaleString('en-US')} active ${n === 1 ? 'user' : 'users'}`;
}

/** When turning mandatory on locks people out: at once, or after the grace period. */
export function lockoutWhen(graceDays: number): string {
  return graceDays > 0 ? `after the grace period of ${graceDays} ${graceDays === 1 ? 'day' : 'days'}` : 'from now on';
}
