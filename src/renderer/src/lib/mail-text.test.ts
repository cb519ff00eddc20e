import { describe, expect, it } from 'vitest';
import { batchProgressText, mailItemText, pollDelay } from './mail-text';

describe('what the console says about the outbox', () => {
  it("names each state and carries the server's reason", () => {
    expect(mailItemText({ status: 'queued', reason: 'queued', lastError: null })).toMatchObject({ tone: 'waiting', label: 'Queued' });
    expect(mailItemText({ status: 'queued', reason: 'retrying at 2026-03-01 10:01 UTC after: 451 4.3.0 Try later', lastError: '451 4.3.0 Try later' })).toEqual({
      tone: 'waiting',
      label: 'Queued (retrying)',
      detail: 'Not sent yet: retrying at 2026-03-01 10:01 UTC after: 451 4.3.0 Try later',
    });
    expect(mailItemText({ status: 'sent', reason: 'sent (250 2.0.0 Ok: queued)', lastError: null })).toEqual({ tone: 'ok', label: 'Sent', detail: 'Sent (250 2.0.0 Ok: queued)' });
    expect(mailItemText({ status: 'failed', reason: 'rejected by the mail server: 550 5.1.1 No such user', lastError: '550 5.1.1 No such user' })).toEqual({
      tone: 'error',
      label: 'Failed',
      detail: 'Rejected by the mail server: 550 5.1.1 No such user',
    });
  });

  it('sums a batch up', () => {
    expect(batchProgressText({ total: 3, counts: { queued: 1, sending: 1, sent: 1, failed: 0 }, done: false })).toBe('1 of 3 messages sent, 2 waiting');
    expect(batchProgressText({ total: 3, counts: { queued: 0, sending: 0, sent: 2, failed: 1 }, done: true })).toBe('2 of 3 messages sent, 1 failed');
    expect(batchProgressText({ total: 3, counts: { queued: 0, sending: 0, sent: 3, failed: 0 }, done: true })).toBe('All 3 messages sent');
    expect(batchProgressText({ total: 1, counts: { queued: 0, sending: 0, sent: 1, failed: 0 }, done: true })).toBe('Sent');
  });

  it('asks often at first, then every few seconds', () => {
    expect(pollDelay(0)).toBeLessThan(1000);
    expect(pollDelay(30_000)).toBe(2000);
    expect(pollDelay(600_000)).toBe(5000);
  });
});
