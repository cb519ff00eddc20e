import type { ClientSession } from './api/client-sessions';
import { CSV_BOM, csvLine } from './csv-write';

/**
 * The Client sessions list as CSV, one record per session: what `gatepass sessions list --csv`
 * writes and what the console's export pages into its file (RFC 4180 and defused formulas by
 * csv-write.ts). Pure, so both produce the same columns.
 */
export const CLIENT_SESSIONS_CSV_HEADER = ['User Name', 'Login', 'Email', 'Computer', 'Started', 'Ended', 'End reason', 'Emergency'] as const;

/** One session's fields, in the header's order. */
export function clientSessionCsvRecord(s: ClientSession): readonly (string | null)[] {
  return [s.userName, s.login, s.email, s.computerName, s.startedAt, s.endedAt, s.endReason, s.emergency ? 'yes' : 'no'];
}

/** A whole file's text: byte-order mark, header, one CRLF record per session. */
export function clientSessionsCsv(sessions: readonly ClientSession[]): string {
  return CSV_BOM + csvLine(CLIENT_SESSIONS_CSV_HEADER) + sessions.map((s) => csvLine(clientSessionCsvRecord(s))).join('');
}
