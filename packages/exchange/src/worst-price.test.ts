import { describe, expect, it } from 'vitest';
import { ExchangeError } from './errors.js';
import { worstPrice } from './worst-price.js';

describe('worstPrice', () => {
  it('moves the reference by the slippage away from the trader and onto the tick', () => {
    expect(worstPrice('BUY', 650_000, 200, 10_000)).toBe(670_000);
    expect(worstPrice('SELL', 650_000, 200, 10_000)).toBe(630_000);
    expect(worstPrice('BUY', 651_000, 0, 10_000)).toBe(660_000);
    expect(worstPrice('SELL', 651_000, 0, 10_000)).toBe(650_000);
    expect(worstPrice('BUY', 651_000, 0, 1_000)).toBe(651_000);
  });

  it('clamps into [0.01, 0.99]', () => {
    expect(worstPrice('BUY', 985_000, 500, 10_000)).toBe(990_000);
    expect(worstPrice('SELL', 12_000, 5000, 10_000)).toBe(10_000);
  });

  it('rejects inputs outside their ranges with a code', () => {
    expect(() => worstPrice('BUY', 0, 0, 10_000)).toThrow(ExchangeError);
    expect(() => worstPrice('BUY', 500_000, -1, 10_000)).toThrow(/slippage/);
    expect(() => worstPrice('BUY', 500_000, 0, 0)).toThrow(/tick/);
  });
});
