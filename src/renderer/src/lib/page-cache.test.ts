import { describe, expect, it } from 'vitest';
import { missingPages, pageOf, pagesInRange, rowAt, withPage } from './page-cache';

describe('page cache', () => {
  it('puts row 199 on page 0 and row 200 on page 1 with pages of 200', () => {
    expect(pageOf(199)).toBe(0);
    expect(pageOf(200)).toBe(1);
  });

  it('covers a visible range that straddles a page boundary with both pages', () => {
    expect(pagesInRange(180, 230, 100_000)).toEqual([0, 1]);
  });

  it('does not ask for pages past the end of the list', () => {
    expect(pagesInRange(99_950, 100_100, 100_000)).toEqual([499]);
    expect(pagesInRange(0, 50, 0)).toEqual([]);
  });

  it('only fetches pages that are neither cached nor in flight', () => {
    expect(missingPages([3, 4, 5, 6], new Map([[4, []]]), new Set([5]))).toEqual([3, 6]);
  });

  it('finds a loaded row by its absolute index and reports unloaded rows as missing', () => {
    const pages = new Map([[1, ['a', 'b', 'c']]]);
    expect(rowAt(pages, 201, 200)).toBe('b');
    expect(rowAt(pages, 5, 200)).toBeUndefined();
  });

  it('evicts the pages farthest from where the user is looking once the cache is full', () => {
    let pages = new Map<number, readonly string[]>();
    for (const p of [0, 1, 2, 50, 51]) pages = withPage(pages, p, [`p${p}`], 51, 10);
    pages = withPage(pages, 52, ['p52'], 51, 4);
    expect([...pages.keys()].sort((a, b) => a - b)).toEqual([2, 50, 51, 52]);
  });

  it('never evicts the page it has just stored', () => {
    const pages = withPage(new Map([[0, ['x']]]), 900, ['y'], 0, 1);
    expect([...pages.keys()]).toEqual([900]);
  });
});
