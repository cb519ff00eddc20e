import { GatepassError } from './errors';
import type { PasswordMode } from './ipc/contract';

/**
 * Password modes of the Generate QR Code dialog (T.Commander's "Use template"): prefix +
 * index + postfix, the index counting up by one per user in the list's order.
 */
export interface PasswordTemplate {
  prefix: string;
  start: number;
  postfix: string;
  /** Zero-pad the number to at least this many digits ("Start from 001": 3); none when absent. */
  digits?: number;
}

/** The largest "Start from" (qr:generate's bound) and the widest zero padding. */
export const TEMPLATE_START_MAX = 1_000_000_000;
export const TEMPLATE_DIGITS_MAX = 10;

/**
 * "Start from" as typed: digits only (no sign, decimals or exponent), up to the bound. A
 * leading zero asks for zero padding to the typed width ("001" gives 001, 002, ... 999, 1000);
 * null when it is not such a number.
 */
export function parseTemplateStart(text: string): { start: number; digits?: number } | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  const start = Number(t);
  if (start > TEMPLATE_START_MAX) return null;
  return t.length > 1 && t.startsWith('0') ? { start, digits: t.length } : { start };
}

/** The template's password for the user at `position` (0-based) in the list. */
export function templatePassword(t: PasswordTemplate, position: number): string {
  const n = String(t.start + position);
  return `${t.prefix}${t.digits ? n.padStart(t.digits, '0') : n}${t.postfix}`;
}

/** Passwords for `count` users in list order. */
export function templatePasswords(t: PasswordTemplate, count: number): string[] {
  return Array.from({ length: count }, (_, i) => templatePassword(t, i));
}

// No look-alikes (0/O, 1/l/I) because these passwords get read off paper and typed.
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '-_.!#%+=';

/** A uniformly random index below `n`, by rejection sampling (no modulo bias). */
function randomBelow(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buf = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    const x = buf[0]!;
    if (x < limit) return x % n;
  }
}

/**
 * A strong random password with every character class (Web Crypto, so it runs in main and in
 * the renderer). 16 characters from a 63-symbol alphabet carry about 95 bits.
 */
export function generateStrongPassword(length = 16): string {
  if (length < 8) throw new RangeError('length must be at least 8');
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomBelow(set.length)]!);
  while (chars.length < length) chars.push(all[randomBelow(all.length)]!);
  // Fisher-Yates, so the guaranteed classes are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomBelow(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/**
 * The password for each user id, in the order given: the template's index counts by
 * position in that list (deleted users keep their position). Unique mode needs a password
 * for every id; template and unique need 2 users or more (`minUsers`). A `draft` (the dialog
 * while it is being filled in) skips both checks and gives '' for a user with no password yet.
 */
export function passwordsFor(mode: PasswordMode, ids: readonly string[], opts: { minUsers?: number; draft?: boolean } = {}): string[] {
  const minUsers = opts.minUsers ?? 2;
  if (!opts.draft && mode.kind !== 'same' && ids.length < minUsers) {
    throw new GatepassError('VALIDATION_FAILED', `"${mode.kind === 'template' ? 'Use template' : 'Use unique'}" needs at least ${minUsers} users`);
  }
  switch (mode.kind) {
    case 'same':
      return ids.map(() => mode.password);
    case 'template':
      return templatePasswords(mode, ids.length);
    case 'unique': {
      if (opts.draft) return ids.map((id) => (Object.prototype.hasOwnProperty.call(mode.passwords, id) ? (mode.passwords[id] ?? '') : ''));
      const missing = ids.filter((id) => !Object.prototype.hasOwnProperty.call(mode.passwords, id) || !mode.passwords[id]);
      if (missing.length > 0) throw new GatepassError('VALIDATION_FAILED', `No password given for ${missing.length} of the ${ids.length} users`);
      return ids.map((id) => mode.passwords[id]!);
    }
  }
}
