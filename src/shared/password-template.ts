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
