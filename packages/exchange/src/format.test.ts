import { formatFixed, fromMicro } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { fmt, fmtFixed, fmtPrice } from './format.js';
import { Rng } from './rng.js';

describe('fast formatting', () => {
  it('agrees with fromMicro and formatFixed of @polybot/shared on random values', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 5000; i++) {
      const v = Math.floor(rng.range(-1e13, 1e13));
      expect(fmt(v)).toBe(fromMicro(v));
      expect(fmtFixed(v, 2)).toBe(formatFixed(v, 2));
      expect(fmtFixed(v, 4)).toBe(formatFixed(v, 4));
    }
    expect(fmtPrice(650_000)).toBe('0.65');
    expect(fmtPrice(650_000)).toBe('0.65');
    expect(fmt(0)).toBe('0');
  });
});
