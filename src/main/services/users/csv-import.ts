import { CsvError, parseUserImport } from '../../../shared/csv';
import { csvLine } from '../../../shared/csv-write';
import { GatepassError } from '../../../shared/errors';
import type { ImportResult } from '../../../shared/ipc/contract';
import type { AdminCall } from '../connections';

// Rows per request: the server creates them one by one, so this only bounds a request's size.
const IMPORT_CHUNK = 1000;

interface Outcome {
  line: number;
  login: string;
  status: 'created' | 'failed';
  code: string;
  message: string;
}

/**
 * Creates the users of an import CSV (login, display name, email, source; see parseUserImport): every
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
  const createdIds: string[] = [];
  let done = 0;
  // The server checks and creates each row on its own and audits the import once, with its
  // counts; chunks keep each request small and let the report say how far it got.
  for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
    const chunk = rows.slice(i, i + IMPORT_CHUNK);
    const res = await call('importUsers', { body: { users: chunk.map((r) => ({ login: r.login, displayName: r.displayName, email: r.email, ...(r.source ? { source: r.source } : {}) })) } });
    chunk.forEach((row, j) => {
      const r = res.results[j];
      if (r?.ok) {
        outcomes.push({ line: row.line, login: row.login, status: 'created', code: '', message: '' });
        createdIds.push(r.userId);
      } else outcomes.push({ line: row.line, login: row.login, status: 'failed', code: r?.code ?? 'SERVER_ERROR', message: `Line ${row.line}: ${r?.message ?? 'The server did not answer for this row'}` });
    });
    done += chunk.length;
    onRow?.(done, rows.length);
  }
  outcomes.sort((a, b) => a.line - b.line);
  const failed = outcomes.filter((o) => o.status === 'failed').map(({ line, login, code, message }) => ({ line, login, code, message }));
  return { created: outcomes.length - failed.length, failed, report: importReport(outcomes), createdIds };
}

/** `line,login,status,code,message`, one row per CSV row, CRLF (RFC 4180). */
function importReport(outcomes: readonly Outcome[]): string {
  const head = ['line', 'login', 'status', 'code', 'message'];
  const rows = outcomes.map((o) => [String(o.line), o.login, o.status, o.code, o.message]);
  return [head, ...rows].map(csvLine).join('');
}
