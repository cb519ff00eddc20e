import { describe, expect, it } from 'vitest';
import { errorMessage, formatCount, formatDateTime } from './format';

describe('display formatting', () => {
  it('shows counts with thousands separators and the right plural', () => {
    expect(formatCount(1204, 'user')).toBe('1,204 users');
    expect(formatCount(1, 'user')).toBe('1 user');
    expect(formatCount(3, 'entry', 'entries')).toBe('3 entries');
  });

  it('shows a dash for a date that is missing or unreadable', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
    expect(formatDateTime('2025-10-02T09:15:00')).toBe('2025-10-02 09:15');
  });

  it('shows the message of an error and a generic line for anything else', () => {
    expect(errorMessage(new Error('Wrong login or password'))).toBe('Wrong login or password');
    expect(errorMessage('boom')).toBe('Something went wrong');
  });
});
