import type { StateCreator } from 'zustand';
import { errorMessage, formatCount } from '../lib/format';
import { clientSessionFilterQuery } from '../lib/computer-signin';
import { auditFilterQuery } from '../lib/list-filters';
import { triggerDownload } from '../transport/http-transport';
import { newRunId } from './jobs-slice';
import type { AppState, CsvExportState, CsvSlice } from './types';
import { userListQuery } from './users-slice';

type CsvResult = Awaited<ReturnType<typeof window.gatepass.export.usersCsv>>;

/** CSV exports of the lists: main pages the server and writes the file; the store follows and reports. */
export const createCsvSlice: StateCreator<AppState, [], [], CsvSlice> = (set, get) => {
  async function run(list: CsvExportState['list'], noun: [string, string], call: (exportId: string) => Promise<CsvResult>): Promise<void> {
    if (get().csvExport) return; // one at a time: the button says so while one runs
    const exportId = newRunId();
    set({ csvExport: { exportId, list, done: 0, total: 0, cancelling: false } });
    try {
      const { result, rows } = await call(exportId);
      if (result.kind === 'download') triggerDownload(result.url, result.fileName);
      if (result.kind === 'cancelled') get().showNotice({ tone: 'info', text: 'Export cancelled: no file was written' });
      else {
        const where = result.kind === 'saved' ? `to ${result.path}` : `as ${result.fileName}`;
        get().showNotice({ tone: 'info', text: `Exported ${formatCount(rows, noun[0], noun[1])} ${where}` });
      }
    } catch (err) {
      get().showNotice({ tone: 'error', text: `Export failed: ${errorMessage(err)}` });
    } finally {
      if (get().csvExport?.exportId === exportId) set({ csvExport: null });
    }
  }

  return {
    csvExport: null,

    async exportUsersCsv() {
      const q = get().query;
      // One server's list: the all-servers list says so on its disabled button.
      if (!q || q.serverId === null) return;
      const serverId = q.serverId;
      await run('users', ['user', 'users'], (exportId) => window.gatepass.export.usersCsv({ ...userListQuery(q, serverId), exportId }));
    },

    async exportAuditCsv(serverId, filters) {
      await run('audit', ['entry', 'entries'], (exportId) => window.gatepass.export.auditCsv({ serverId, exportId, ...auditFilterQuery(filters) }));
    },

    async exportClientSessionsCsv(serverId, filters) {
      await run('clientSessions', ['client session', 'client sessions'], (exportId) =>
        window.gatepass.export.clientSessionsCsv({ serverId, exportId, ...clientSessionFilterQuery(filters) }),
      );
    },

    async cancelCsvExport() {
      const cur = get().csvExport;
      if (!cur) return;
      set({ csvExport: { ...cur, cancelling: true } });
      await window.gatepass.export.cancelCsv({ exportId: cur.exportId }).catch(() => {});
    },

    onCsvProgress({ exportId, done, total }) {
      const cur = get().csvExport;
      if (cur?.exportId === exportId) set({ csvExport: { ...cur, done, total } });
    },
  };
};
