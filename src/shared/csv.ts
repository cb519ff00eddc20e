/**
 * CSV reading for user import (RFC 4180, plus what spreadsheets really write): a UTF-8
 * byte-order mark, CRLF or LF line ends, quoted fields holding commas, quotes ("") and line
 * breaks, semicolon-separated files from locales where the comma is the decimal mark.
 */

export interface CsvRecord {
  /** 1-based line where the record starts, for error messages. */
  line: number;
  fields: string[];
}

/** Splits CSV text into records; blank lines are skipped. Throws on an unterminated quote. */
export function parseCsv(text: string, delimiter?: ',' | ';' | '\t'): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const sep = delimiter ?? sniffDelimiter(src);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let quotedField = false;

  const endField = () => {
    fields.push(quotedField ? field : field.trim());
    field = '';
    quotedField = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };

  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.trim() === '') {
      inQuotes = true;
      quotedField = true;
      field = '';
    } else if (ch === sep) endField();
    else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += ch;
  }
  if (inQuotes) throw new CsvError(`Unterminated quoted field starting on line ${recordLine}`, recordLine);
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
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
}
export interface ImportRowError {
  line: number;
  login: string | null;
  code: 'MISSING_LOGIN' | 'DUPLICATE_IN_FILE' | 'INVALID_LOGIN' | 'INVALID_EMAIL' | 'TOO_MANY_COLUMNS';
  message: string;
}

const HEADER_ALIASES: Record<'login' | 'displayName' | 'email', string[]> = {
  login: ['login', 'username', 'user name', 'user', 'account', 'sam account name'],
  displayName: ['display name', 'displayname', 'name', 'full name', 'fullname'],
  email: ['email', 'e-mail', 'mail', 'email address'],
};

/**
 * Reads a user-import CSV: columns login, display name, email, named by a header row in
 * any order (common aliases accepted) or, without a header, in that order. A missing column
 * reads as empty; each bad row gets its own error and the rest still import.
 */
export function parseUserImport(text: string): { rows: ImportRow[]; errors: ImportRowError[] } {
  const records = parseCsv(text);
  const rows: ImportRow[] = [];
  const errors: ImportRowError[] = [];
  if (records.length === 0) return { rows, errors };

  let columns = { login: 0, displayName: 1, email: 2 };
  let body = records;
  const header = records[0]!.fields.map((f) => f.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' '));
  const find = (key: keyof typeof HEADER_ALIASES) => header.findIndex((h) => HEADER_ALIASES[key].includes(h));
  if (find('login') >= 0) {
    columns = { login: find('login'), displayName: find('displayName'), email: find('email') };
    body = records.slice(1);
  }
  const width = Math.max(columns.login, columns.displayName, columns.email) + 1;

  const seen = new Set<string>();
  for (const { line, fields } of body) {
    const get = (i: number) => (i >= 0 ? (fields[i] ?? '').trim() : '');
    const login = get(columns.login);
    if (!login) {
      errors.push({ line, login: null, code: 'MISSING_LOGIN', message: `Line ${line}: no login` });
      continue;
    }
    if (fields.length > Math.max(width, 3) && fields.slice(width).some((f) => f.trim() !== '')) {
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
    const key = login.toLowerCase();
    if (seen.has(key)) {
      errors.push({ line, login, code: 'DUPLICATE_IN_FILE', message: `Line ${line}: login "${login}" appears earlier in the file` });
      continue;
    }
    seen.add(key);
    rows.push({ line, login, displayName: get(columns.displayName), email });
  }
  return { rows, errors };
}
