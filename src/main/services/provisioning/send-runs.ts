import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { ProvisioningMailResultsSchema } from '../../../shared/api/provisioning';
import { CSV_BOM, csvLine } from '../../../shared/csv-write';
import { GatepassError } from '../../../shared/errors';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import type { MailItem } from '../../../shared/model/mail';
import type { AdminCall } from '../connections';
import { writeFileAtomic } from '../files/atomic-write';
import { datedFileName, type ExportKind, type SaveTarget } from '../export/save-job';

/** How long main keeps a run's refusals for its report: the dialog's life, within reason. */
export const SEND_RUN_TTL_MS = 4 * 60 * 60_000;
/** Messages per request while the whole batch is read for the CSV. */
const PAGE = 5000;

type Results = z.output<typeof ProvisioningMailResultsSchema>;

interface Run {
  serverId: string;
  serverName: string;
  results: Results;
  expires: number;
}

/**
 * "Send provisioning email" runs the console started: what the server answered (who was queued,
 * who was refused and why), kept in main while the report dialog is open, so "Save as CSV"
 * writes the whole per-user report: each refused user, and each queued message as the outbox
 * stands now (queued, sent, or failed and why). Nothing secret is held: the codes never reach
 * the console on this path.
 */
export interface SendRuns {
  hold(serverId: string, serverName: string, results: Results): string;
  /** Writes the report as CSV where the host says (save dialog, one-time download). */
  saveReport(runId: string, call: (serverId: string) => AdminCall): Promise<ChannelOutput<'provisioning:saveReport'>>;
  discard(runId: string): void;
  clear(): void;
}

/** The per-user report's header row. */
export const REPORT_HEADER = ['login', 'email', 'status', 'reason', 'message_id', 'sent_at', 'attempts'] as const;

/** The report rows: refused users first (in the order given), then each message in the order it was queued. */
export function reportRows(results: Results, items: readonly MailItem[]): string[][] {
  const loginOf = new Map(results.results.map((r) => [r.userId, r.login ?? r.userId]));
  const rows: string[][] = [];
  for (const r of results.results) {
    if (!r.ok) rows.push([r.login ?? r.userId, '', 'not sent', `${r.code}: ${r.message}`, '', '', '0']);
  }
  for (const i of items) {
    rows.push([loginOf.get(i.ref ?? '') ?? i.ref ?? '', i.to, i.status, i.reason, i.messageId, i.sentAt ?? '', String(i.attempts)]);
  }
  return rows;
}

export function createSendRuns(opts: { saveTarget: (suggestedName: string, kind: ExportKind) => Promise<SaveTarget>; now?: () => number }): SendRuns {
  const now = opts.now ?? Date.now;
  const runs = new Map<string, Run>();
  const sweep = () => {
    const t = now();
    for (const [id, r] of runs) if (r.expires <= t) runs.delete(id);
  };

  return {
    hold(serverId, serverName, results) {
      sweep();
      const runId = randomBytes(18).toString('base64url');
      runs.set(runId, { serverId, serverName, results, expires: now() + SEND_RUN_TTL_MS });
      return runId;
    },
    async saveReport(runId, call) {
      sweep();
      const run = runs.get(runId);
      if (!run) throw new GatepassError('NOT_FOUND', 'This report is no longer held by the console (its dialog was closed): the mail batch itself is still on the server');
      const items: MailItem[] = [];
      if (run.results.batchId) {
        for (let offset = 0; ; offset += PAGE) {
          const page = await call(run.serverId)('getMailBatch', { params: { id: run.results.batchId }, query: { offset, limit: PAGE } });
          items.push(...page.items);
          if (page.items.length < PAGE || items.length >= page.matching) break;
        }
      }
      const fileName = datedFileName('provisioning-mail-report', run.serverName, new Date(now()), 'csv');
      const target = await opts.saveTarget(fileName, 'csv');
      if (target.kind === 'cancelled') return { kind: 'cancelled' };
      const outPath = target.kind === 'path' ? target.path : await target.via.reserve('csv');
      const text = CSV_BOM + csvLine([...REPORT_HEADER]) + reportRows(run.results, items).map(csvLine).join('');
      const written = await writeFileAtomic(outPath, async (out) => {
        out.end(text, 'utf8');
      });
      if (target.kind === 'path') return { kind: 'saved', path: written.path, bytes: written.bytes };
      const url = target.via.offer({ path: written.path, fileName, bytes: written.bytes, contentType: 'text/csv; charset=utf-8' });
      return { kind: 'download', url, fileName, bytes: written.bytes };
    },
    discard(runId) {
      runs.delete(runId);
    },
    clear() {
      runs.clear();
    },
  };
}
