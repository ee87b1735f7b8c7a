import { describe, expect, it } from 'vitest';
import { Account } from './account.js';
import type { Level } from './book.js';
import { executeTaker, type TakerOrder } from './execute.js';
import { FEE_RATES } from './fees.js';

const asks: Level[] = [
  { price: 650_000, size: 10_000_000 },
  { price: 660_000, size: 10_000_000 },
];
const base: TakerOrder = {
  orderId: 1,
  marketId: '0xm',
  outcome: 'Yes',
  side: 'BUY',
  kind: 'market',
  tif: 'FOK',
  shares: 10_000_000,
  ts: 0,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('executeTaker', () => {
  it('fills a market BUY with the §10 fee and books it', () => {
    const account = new Account('a', 10_000_000_000);
    const r = executeTaker(base, { account, levels: asks, feeRate: FEE_RATES.crypto });
    expect(r.status).toBe('FILLED');
    expect(r.fee).toEqual({ exact: 159_250, charged: 160_000 });
    expect(account.cash).toBe(10_000_000_000 - 6_500_000 - 160_000);
  });

  it('rejects a worst-price breach on a market FOK and cancels a limit FOK', () => {
    const account = new Account('a', 10_000_000_000);
    const ctx = { account, levels: asks, feeRate: FEE_RATES.crypto };
    expect(codeOf(() => executeTaker({ ...base, shares: 15_000_000, worst: 650_000 }, ctx))).toBe(
      'FOK_ORDER_NOT_FILLED_ERROR',
    );
    const r = executeTaker({ ...base, kind: 'limit', shares: 15_000_000, worst: 650_000 }, ctx);
    expect(r.status).toBe('CANCELLED');
    expect(account.history).toHaveLength(0);
  });

  it('fills FAK partially up to the worst price', () => {
    const account = new Account('a', 10_000_000_000);
    const r = executeTaker(
      { ...base, tif: 'FAK', shares: 15_000_000, worst: 650_000 },
      { account, levels: asks, feeRate: 0 },
    );
    expect(r).toMatchObject({ status: 'FILLED', shares: 10_000_000, partial: true, requested: 15_000_000 });
  });

  it('enforces minimum size, no naked shorts, balance and depth', () => {
    const account = new Account('a', 1_000_000);
    const ctx = { account, levels: asks, feeRate: 0 };
    expect(codeOf(() => executeTaker({ ...base, shares: 4_000_000 }, ctx))).toBe('INVALID_ORDER_MIN_SIZE');
    expect(codeOf(() => executeTaker({ ...base, side: 'SELL' }, ctx))).toBe('INSUFFICIENT_POSITION');
    expect(codeOf(() => executeTaker(base, ctx))).toBe('INSUFFICIENT_BALANCE');
    expect(codeOf(() => executeTaker({ ...base, shares: 50_000_000 }, ctx))).toBe('INSUFFICIENT_LIQUIDITY');
    expect(codeOf(() => executeTaker(base, { ...ctx, levels: [] }))).toBe('NO_EXECUTABLE_DEPTH');
    expect(account.cash).toBe(1_000_000);
  });

  it('sizes amount orders from the book', () => {
    const account = new Account('a', 10_000_000_000);
    const r = executeTaker({ ...base, shares: undefined as never, amount: 6_500_000 } as TakerOrder, {
      account,
      levels: asks,
      feeRate: 0,
    });
    expect(r.shares).toBe(10_000_000);
    expect(r.notional).toBe(6_500_000);
  });
});
