/**
 * File names made from logins, safe on Windows, macOS and Linux at once: an exported ZIP is
 * unpacked on any of them. Rules followed: Windows' naming conventions (reserved characters
 * and device names, no trailing dot or space), the 255-byte name limit of ext4/APFS/NTFS, and
 * case-insensitive, normalisation-insensitive file systems (NTFS, APFS by default).
 */

const RESERVED_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/g;
// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and the superscript-digit forms Windows also reserves),
// with or without an extension.
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_NAME_BYTES = 255;

const utf8 = new TextEncoder();
const byteLength = (s: string): number => utf8.encode(s).length;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function truncateBytes(s: string, max: number): string {
  if (byteLength(s) <= max) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const b = byteLength(ch);
    if (used + b > max) break;
    out += ch;
    used += b;
  }
  return out;
}

/** Short, stable, non-cryptographic tag (FNV-1a) that keeps two long names apart. */
function tag(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

/**
 * The base of a file name for one login, without extension or de-duplication:
 * reserved characters become `_`, an all-dots name, trailing dots/spaces and reserved
 * device names are escaped, and an empty result becomes `_`.
 */
export function sanitizeFileBase(login: string): string {
  let s = login.normalize('NFC').replace(RESERVED_CHARS, '_');
  if (/^\.+$/.test(s)) s = s.replace(/\./g, '_');
  s = s.replace(/[. ]+$/, (m) => '_'.repeat(m.length));
  if (s.length === 0) s = '_';
  if (RESERVED_NAMES.test(s)) s = `_${s}`;
  return s;
}

/**
 * Gives each login of one export a distinct, valid file name. Names that differ only by case
 * or Unicode normalisation (the same file on Windows and macOS) get `~2`, `~3`, ... in order.
 */
export function createFileNamer(): (login: string, ext: string) => string {
  const used = new Set<string>();
  return (login, ext) => {
    const suffix = ext ? `.${ext.replace(/^\./, '')}` : '';
    let base = sanitizeFileBase(login);
    const room = MAX_NAME_BYTES - byteLength(suffix) - 12; // room for "~N" and a tag
    if (byteLength(base) > room) base = `${truncateBytes(base, room - 8)}-${tag(login)}`;
    let candidate = `${base}${suffix}`;
    for (let n = 2; used.has(foldKey(candidate)); n++) candidate = `${base}~${n}${suffix}`;
    used.add(foldKey(candidate));
    return candidate;
  };
}

/** How a case-insensitive, normalising file system compares names. */
function foldKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
