/**
 * CSV reading for user import (RFC 4180, plus what spreadsheets really write): a UTF-8
 * byte-order mark, CRLF or LF line ends, quoted fields holding commas, quotes ("") and line
 * breaks, semicolon-separated files from locales where the comma is the decimal mark.
 */

// The browser build carries its own Buffer shim, so the renderer (import preview) and Node share it.
import { parse, type CsvError as ParserError } from 'csv-parse/browser/esm/sync';

export interface CsvRecord {
  /** 1-based line where the record starts, for error messages. */
  line: number;
  fields: string[];
}

/** A row the parser could not read (a stray quote inside an unquoted field, say): that row's error. */
export interface MalformedRecord {
  line: number;
  /** The parser's stable code, e.g. CSV_INVALID_CLOSING_QUOTE. */
  code: string;
  message: string;
}

/**
 * Splits CSV text into records with csv-parse (RFC 4180); blank lines are skipped, fields
 * outside quotes are trimmed. A malformed record is never "repaired" into a different value:
 * it is left out and handed to `onMalformed` (by default, reading stops with a CsvError that
 * names its line), and the records around it are still read. Throws on an unterminated quote,
 * which leaves the rest of the file unreadable.
 */
export function parseCsv(text: string, delimiter?: ',' | ';' | '\t', onMalformed?: (m: MalformedRecord) => void): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const sep = delimiter ?? sniffDelimiter(src);
  let unterminated: number | null = null;
  const malformed: MalformedRecord[] = [];
  const parsed = parse(src, {
    delimiter: sep,
    // Files glued together from several sources mix CRLF and LF: accept each, never guess one for the whole file.
    record_delimiter: ['\r\n', '\n', '\r'],
    info: true,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err: ParserError | undefined) => {
      if (!err) return;
      const line = typeof err.lines === 'number' ? err.lines : 0;
      // After a bad quote the parser may report the same row again, or find the rest of it
      // an open quote: one error per line, and an open quote on a bad row is that row's.
      const seen = malformed.some((m) => m.line === line);
      if (err.code === 'CSV_QUOTE_NOT_CLOSED' && !seen) unterminated ??= line;
      else if (!seen) malformed.push({ line, code: err.code, message: err.message });
    },
  }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  if (unterminated !== null) throw new CsvError(`Unterminated quoted field starting on line ${unterminated}`, unterminated);
  for (const m of malformed) {
    if (!onMalformed) throw new CsvError(`Line ${m.line} cannot be read: ${m.message}`, m.line);
    onMalformed(m);
  }
  return parsed.map(({ record, info }) => {
    // info.lines is the line the record ends on; line breaks inside quoted fields come before
    // it (the parser counts CR and LF of a quoted CRLF as two).
    let breaks = 0;
    for (const f of record) for (const ch of f) if (ch === '\n' || ch === '\r') breaks++;
    return { line: info.lines - breaks, fields: record };
  });
}

/** A CSV that cannot be read at all (as opposed to one bad row). */
export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

/** Semicolon or tab if the first line has more of them than commas (outside quotes). */
function sniffDelimiter(src: string): ',' | ';' | '\t' {
  const first = src.split(/\r?\n/, 1)[0] ?? '';
  const unquoted = first.replace(/"[^"]*"/g, '');
  const count = (c: string) => unquoted.split(c).length - 1;
  const comma = count(',');
  const semi = count(';');
  const tab = count('\t');
  if (semi > comma && semi >= tab) return ';';
  if (tab > comma) return '\t';
  return ',';
}

export interface ImportRow {
  line: number;
  login: string;
  displayName: string;
  email: string;
  /** internal or directory; left out for an empty cell or no column (the server's default, internal). */
  source?: 'internal' | 'directory';
}
export interface ImportRowError {
  line: number;
  login: string | null;
  code: 'MISSING_LOGIN' | 'DUPLICATE_IN_FILE' | 'INVALID_LOGIN' | 'INVALID_EMAIL' | 'INVALID_SOURCE' | 'TOO_MANY_COLUMNS' | 'MALFORMED_ROW';
  message: string;
}

