import type { AuditEntrySchema } from '../../shared/api/audit';
import { CLIENT_SESSIONS_CSV_HEADER, clientSessionCsvRecord } from '../../shared/client-sessions-csv';
import type { exportChannels } from '../../shared/ipc/channels/export';
import type { User } from '../../shared/model/user';
import type { z } from 'zod';
import type { Handlers } from '../ipc/dispatch';
import { clientSessionQuery } from './client-sessions';
import { listQuery } from './users';
import type { Connections } from '../services/connections';
import { pagedRecords, type CsvExports, type CsvRecord } from '../services/export/csv-export';
import { datedFileName, type SaveJobs } from '../services/export/save-job';

/** The user list's CSV columns: every field, whatever columns the table shows. */
const USER_HEADER = ['Login', 'Display name', 'Email', '2FA', 'QR issued', 'Sessions', 'Disabled', 'Created', 'Source'] as const;
/** Address last: the columns before it are the ones earlier exports had. */
const AUDIT_HEADER = ['When', 'Actor', 'Action', 'Target', 'Detail', 'Address'] as const;

function userRecord(u: User): CsvRecord {
  return [u.login, u.displayName, u.email, u.totpEnabled ? 'on' : 'off', u.qrIssuedAt ?? '', u.activeSessions, u.disabledAt ?? '', u.createdAt, u.source];
}

function auditRecord(e: z.output<typeof AuditEntrySchema>): CsvRecord {
  return [e.at, e.actor, e.action, e.target ?? '', e.detail ?? '', e.source ?? ''];
}

/** Saving files: QR jobs through the save job, lists (users, audit log, client sessions) as CSV paged from the server. */
export function exportHandlers(deps: { saves: SaveJobs; csv: CsvExports; connections: Connections }): Pick<Handlers, keyof typeof exportChannels> {
  const { saves, csv, connections } = deps;
  return {
    async 'export:cancel'({ jobId }) {
      saves.cancel(jobId);
      return { ok: true as const };
    },
    async 'export:save'(input) {
      return saves.save(input);
    },
    async 'export:usersCsv'({ serverId, exportId, ...query }) {
      const call = connections.admin(serverId);
      const filters = listQuery(query);
      return csv.run({
        exportId,
        fileName: datedFileName('users', connections.get(serverId).name, new Date(), 'csv'),
        header: USER_HEADER,
        pages: (signal) => pagedRecords((offset, limit) => call('listUsers', { query: { ...filters, offset, limit } }), userRecord, signal),
      });
    },
    async 'export:auditCsv'({ serverId, exportId, ...query }) {
      const call = connections.admin(serverId);
      return csv.run({
        exportId,
        fileName: datedFileName('audit', connections.get(serverId).name, new Date(), 'csv'),
        header: AUDIT_HEADER,
        pages: (signal) => pagedRecords((offset, limit) => call('listAudit', { query: { ...query, offset, limit } }), auditRecord, signal),
      });
    },
    async 'export:clientSessionsCsv'({ serverId, exportId, ...query }) {
      const call = connections.admin(serverId);
      const filters = clientSessionQuery(query);
      return csv.run({
        exportId,
        fileName: datedFileName('client-sessions', connections.get(serverId).name, new Date(), 'csv'),
        // The same columns as `gatepass sessions list --csv`, User Name first as the reference shows it.
        header: CLIENT_SESSIONS_CSV_HEADER,
        pages: (signal) => pagedRecords((offset, limit) => call('listClientSessions', { query: { ...filters, offset, limit } }), clientSessionCsvRecord, signal),
      });
    },
    async 'export:cancelCsv'({ exportId }) {
      csv.cancel(exportId);
      return { ok: true as const };
    },
  };
}
