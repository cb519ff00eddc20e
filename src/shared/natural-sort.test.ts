import { describe, expect, it } from 'vitest';
import { naturalCompare, naturalKey } from './natural-sort';

const sorted = (xs: string[]) => [...xs].sort(naturalCompare);

describe('natural, case-insensitive order', () => {
  it('puts a.almeida2 before a.almeida10, and numbers of any length in numeric order', () => {
    expect(sorted(['a.almeida10', 'a.almeida2', 'a.almeida1', 'a.almeida100', 'a.almeida'])).toEqual([
      'a.almeida',
      'a.almeida1',
      'a.almeida2',
      'a.almeida10',
      'a.almeida100',
    ]);
    expect(sorted(['u99999999999', 'u100000000000', 'u7'])).toEqual(['u7', 'u99999999999', 'u100000000000']);
  });

  it('ignores case and treats leading zeros as the same number', () => {
    expect(sorted(['Bo', 'anna', 'Carla', 'ANNA2'])).toEqual(['anna', 'ANNA2', 'Bo', 'Carla']);
    expect(naturalKey('depot-007')).toBe(naturalKey('Depot-7'));
    expect(naturalKey('x0')).toBe('x010');
  });

  it('keeps punctuation and letters where plain order has them around a number', () => {
    expect(sorted(['a1', 'a.b', 'ab', 'a-1'])).toEqual(['a-1', 'a.b', 'a1', 'ab']);
    expect(sorted(['file 2 b', 'file 10 a', 'file 2 a'])).toEqual(['file 2 a', 'file 2 b', 'file 10 a']);
  });

  it('folds full-width forms, and sorts letters beyond ASCII by code point (after z), the same on every engine', () => {
    expect(naturalKey('ＡＢ１２')).toBe(naturalKey('ab12'));
    expect(sorted(['Ölund', 'Oberg', 'Zeta'])).toEqual(['Oberg', 'Zeta', 'Ölund']);
  });
});