const HEADER_ALIASES: Record<'login' | 'displayName' | 'email' | 'source', string[]> = {
  login: ['login', 'username', 'user name', 'user', 'account', 'sam account name'],
  displayName: ['display name', 'displayname', 'name', 'full name', 'fullname'],
  email: ['email', 'e-mail', 'mail', 'email address'],
  source: ['source', 'user source', 'type', 'user type'],
};

/** A source cell: internal or directory (also `ad`, `active directory`, `ldap`), any case; undefined when empty, null when neither. */
function readSource(cell: string): ImportRow['source'] | null {
  const v = cell.trim().toLowerCase();
  if (v === '') return undefined;
  if (v === 'internal') return 'internal';
  if (v === 'directory' || v === 'ad' || v === 'active directory' || v === 'ldap') return 'directory';
  return null;
}

/**
 * Reads a user-import CSV: columns login, display name, email and source (internal or
 * directory), named by a header row in any order (common aliases accepted) or, without a
 * header, in that order. A missing column reads as empty (source: internal); each bad row gets
 * its own error and the rest still import.
 */
export function parseUserImport(text: string): { rows: ImportRow[]; errors: ImportRowError[] } {
  const rows: ImportRow[] = [];
  const errors: ImportRowError[] = [];
  const records = parseCsv(text, undefined, (m) =>
    errors.push({ line: m.line, login: null, code: 'MALFORMED_ROW', message: `Line ${m.line}: cannot be read as CSV (a quote inside an unquoted field?), so nothing on it was imported` }),
  );
  // Only the parser's errors so far, already in line order.
  if (records.length === 0) return { rows, errors };


  let columns = { login: 0, displayName: 1, email: 2, source: 3 };
  let body = records;
  let hasHeader = false;
  const header = records[0]!.fields.map((f) => f.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' '));
  const find = (key: keyof typeof HEADER_ALIASES) => header.findIndex((h) => HEADER_ALIASES[key].includes(h));
  if (find('login') >= 0) {
    columns = { login: find('login'), displayName: find('displayName'), email: find('email'), source: find('source') };
    body = records.slice(1);
    hasHeader = true;
  }
  const width = Math.max(columns.login, columns.displayName, columns.email, columns.source) + 1;
  // Without a header all four columns may be there; with one, what it names (at least three).
  const limit = hasHeader ? Math.max(width, 3) : width;

  const seen = new Set<string>();
  for (const { line, fields } of body) {
    const get = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const login = get(columns.login);
    if (!login) {
      errors.push({ line, login: null, code: 'MISSING_LOGIN', message: `Line ${line}: no login` });
      continue;
    }
    if (fields.length > limit && fields.slice(limit).some((f) => f.trim() !== '')) {
      errors.push({ line, login, code: 'TOO_MANY_COLUMNS', message: `Line ${line}: more columns than the header (an unquoted comma?)` });
      continue;
    }
    if (/[\u0000-\u001f\u007f]/.test(login) || login.length > 128) {
      errors.push({ line, login, code: 'INVALID_LOGIN', message: `Line ${line}: login "${login.slice(0, 40)}" has control characters or is over 128 characters` });
      continue;
    }
    const email = get(columns.email);
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      errors.push({ line, login, code: 'INVALID_EMAIL', message: `Line ${line}: "${email.slice(0, 60)}" is not an email address` });
      continue;
    }
    const source = readSource(get(columns.source));
    if (source === null) {
      errors.push({ line, login, code: 'INVALID_SOURCE', message: `Line ${line}: source "${get(columns.source).slice(0, 40)}" is neither internal nor directory` });
      continue;
    }
    const key = login.toLowerCase();
    if (seen.has(key)) {
      errors.push({ line, login, code: 'DUPLICATE_IN_FILE', message: `Line ${line}: login "${login}" appears earlier in the file` });
      continue;
    }
    seen.add(key);
    rows.push({ line, login, displayName: get(columns.displayName), email, ...(source ? { source } : {}) });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}
