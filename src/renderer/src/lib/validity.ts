import { PROVISION_VALIDITY_MAX_S, PROVISION_VALIDITY_MIN_S } from '../../../shared/api/provisioning';

/**
 * How long a provisioning code stays valid, as the administrator types it (a number and a
 * unit) and as the server takes it (seconds, 10 minutes to 30 days). Pure, tested on its own.
 */

export type ValidityUnit = 'minutes' | 'hours' | 'days';
export interface ValidityDraft {
  readonly amount: string;
  readonly unit: ValidityUnit;
}

const SECONDS: Record<ValidityUnit, number> = { minutes: 60, hours: 3600, days: 86400 };

/** The largest unit that says `seconds` exactly: 86,400 seconds is 1 day, 5,400 is 90 minutes. */
export function validityDraft(seconds: number): ValidityDraft {
  for (const unit of ['days', 'hours', 'minutes'] as const) {
    if (seconds % SECONDS[unit] === 0) return { amount: String(seconds / SECONDS[unit]), unit };
  }
  return { amount: String(Math.round(seconds / 60)), unit: 'minutes' };
}

/** The draft in seconds, or null when it is not a whole number. */
export function validitySeconds(d: ValidityDraft): number | null {
  if (!/^\s*\d{1,6}\s*$/.test(d.amount)) return null;
  return Number(d.amount) * SECONDS[d.unit];
}

/** What is wrong with the draft, in a sentence; null when the server will take it. */
export function validityProblem(d: ValidityDraft): string | null {
  const s = validitySeconds(d);
  if (s === null) return 'A whole number';
  if (s < PROVISION_VALIDITY_MIN_S) return 'At least 10 minutes';
  if (s > PROVISION_VALIDITY_MAX_S) return 'At most 30 days';
  return null;
}

/** "24 hours", "1 day", "90 minutes". */
export function describeValidity(seconds: number): string {
  const d = validityDraft(seconds);
  const n = Number(d.amount);
  const unit = n === 1 ? d.unit.slice(0, -1) : d.unit;
  return `${n.toLocaleString('en-US')} ${unit}`;
}
