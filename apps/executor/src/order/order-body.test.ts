import { describe, expect, it } from 'vitest';
import { buildOrderBody, OrderBuildError, quantityString, worstPrice } from './order-body.js';

describe('worstPrice', () => {
  it('BUY: ref plus slippage, rounded up onto the tick', () => {
    // 0.65 × 1.02 = 0.663 → 0.67
    expect(worstPrice('BUY', 650_000, 200)).toBe(670_000);
  });

  it('SELL: ref minus slippage, rounded down onto the tick', () => {
    // 0.65 × 0.98 = 0.637 → 0.63
    expect(worstPrice('SELL', 650_000, 200)).toBe(630_000);
  });

  it('zero slippage keeps an on-tick price and moves an off-tick one away from the ref', () => {
    expect(worstPrice('BUY', 650_000, 0)).toBe(650_000);
    expect(worstPrice('BUY', 651_000, 0)).toBe(660_000);
    expect(worstPrice('SELL', 651_000, 0)).toBe(650_000);
  });

  it('clamps into [0.01, 0.99]', () => {
    expect(worstPrice('BUY', 985_000, 500)).toBe(990_000);
    expect(worstPrice('SELL', 12_000, 5000)).toBe(10_000);
  });

  it('respects finer and coarser ticks', () => {
    // 0.6512 × 1.01 = 0.657712 → 0.658 on a 0.001 tick
    expect(worstPrice('BUY', 651_200, 100, 1_000)).toBe(658_000);
    // on a 0.1 tick the clamp range is [0.1, 0.9]
    expect(worstPrice('SELL', 50_000, 100, 100_000)).toBe(100_000);
    expect(worstPrice('BUY', 950_000, 100, 100_000)).toBe(900_000);
  });

  it('rejects a reference price outside (0, 1)', () => {
    expect(() => worstPrice('BUY', 0, 100)).toThrow(OrderBuildError);
    expect(() => worstPrice('BUY', 1_000_000, 100)).toThrow(OrderBuildError);
  });
});

describe('quantityString', () => {
  it('formats shares with at most 4 dp, flooring the rest', () => {
    expect(quantityString(10_000_000)).toBe('10');
    expect(quantityString(1_234_567)).toBe('1.2345');
  });

  it('refuses a quantity below the quantum', () => {
    expect(() => quantityString(99)).toThrow(/INVALID_QUANTITY|0.0001/);
  });
});

describe('buildOrderBody', () => {
  it('is a market order keyed by the intent id, with decimal strings', () => {
    const body = buildOrderBody(
      {
        intentId: 'ns.s.k.0',
        marketId: `0x${'a'.repeat(64)}`,
        side: 'BUY',
        outcome: 'Yes',
        quantity: 5_000_000,
        refPrice: 400_000,
      },
      250,
    );
    expect(body).toEqual({
      market_id: `0x${'a'.repeat(64)}`,
      side: 'BUY',
      outcome: 'Yes',
      order_type: 'market',
      quantity: '5',
      price: '0.41',
      client_order_id: 'ns.s.k.0',
    });
  });
});
