import type { UserAction } from '../../../shared/api/users';
import { formatCount, formatDateTime } from './format';

/**
 * What the per-user actions say: the confirmation names the users and says what the action
 * does, the progress line and the result say how it went. Pure text, tested on its own.
 */

/** What the console can do to selected users: the server's per-user actions, and removing two-step verification. */
export type ConsoleUserAction = UserAction | 'removeTwoStep';

/** How many logins a confirmation names before "and N more". */
export const NAMES_SHOWN = 5;

/** "a.berg", "a.berg and b.chen", "a.berg, b.chen, c.diaz and 7 more": the first `shown` of `total` users by login. */
export function namesSummary(logins: readonly string[], total = logins.length, shown = NAMES_SHOWN): string {
  const named = logins.slice(0, Math.min(shown, total));
  const more = total - named.length;
  if (named.length === 0) return formatCount(total, 'user');
  if (more > 0) return `${named.join(', ')} and ${formatCount(more, 'more', 'more')}`;
  if (named.length === 1) return named[0]!;
  return `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]!}`;
}

/** The wording of one action, for its menu item, confirmation, progress and result. */
export interface ActionText {
  /** The menu item. */
  readonly menu: string;
  /** The dialog's title. */
  readonly title: string;
  /** Whether the action takes something away (disconnects, voids): the dialog is an alert and its button red. */
  readonly destructive: boolean;
  /** The confirm button. */
  readonly verb: string;
  /** "Disabling", for the progress line. */
  readonly doing: string;
  /** "Disabled", for the result. */
  readonly done: string;
  /** The question, with the names in it. */
  question(names: string): string;
  /** What happens to the users, said before anything is done. */
  readonly effect: string;
}

export const ACTION_TEXT: Readonly<Record<ConsoleUserAction, ActionText>> = {
  disable: {
    menu: 'Disable…',
    title: 'Disable users',
    destructive: true,
    verb: 'Disable',
    doing: 'Disabling',
    done: 'Disabled',
    question: (names) => `Disable ${names}?`,
    effect:
      'They cannot sign in by any path until they are enabled again: their sessions end now and their QR codes stop working (the same codes work again once they are enabled).',
  },
  enable: {
    menu: 'Enable…',
    title: 'Enable users',
    destructive: false,
    verb: 'Enable',
    doing: 'Enabling',
    done: 'Enabled',
    question: (names) => `Enable ${names}?`,
    effect: 'They can sign in again with the QR codes they already have.',
  },
  revokeQr: {
    menu: 'Revoke QR code…',
    title: 'Revoke QR codes',
    destructive: true,
    verb: 'Revoke',
    doing: 'Revoking the QR codes of',
    done: 'Revoked the QR codes of',
    question: (names) => `Revoke the QR codes of ${names}?`,
    effect:
      'Their QR codes stop working for good and the devices signed in with them are signed out. No new code is issued: use Generate QR Code to hand out new ones.',
  },
  endSessions: {
    menu: 'End sessions…',
    title: 'End sessions',
    destructive: true,
    verb: 'End sessions',
    doing: 'Ending the sessions of',
    done: 'Ended the sessions of',
    question: (names) => `End every session of ${names}?`,
    effect: 'Their devices are signed out now. Their QR codes keep working, so they can sign in again.',
  },
  removeTwoStep: {
    menu: 'Remove 2FA…',
    title: 'Remove two-step verification',
    destructive: true,
    verb: 'Remove 2FA',
    doing: 'Removing two-step verification of',
    done: 'Removed two-step verification of',
    question: (names) => `Remove two-step verification of ${names}?`,
    effect:
      'Their authenticator apps and recovery codes stop working: they sign in with the password alone until they set up two-step verification again. Nobody can undo this; they enrol anew.',
  },
};

/**
 * What removing two-step verification means where it is mandatory, said in its confirmation:
 * during the grace period the users are taken to enrolment at their next sign-in; after it,
 * their password alone no longer signs them in. Null where it is not mandatory.
 */
export function mandatoryNote(serverName: string, settings: { mandatory: boolean; graceEndsAt: string | null }, now: Date): string | null {
  if (!settings.mandatory) return null;
  if (settings.graceEndsAt !== null && settings.graceEndsAt > now.toISOString()) {
    return `Two-step verification is mandatory on ${serverName}: they will be asked to set it up again at their next sign-in (the grace period ends ${formatDateTime(settings.graceEndsAt)}).`;
  }
  return `Two-step verification is mandatory on ${serverName} and its grace period is over: they will not be able to sign in with a password until they are given a new grace period to enrol.`;
}

/** "Disabling: 500 of 2,000 users". */
export function progressText(doing: string, done: number, total: number): string {
  return `${doing}: ${done.toLocaleString('en-US')} of ${formatCount(total, 'user')}`;
}

/** One line for the status bar or the result step: "Disabled 3 users", "Disabled 2 of 3 users; 1 failed", stopped early too. */
export function resultText(done: string, outcome: { ok: number; failed: number; notReached: number }): string {
  const total = outcome.ok + outcome.failed + outcome.notReached;
  const head = outcome.ok === total ? `${done} ${formatCount(total, 'user')}` : `${done} ${outcome.ok.toLocaleString('en-US')} of ${formatCount(total, 'user')}`;
  const parts = [head];
  if (outcome.failed > 0) parts.push(`${outcome.failed.toLocaleString('en-US')} failed`);
  if (outcome.notReached > 0) parts.push(`stopped before ${formatCount(outcome.notReached, 'user')}, who were not changed`);
  return parts.join('; ');
}
