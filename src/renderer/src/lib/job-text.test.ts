import { describe, expect, it } from 'vitest';
import {
  closeQuestion,
  codeKey,
  generateAgainLabel,
  issuingText,
  KEEP_PROMISE,
  notReKeyedText,
  notReKeyedUsers,
  okCodeKeys,
  unsavedCount,
  type CodeLike,
} from './job-text';

const ok = (userId: string, issuedAt = '2026-01-01T00:00:00.000Z'): CodeLike => ({ userId, status: 'ok', qr: { size: 21, path: 'M0 0h1v1H0z' }, issuedAt });
const broken = (userId: string): CodeLike => ({ userId, status: 'broken', qr: null, issuedAt: null });

describe('the close question', () => {
  it('counts the users with unsaved codes like the rest of the UI, singular for one', () => {
    expect(closeQuestion(1)).toBe('1 user has a new password and code that are not saved. Close anyway?');
    expect(closeQuestion(3)).toBe('3 users have new passwords and codes that are not saved. Close anyway?');
    expect(closeQuestion(1204)).toBe('1,204 users have new passwords and codes that are not saved. Close anyway?');
  });
});

describe('which codes are unsaved', () => {
  it('is every good code before any save, none after a save of them, and broken codes never count', () => {
    const codes = [ok('a'), ok('b'), broken('c')];
    expect(unsavedCount(codes, undefined)).toBe(2);
    expect(unsavedCount(codes, okCodeKeys(codes))).toBe(0);
  });

  it('counts a code issued again after the save: the same user with a new issue date', () => {
    const before = [ok('a'), broken('b')];
    const saved = okCodeKeys(before);
    const after = [ok('a'), ok('b', '2026-01-02T00:00:00.000Z')];
    expect(unsavedCount(after, saved)).toBe(1);
    const again = [ok('a', '2026-01-03T00:00:00.000Z'), ok('b', '2026-01-02T00:00:00.000Z')];
    expect(unsavedCount(again, saved)).toBe(2);
    expect(codeKey(again[0]!)).not.toBe(codeKey(before[0]!));
  });

  it('treats an "ok" code without an image as not a code', () => {
    expect(unsavedCount([{ userId: 'a', status: 'ok', qr: null, issuedAt: 'x' }], undefined)).toBe(0);
  });
});

describe('issuing progress and what a cancel left', () => {
  it('says users done of N and broken so far', () => {
    expect(issuingText({ done: 0, total: 1000, broken: 0 })).toBe('Issuing: 0 of 1,000 users, 0 broken so far');
    expect(issuingText({ done: 250, total: 1000, broken: 3 })).toBe('Issuing: 250 of 1,000 users, 3 broken so far');
    expect(issuingText({ done: 0, total: 1, broken: 0 })).toBe('Issuing: 0 of 1 user, 0 broken so far');
  });

  it('says how many users were not re-keyed and that their old codes work', () => {
    expect(notReKeyedText(750)).toBe('750 users were not re-keyed: their old codes still work.');
    expect(notReKeyedText(1)).toBe('1 user was not re-keyed: their old code still works.');
  });

  it('names who "Generate again" issues for', () => {
    expect(generateAgainLabel(1, 0)).toBe('Generate again (1 broken)');
    expect(generateAgainLabel(0, 750)).toBe('Generate again (750 not re-keyed)');
    expect(generateAgainLabel(2, 1500)).toBe('Generate again (2 broken, 1,500 not re-keyed)');
  });

  it('lists a not-reached user once, and not at all when the job has a code for them', () => {
    const waiting = [
      { userId: 'c', login: 'c' },
      { userId: 'd', login: 'd' },
      { userId: 'd', login: 'd' },
      { userId: 'a', login: 'a' },
    ];
    expect(notReKeyedUsers(waiting, [ok('a'), broken('b')]).map((u) => u.userId)).toEqual(['c', 'd']);
    expect(notReKeyedUsers(undefined, [])).toEqual([]);
  });

  it('promises to keep the codes until the popup closes, in memory only', () => {
    expect(KEEP_PROMISE).toContain('The console keeps these codes until you close this window, in memory only');
  });
});
