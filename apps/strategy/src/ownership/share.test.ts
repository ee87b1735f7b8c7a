import { describe, expect, it } from 'vitest';
import { acquisitionOrder, surplus, targetShare } from './share.js';

describe('targetShare', () => {
  it('splits partitions evenly and the shares add up to P', () => {
    for (const p of [1, 2, 7, 8, 16]) {
      for (const n of [1, 2, 3, 5]) {
        const ids = Array.from({ length: n }, (_, i) => `w${i}`);
        const shares = ids.map((id) => targetShare(p, ids, id));
        expect(shares.reduce((a, b) => a + b, 0)).toBe(p);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }
    }
  });
  it('counts the worker itself even when the registry snapshot misses it', () => {
    expect(targetShare(8, ['a'], 'b')).toBe(4);
  });
});

describe('acquisitionOrder and surplus', () => {
  it('visits every partition once, from a rank-dependent offset', () => {
    const order = acquisitionOrder(8, ['a', 'b'], 'b');
    expect(order[0]).toBe(4);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
  it('gives up the partitions furthest from the offset', () => {
    const order = acquisitionOrder(8, ['a', 'b'], 'b');
    expect(surplus([4, 5, 6, 0, 1], 3, order)).toEqual([0, 1]);
    expect(surplus([4], 3, order)).toEqual([]);
  });
});
