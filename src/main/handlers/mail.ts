import { CSV_BOM } from '../../shared/csv-write';
import { sanitizeFileBase } from '../../shared/file-names';
import type { mailChannels } from '../../shared/ipc/channels/mail';
import type { ChannelOutput } from '../../shared/ipc/contract';
import type { Handlers } from '../ipc/dispatch';
import type { Connections } from '../services/connections';
import { writeFileAtomic } from '../services/files/atomic-write';
import type { ExportKind, SaveTarget } from '../services/export/save-job';
import type { MailFolders } from '../services/mail/mail-folder';

/**
 * Mail through each server's admin session: settings (the password goes to the server and never
 * comes back), the test message, batch reports and their CSV, and the folder transport's files,
 * which main finds itself (services/mail/mail-folder.ts).
 */
export function mailHandlers(deps: {
  connections: Connections;
  folders: MailFolders;
  saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>;
}): Pick<Handlers, keyof typeof mailChannels> {
  const { connections, folders } = deps;

  /** A batch report as a CSV file, with a byte-order mark so spreadsheets read it as UTF-8. */
  async function saveBatchCsv(serverId: string, batchId: string): Promise<ChannelOutput<'mail:saveBatchCsv'>> {
    const { fileName, csv } = await connections.admin(serverId)('getMailBatchCsv', { params: { id: batchId } });
    const name = `${sanitizeFileBase(fileName.replace(/\.csv$/i, '')) || 'gatepass-mail-report'}.csv`;
    const target = await deps.saveTarget(name, 'csv');
    if (target.kind === 'cancelled') return { kind: 'cancelled' };
    const outPath = target.kind === 'path' ? target.path : await target.via.reserve('csv');
    const written = await writeFileAtomic(outPath, async (out) => {
      out.end(CSV_BOM + csv, 'utf8');
    });
    if (target.kind === 'path') return { kind: 'saved', path: written.path, bytes: written.bytes };
    const url = target.via.offer({ path: written.path, fileName: name, bytes: written.bytes, contentType: 'text/csv; charset=utf-8' });
    return { kind: 'download', url, fileName: name, bytes: written.bytes };
  }

  return {
    async 'mail:settings'({ serverId }) {
      return connections.admin(serverId)('getMailSettings');
    },
    async 'mail:setSettings'({ serverId, settings }) {
      return connections.admin(serverId)('setMailSettings', { body: settings });
    },
    async 'mail:sendTest'({ serverId, to }) {
      return connections.admin(serverId)('sendTestMail', { body: { to } });
    },
    async 'mail:batch'({ serverId, batchId, offset, limit, status }) {
      return connections.admin(serverId)('getMailBatch', { params: { id: batchId }, query: { offset, limit, ...(status ? { status } : {}) } });
    },
    async 'mail:saveBatchCsv'({ serverId, batchId }) {
      return saveBatchCsv(serverId, batchId);
    },
    async 'mail:folder'({ serverId }) {
      return folders.describe(serverId);
    },
    async 'mail:openFolder'({ serverId }) {
      await folders.open(serverId);
      return { ok: true as const };
    },
    async 'mail:saveMessage'({ serverId, name }) {
      return folders.save(serverId, name);
    },
  };
}
