import { CsvError, parseCsv } from './csv';

/**
 * The passwords file of "Use unique" (the console's Load from file and `gatepass export
 * --mode unique --passwords-file`): CSV rows of `login,password`, an optional header row
 * `login,password`. Logins match case-insensitively, as on the server. Spaces around an
 * unquoted field are not part of it: quote a password that begins or ends with a space.
 */
export interface PasswordsFile {
  /** Password by lowercased login. */
  readonly byLogin: ReadonlyMap<string, string>;
  /** Rows that give no usable password, each with its line; they are never guessed at. */
  readonly errors: readonly PasswordsFileError[];
}

export interface PasswordsFileError {
  readonly line: number;
  readonly message: string;
}

/**
 * Reads a passwords file. A malformed row, a row without a login or password, and a login
 * given twice are errors of their own line (for a login given twice both lines are left out:
 * which password was meant cannot be known). Throws CsvError only when the file cannot be
 * read at all (an unterminated quote).
 */
export function parsePasswordsFile(text: string): PasswordsFile {
  const errors: PasswordsFileError[] = [];
  const records = parseCsv(text, undefined, (m) => errors.push({ line: m.line, message: `cannot be read (${m.code})` }));
  const byLogin = new Map<string, string>();
  const firstLine = new Map<string, number>();
  const duplicated = new Set<string>();
  for (const [i, r] of records.entries()) {
    const login = r.fields[0] ?? '';
    const password = r.fields[1] ?? '';
    if (i === 0 && login.toLowerCase() === 'login' && password.toLowerCase() === 'password') continue;
    if (!login) {
      errors.push({ line: r.line, message: 'has no login' });
      continue;
    }
    if (!password) {
      errors.push({ line: r.line, message: `has no password for ${login}` });
      continue;
    }
    const key = login.toLowerCase();
    const seen = firstLine.get(key);
    if (seen !== undefined) {
      errors.push({ line: r.line, message: `gives ${login} a password again (first on line ${seen}); neither is used` });
      duplicated.add(key);
      continue;
    }
    firstLine.set(key, r.line);
    byLogin.set(key, password);
  }
  for (const key of duplicated) byLogin.delete(key);
  errors.sort((a, b) => a.line - b.line);
  return { byLogin, errors };
}

/** One line per problem, for an error message: "line 4 has no password for a.berg". */
export function describePasswordsFileErrors(errors: readonly PasswordsFileError[], limit = 10): string {
  const shown = errors.slice(0, limit).map((e) => `line ${e.line} ${e.message}`);
  return shown.join('; ') + (errors.length > limit ? `; and ${errors.length - limit} more` : '');
}

export { CsvError };
