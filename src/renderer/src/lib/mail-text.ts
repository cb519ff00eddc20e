import type { MailBatch, MailItem } from '../../../shared/model/mail';
import { formatCount } from './format';

/**
 * What the console says about the outbox: one message's outcome (the test message, a row of
 * the per-user report) and a batch's progress. Pure text, tested on its own.
 */

/** How an outcome reads: waiting, good or bad. */
export type MailTone = 'waiting' | 'ok' | 'error';

/** One message's state in a few words, with the server's reason where there is one. */
export function mailItemText(item: Pick<MailItem, 'status' | 'reason' | 'lastError'>): { tone: MailTone; label: string; detail: string } {
  switch (item.status) {
    case 'queued':
      return item.lastError
        ? { tone: 'waiting', label: 'Queued (retrying)', detail: `Not sent yet: ${item.reason}` }
        : { tone: 'waiting', label: 'Queued', detail: 'Waiting to be sent…' };
    case 'sending':
      return { tone: 'waiting', label: 'Sending', detail: 'Being handed to the mail server…' };
    case 'sent':
      return { tone: 'ok', label: 'Sent', detail: capitalise(item.reason) };
    case 'failed':
      return { tone: 'error', label: 'Failed', detail: capitalise(item.reason) };
  }
}

/** "3 of 10 sent, 1 failed, 6 waiting" for a batch in progress; "All 10 sent" when it is. */
export function batchProgressText(b: Pick<MailBatch, 'total' | 'counts' | 'done'>): string {
  const waiting = b.counts.queued + b.counts.sending;
  if (b.counts.sent === b.total) return b.total === 1 ? 'Sent' : `All ${formatCount(b.total, 'message')} sent`;
  const parts = [`${b.counts.sent.toLocaleString('en-US')} of ${formatCount(b.total, 'message')} sent`];
  if (b.counts.failed > 0) parts.push(`${b.counts.failed.toLocaleString('en-US')} failed`);
  if (waiting > 0) parts.push(`${waiting.toLocaleString('en-US')} waiting`);
  return parts.join(', ');
}

/** How long to wait before asking again about a batch that is not done: soon at first, then every few seconds. */
export function pollDelay(elapsedMs: number): number {
  if (elapsedMs < 10_000) return 700;
  if (elapsedMs < 60_000) return 2_000;
  return 5_000;
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
