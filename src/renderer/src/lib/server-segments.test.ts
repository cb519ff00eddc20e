import { describe, expect, it } from 'vitest';
import { locateRow, rowKey, segments, splitRowKey, starts } from './server-segments';

describe('the users of several servers as one list', () => {
  // Plant 1 has 250 users, Plant 2 none (or offline), Plant 3 120.
  const totals = [250, 0, 120];

  it('puts each server after the one before it, so a row is a server and an offset there', () => {
    expect(starts(totals)).toEqual([0, 250, 250]);
    expect(locateRow(totals, 0)).toEqual({ source: 0, offset: 0 });
    expect(locateRow(totals, 249)).toEqual({ source: 0, offset: 249 });
    expect(locateRow(totals, 250)).toEqual({ source: 2, offset: 0 });
    expect(locateRow(totals, 369)).toEqual({ source: 2, offset: 119 });
    expect(locateRow(totals, 370)).toBeNull();
    expect(locateRow(totals, -1)).toBeNull();
  });

  it('asks each server only for its part of a page, the empty one not at all', () => {
    expect(segments(totals, 0, 200)).toEqual([{ source: 0, offset: 0, limit: 200, at: 0 }]);
    expect(segments(totals, 200, 200)).toEqual([
      { source: 0, offset: 200, limit: 50, at: 0 },
      { source: 2, offset: 0, limit: 120, at: 50 },
    ]);
    // The last page is cut at the list's end; past it there is nothing to ask.
    expect(segments(totals, 300, 200)).toEqual([{ source: 2, offset: 50, limit: 70, at: 0 }]);
    expect(segments(totals, 400, 200)).toEqual([]);
  });

  it('spans many servers in one range, each piece where it goes in the range', () => {
    expect(segments([3, 2, 4], 1, 7)).toEqual([
      { source: 0, offset: 1, limit: 2, at: 0 },
      { source: 1, offset: 0, limit: 2, at: 2 },
      { source: 2, offset: 0, limit: 3, at: 4 },
    ]);
  });

  it('keys a row by its server and user, and reads the key back', () => {
    const key = rowKey('7d0c8f4e-1b2a-4c3d-9e8f-0a1b2c3d4e5f', 'u-1/odd');
    expect(splitRowKey(key)).toEqual({ serverId: '7d0c8f4e-1b2a-4c3d-9e8f-0a1b2c3d4e5f', userId: 'u-1/odd' });
    expect(rowKey('a', 'x')).not.toBe(rowKey('b', 'x'));
  });
});
