/**
 * Recovery codes as people read, type and save them: 16 characters of Crockford's base32
 * (80 random bits, more than the 64 NIST SP 800-63B §5.1.2 asks of look-up secrets) in
 * four groups of four. Crockford's alphabet has no I, L, O or U, so a code read aloud or
 * off paper is typed right; typing I or L for 1, or O for 0, still works. Pure: the server
 * checks with it, the console and the portal format the .txt file with it.
 */

export const RECOVERY_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_LENGTH = 16;
/** Codes per enrolment (or per regeneration). */
export const RECOVERY_CODE_COUNT = 8;

/** `ABCDEFGHJKMNPQRS` -> `ABCD-EFGH-JKMN-PQRS`. */
export function formatRecoveryCode(raw: string): string {
  return raw.match(/.{1,4}/g)?.join('-') ?? raw;
}

/**
 * The canonical 16 characters of a typed code (case, spaces and dashes ignored, I/L read
 * as 1 and O as 0), or null when it cannot be one of ours.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const s = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (s.length !== RECOVERY_CODE_LENGTH) return null;
  for (const c of s) if (!RECOVERY_CODE_ALPHABET.includes(c)) return null;
  return s;
}

/** The .txt file a user saves: what the codes are for, how to use them, then one code a line. */
export function recoveryCodesText(input: { serverName: string; login: string; codes: readonly string[]; generatedAt: string }): string {
  const lines = [
    `Gatepass recovery codes for ${input.login} on ${input.serverName}`,
    `Generated ${input.generatedAt}`,
    '',
    'Each code signs you in once, in place of an authenticator code, in any order.',
    'Keep them somewhere safe. Generating new codes makes all of these stop working.',
    '',
    ...input.codes.map((c) => formatRecoveryCode(c.replace(/-/g, ''))),
    '',
  ];
  // CRLF: the file is opened in Notepad as often as in anything else.
  return lines.join('\r\n');
}
