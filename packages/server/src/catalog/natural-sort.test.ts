import { describe, expect, it } from 'vitest';
import { naturalSortKey } from './natural-sort.js';

const sorted = (names: string[], latestFirst = false) =>
  [...names].sort((a, b) => {
    const ka = naturalSortKey(a, { latestFirst });
    const kb = naturalSortKey(b, { latestFirst });
    return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });

describe('naturalSortKey', () => {
  it('orders versions by value', () => {
    expect(sorted(['v1.10', 'v1.9', 'v1.2.3', 'v10.0', 'v2', 'v1.9-rc1'])).toEqual([
      'v1.2.3',
      'v1.9',
      'v1.9-rc1',
      'v1.10',
      'v2',
      'v10.0',
    ]);
  });
  it('puts latest first for tags', () => {
    expect(sorted(['3.20', 'latest', '3.9', 'edge'], true)).toEqual(['latest', '3.9', '3.20', 'edge']);
    expect(sorted(['3.20', 'latest'], false)).toEqual(['3.20', 'latest']);
  });
  it('ignores case and handles leading zeros and long numbers', () => {
    expect(sorted(['B', 'a', 'C'])).toEqual(['a', 'B', 'C']);
    expect(sorted(['build-010', 'build-9', 'build-0011'])).toEqual(['build-9', 'build-010', 'build-0011']);
    expect(sorted(['20240101', '999'])).toEqual(['999', '20240101']);
  });
});
