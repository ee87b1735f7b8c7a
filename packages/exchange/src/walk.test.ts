import { describe, expect, it } from 'vitest';
import type { Level } from './book.js';
import { div, mul, walkBook } from './walk.js';

const asks: Level[] = [
  { price: 650_000, size: 10_000_000 },
  { price: 660_000, size: 10_000_000 },
  { price: 700_000, size: 100_000_000 },
];

describe('walkBook', () => {
  it('fills at the touch when the first level is deep enough', () => {
    const r = walkBook(asks, { side: 'BUY', shares: 10_000_000 });
    expect(r).toMatchObject({ shares: 10_000_000, notional: 6_500_000, vwap: 650_000, levels: 1, stop: 'filled' });
  });

  it('computes the VWAP across levels', () => {
    const r = walkBook(asks, { side: 'BUY', shares: 20_000_000 });
    expect(r.notional).toBe(13_100_000);
    expect(r.vwap).toBe(655_000);
    expect(r.levels).toBe(2);
  });

  it('stops at the worst price and says so', () => {
    const r = walkBook(asks, { side: 'BUY', shares: 30_000_000, worst: 660_000 });
    expect(r.shares).toBe(20_000_000);
    expect(r.stop).toBe('price');
  });

  it('stops when depth runs out', () => {
    const r = walkBook(asks, { side: 'BUY', shares: 500_000_000 });
    expect(r.shares).toBe(120_000_000);
    expect(r.stop).toBe('depth');
  });

  it('spends at most the amount in amount mode, in 4 dp shares', () => {
    const r = walkBook(asks, { side: 'BUY', amount: 10_000_000 });
    expect(r.notional).toBeLessThanOrEqual(10_000_000);
    expect(r.shares % 100).toBe(0);
    expect(r.stop).toBe('filled');
    // 6.50 at 0.65 for 10 sh, then 3.50 / 0.66 = 5.3030 sh
    expect(r.shares).toBe(15_303_000);
  });

  it('treats SELL worst price as a floor', () => {
    const bids: Level[] = [
      { price: 600_000, size: 5_000_000 },
      { price: 590_000, size: 5_000_000 },
    ];
    const r = walkBook(bids, { side: 'SELL', shares: 10_000_000, worst: 600_000 });
    expect(r.shares).toBe(5_000_000);
    expect(r.stop).toBe('price');
  });
});

describe('mul/div', () => {
  it('are exact beyond the safe-integer product range', () => {
    expect(mul(9_000_000_000_000, 650_000)).toBe(5_850_000_000_000);
    expect(div(5_850_000_000_000, 9_000_000_000_000)).toBe(650_000);
    expect(mul(1, 500_000)).toBe(1);
  });
});
