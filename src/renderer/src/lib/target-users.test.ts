import { describe, expect, it } from 'vitest';
import { orderByCachedRows } from './target-users';

const u = (id: string) => ({ id, login: `login-${id}` });

describe('ordering the selected users for the Generate dialog', () => {
  it('lists selected users in table order even when they were clicked in another order', () => {
    const pages = new Map([[0, [u('a'), u('b'), u('c'), u('d')]]]);
    const { found, missing } = orderByCachedRows(['d', 'a', 'c'], pages, 4);
    expect(found.map((x) => x.id)).toEqual(['a', 'c', 'd']);
    expect(missing).toEqual([]);
  });

  it('orders across pages by absolute row position, not by page insertion order', () => {
    const pages = new Map([
      [1, [u('e'), u('f')]],
      [0, [u('a'), u('b')]],
    ]);
    expect(orderByCachedRows(['f', 'a'], pages, 2).found.map((x) => x.login)).toEqual(['login-a', 'login-f']);
  });

  it('reports the selected ids whose page is no longer cached so they can be looked up', () => {
    const pages = new Map([[0, [u('a')]]]);
    expect(orderByCachedRows(['x', 'a', 'y'], pages, 1).missing).toEqual(['x', 'y']);
  });
});
