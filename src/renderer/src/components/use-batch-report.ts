import { useEffect, useState } from 'react';
import type { MailBatchReport, MailStatusName } from '../../../shared/model/mail';
import { errorMessage } from '../lib/format';
import { pollDelay } from '../lib/mail-text';

/** Which page of a batch to follow. */
export interface BatchPage {
  readonly offset: number;
  readonly limit: number;
  readonly status?: MailStatusName | undefined;
}

/**
 * Follows one batch of a server's outbox: asks for the page shown, again and again while any
 * message of the batch is queued or sending (soon at first, then every few seconds), and once
 * more when it is done. Stops when the component goes or the batch changes.
 */
export function useBatchReport(serverId: string, batchId: string | null, page: BatchPage): { report: MailBatchReport | null; error: string | null } {
  const [state, setState] = useState<{ key: string; report: MailBatchReport | null; error: string | null }>({ key: '', report: null, error: null });
  const key = `${serverId}|${batchId ?? ''}|${page.offset}|${page.limit}|${page.status ?? ''}`;

  useEffect(() => {
    if (!batchId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    const ask = async () => {
      try {
        const report = await window.gatepass.mail.batch({ serverId, batchId, offset: page.offset, limit: page.limit, ...(page.status ? { status: page.status } : {}) });
        if (stopped) return;
        setState({ key, report, error: null });
        if (!report.batch.done) timer = setTimeout(() => void ask(), pollDelay(Date.now() - started));
      } catch (err) {
        if (stopped) return;
        setState((s) => ({ key, report: s.key === key ? s.report : null, error: errorMessage(err) }));
        // A dropped connection is not the end of the batch: ask again, more slowly.
        timer = setTimeout(() => void ask(), 5_000);
      }
    };
    void ask();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [serverId, batchId, page.offset, page.limit, page.status, key]);

  return state.key === key ? { report: state.report, error: state.error } : { report: null, error: null };
}
