/**
 * The key a list sorts by, so that plain byte order of keys is the order people expect:
 * case-insensitive, and numbers inside text as numbers (`a.almeida2` before `a.almeida10`).
 * Each run of ASCII digits becomes its length (two digits) then its digits without leading
 * zeros, so a shorter number sorts first and equal lengths compare digit by digit. The server
 * stores these keys in indexed columns (SQLite BINARY, PostgreSQL COLLATE "C": the same
 * code-point order on both), so sorting 100,000 users is an index walk on either engine.
 */
export function naturalKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[0-9]+/g, (run) => {
      const digits = run.replace(/^0+(?=[0-9])/, '');
      // 99 digits is far beyond any login (128 characters at most are allowed anyway).
      return `${String(Math.min(digits.length, 99)).padStart(2, '0')}${digits}`;
    });
}

/** Compares two strings as {@link naturalKey} orders them (for lists sorted in the client). */
export function naturalCompare(a: string, b: string): number {
  const ka = naturalKey(a);
  const kb = naturalKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
