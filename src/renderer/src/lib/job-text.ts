/**
 * What the Generate dialog and the Generated QR codes popup say about a job, and the
 * bookkeeping behind "are these codes saved?": pure, so it is unit-tested.
 */
import { formatCount } from './format';

const countFormat = new Intl.NumberFormat('en-US');

/** The promise, said before anything is issued and again in the popup; main keeps it (qr:discard). */
export const KEEP_PROMISE_BEFORE =
  'The console keeps the new codes in memory only, until you close the Generated QR codes window: save them from there, as often and in as many forms as you like.';
export const KEEP_PROMISE =
  'The console keeps these codes until you close this window, in memory only: save them as often and in as many forms as you like.';

/** A code as the popup sees it (GeneratedCode's fields that matter here). */
export interface CodeLike {
  readonly userId: string;
  readonly status: 'ok' | 'broken';
  readonly qr: unknown;
  readonly issuedAt: string | null;
}

/** Whether a code is a real one (issued and drawn), as the popup counts "generated". */
export function isOkCode(c: CodeLike): boolean {
  return c.status === 'ok' && !!c.qr;
}

/** Identifies one issue of one user's code: "Generate again" gives the same user a new key. */
export function codeKey(c: CodeLike): string {
  return `${c.userId}@${c.issuedAt ?? ''}`;
}

/** The keys of the job's good codes: what a save that starts now writes. */
export function okCodeKeys(codes: readonly CodeLike[]): ReadonlySet<string> {
  return new Set(codes.filter(isOkCode).map(codeKey));
}

/**
 * How many users were re-keyed and have a code that no successful save has written yet:
 * all the good codes before the first save, then only those issued again since.
 */
export function unsavedCount(codes: readonly CodeLike[], saved: ReadonlySet<string> | undefined): number {
  let n = 0;
  for (const c of codes) if (isOkCode(c) && !saved?.has(codeKey(c))) n++;
  return n;
}

/** The question before closing the popup with codes nobody saved. */
export function closeQuestion(unsaved: number): string {
  return unsaved === 1
    ? '1 user has a new password and code that are not saved. Close anyway?'
    : `${countFormat.format(unsaved)} users have new passwords and codes that are not saved. Close anyway?`;
}

/** The line under the progress bar while qr:generate / qr:regenerate runs. */
export function issuingText(p: { done: number; total: number; broken: number }): string {
  return `Issuing: ${countFormat.format(p.done)} of ${formatCount(p.total, 'user')}, ${countFormat.format(p.broken)} broken so far`;
}

/** After a cancel: how many users the run never reached (untouched on the server). */
export function notReKeyedText(n: number): string {
  return n === 1
    ? '1 user was not re-keyed: their old code still works.'
    : `${countFormat.format(n)} users were not re-keyed: their old codes still work.`;
}

/** "Generate again (2 broken, 750 not re-keyed)": who the button issues for. */
export function generateAgainLabel(broken: number, notReKeyed: number): string {
  const parts: string[] = [];
  if (broken > 0) parts.push(`${countFormat.format(broken)} broken`);
  if (notReKeyed > 0) parts.push(`${countFormat.format(notReKeyed)} not re-keyed`);
  return `Generate again (${parts.join(', ')})`;
}

/**
 * The users a job says were not reached, minus any that also have a code in it: a user with a
 * code was reached at some point (re-keyed, or counted as broken), so listing them twice would
 * make the counts disagree.
 */
export function notReKeyedUsers<T extends { readonly userId: string }>(notIssued: readonly T[] | undefined, codes: readonly CodeLike[]): T[] {
  if (!notIssued || notIssued.length === 0) return [];
  const haveCode = new Set(codes.map((c) => c.userId));
  const seen = new Set<string>();
  const out: T[] = [];
  for (const n of notIssued) {
    if (haveCode.has(n.userId) || seen.has(n.userId)) continue;
    seen.add(n.userId);
    out.push(n);
  }
  return out;
}
