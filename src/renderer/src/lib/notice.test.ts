import { describe, expect, it } from 'vitest';
import { INFO_NOTICE_MS, noticeLifetime } from './notice';

describe('how long a notice stays', () => {
  it('lets a short information notice go after a few seconds', () => {
    expect(noticeLifetime({ tone: 'info', text: 'Disabled 3 users' })).toBe(INFO_NOTICE_MS);
  });

  it('gives a longer information notice time to be read', () => {
    const long = noticeLifetime({ tone: 'info', text: 'x'.repeat(140) });
    expect(long).toBe(INFO_NOTICE_MS + 100 * 60);
  });

  it('keeps an error until it is dismissed or replaced', () => {
    expect(noticeLifetime({ tone: 'error', text: 'Deleted 2 users; 1 failed' })).toBeNull();
  });
});
