import pMap from 'p-map';
import { CsvError, parseUserImport } from '../../../shared/csv';
import { GatepassError } from '../../../shared/errors';
import type { ImportResult } from '../../../shared/ipc/contract';
import type { AdminCall } from '../connections';

const CREATE_CONCURRENCY = 4;

interface Outcome {
  line: number;
  login: string;
  status: 'created' | 'failed';
  code: string;
  message: string;
}

/**
 * Creates the users of an import CSV (login, display name, email; see parseUserImport): every
 * row is created or gets its own error (the file's own checks, then the server's: LOGIN_TAKEN,
 * VALIDATION_FAILED, ...). A file that cannot be read at all is VALIDATION_FAILED with its line.
 * The report lists every row's outcome as CSV, for "Save the report".
 */
export async function importUsers(call: AdminCall, csv: string, onRow?: (done: number, total: number) => void): Promise<ImportResult> {
  let parsed;
  try {
    parsed = parseUserImport(csv);
  } catch (err) {
    if (err instanceof CsvError) throw new GatepassError('VALIDATION_FAILED', `The CSV file cannot be read: ${err.message}`);
    throw err;
  }
  const outcomes: Outcome[] = parsed.errors.map((e) => ({ line: e.line, login: e.login ?? '', status: 'failed', code: e.code, message: e.message }));
  const { rows } = parsed;
  let done = 0;
  await pMap(
    rows,
    async (row) => {
      try {
        await call('createUser', { body: { login: row.login, displayName: row.displayName, email: row.email } });
        outcomes.push({ line: row.line, login: row.login, status: 'created', code: '', message: '' });
      } catch (err) {
        // Unreachable or signed out: no point in failing every remaining row one by one.
        if (err instanceof GatepassError && (err.code === 'SERVER_UNREACHABLE' || err.code === 'AUTH_REQUIRED')) throw err;
        const e = err instanceof GatepassError ? err : new GatepassError('INTERNAL', 'Internal error');
        outcomes.push({ line: row.line, login: row.login, status: 'failed', code: e.code, message: `Line ${row.line}: ${e.message}` });
      }
      onRow?.(++done, rows.length);
    },
    { concurrency: CREATE_CONCURRENCY },
  );
  outcomes.sort((a, b) => a.line - b.line);
  const failed = outcomes.filter((o) => o.status === 'failed').map(({ line, login, code, message }) => ({ line, login, code, message }));
  return { created: outcomes.length - failed.length, failed, report: importReport(outcomes) };
}

/** `line,login,status,code,message`, one row per CSV row, CRLF (RFC 4180). */
function importReport(outcomes: readonly Outcome[]): string {
  const head = ['line', 'login', 'status', 'code', 'message'];
  const rows = outcomes.map((o) => [String(o.line), o.login, o.status, o.code, o.message]);
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Quotes as RFC 4180 asks, and defuses spreadsheet formulas (OWASP CSV injection) with a leading '. */
function csvField(value: string): string {
  const v = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
