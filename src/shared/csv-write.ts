/**
 * CSV writing for exports (the user list, the audit log, the import report): RFC 4180 fields
 * and CRLF line ends, with spreadsheet formulas defused. Pure, so it is tested on its own.
 */

/** What a spreadsheet reads as the start of a formula (OWASP, "CSV injection"): = + - @, tab and carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** The UTF-8 byte-order mark: spreadsheet programs read a file that starts with it as UTF-8, not as the local code page. */
export const CSV_BOM = '\ufeff';

/**
 * One field. Text that a spreadsheet would run as a formula gets a leading `'` (shown as text,
 * never evaluated); a field holding a comma, a quote, a line break or that defused prefix is
 * quoted, its quotes doubled. Numbers are written as they are: `-3` is a value, not a formula.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const defused = FORMULA_START.test(value);
  const text = defused ? `'${value}` : value;
  return defused || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record with its CRLF line end. */
export function csvLine(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
