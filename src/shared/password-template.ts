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
}

/** The template's password for the user at `position` (0-based) in the list. */
export function templatePassword(t: PasswordTemplate, position: number): string {
  return `${t.prefix}${t.start + position}${t.postfix}`;
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
