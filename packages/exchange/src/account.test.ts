import { describe, expect, it } from 'vitest';
import { Account, type Fill } from './account.js';
import { ExchangeError } from './errors.js';

const M = '0xabc';
const fill = (over: Partial<Fill>): Fill => ({
  orderId: 1,
  marketId: M,
  outcome: 'Yes',
  side: 'BUY',
  quantity: 10_000_000,
  price: 650_000,
  notional: 6_500_000,
  fee: 160_000,
  ts: 0,
  createdTs: 0,
  priceSource: 'best_ask',
  ...over,
});

describe('Account', () => {
  it('books buys and sells with average entry, realised P&L and the cash invariant', () => {
    const a = new Account('a', 10_000_000_000);
    a.applyFill(fill({}));
    a.applyFill(fill({ orderId: 2, price: 550_000, notional: 5_500_000, fee: 170_000 }));
    const p = a.position(M, 'Yes')!;
    expect(p.quantity).toBe(20_000_000);
    expect(p.avgEntry).toBe(600_000);
    a.applyFill(fill({ orderId: 3, side: 'SELL', price: 700_000, notional: 7_000_000, fee: 150_000 }));
    expect(p.quantity).toBe(10_000_000);
    expect(p.costBasis).toBe(6_000_000);
    expect(p.avgEntry).toBe(600_000);
    // 7.00 − 6.00 − 0.15 sell fee − 0.33 buy fees
    expect(a.realized).toBe(520_000);
    const expected = 10_000_000_000 - (6_500_000 + 160_000) - (5_500_000 + 170_000) + (7_000_000 - 150_000);
    expect(a.cash).toBe(expected);
    expect(a.history).toHaveLength(3);
    a.applyFill(fill({ orderId: 4, side: 'SELL', price: 600_000, notional: 6_000_000, fee: 0 }));
    expect(p.status).toBe('CLOSED');
    expect(p.costBasis).toBe(0);
  });

  it('refuses naked shorts and overspending without changing anything', () => {
    const a = new Account('a', 1_000_000);
    expect(() => a.applyFill(fill({ side: 'SELL' }))).toThrow(ExchangeError);
    expect(() => a.applyFill(fill({}))).toThrow(/Insufficient balance/);
    expect(a.cash).toBe(1_000_000);
    expect(a.history).toHaveLength(0);
  });

  it('keeps reservations out of what new orders may use', () => {
    const a = new Account('a', 10_000_000);
    a.reserveCash(6_000_000);
    expect(a.available).toBe(4_000_000);
    expect(() => a.reserveCash(5_000_000)).toThrow(/Insufficient/);
    a.releaseCash(6_000_000);
    a.applyFill(fill({ fee: 0 }));
    a.reserveShares(M, 'Yes', 6_000_000);
    expect(a.sellable(M, 'Yes')).toBe(4_000_000);
    expect(() => a.reserveShares(M, 'Yes', 5_000_000)).toThrow(/naked/);
    a.releaseShares(M, 'Yes', 6_000_000);
    expect(a.sellable(M, 'Yes')).toBe(10_000_000);
  });
});
