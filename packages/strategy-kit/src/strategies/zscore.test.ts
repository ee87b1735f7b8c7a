import { describe, expect, it } from 'vitest';
import { MARKET, mkGap, mkTick } from '../../test/fixtures.js';
import { parseStrategyParams } from '../registry.js';
import { type Decision, FLAT, type PositionView } from '../strategy.js';
import { type ZscoreParams, type ZscoreState, zscore } from './zscore.js';

const params = (json: Record<string, unknown> = {}) => parseStrategyParams('zscore', json) as ZscoreParams;

function feed(prices: number[], p: ZscoreParams, position: PositionView = FLAT, start?: ZscoreState) {
  let state = start ?? zscore.init(MARKET);
  const out: { i: number; d: Decision }[] = [];
  prices.forEach((yes, i) => {
    const res = zscore.onTick(state, mkTick(yes, 1000 + i), {
      now: () => 1000 + i,
      marketId: MARKET,
      position,
      params: p,
    });
    // The state must survive a checkpoint round trip unchanged.
    state = JSON.parse(JSON.stringify(res.state)) as ZscoreState;
    expect(state).toEqual(res.state);
    for (const d of res.decisions) out.push({ i, d });
  });
  return { state, out };
}

const wobble = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 500_000 : 510_000));

describe('zscore', () => {
  it('waits for a full window, buys a drop of `entry` deviations, and carries that across ticks', () => {
    const p = params({ window: 10, entry: '2', exit: '0.5' });
    const { state, out } = feed([...wobble(10), 450_000], p);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ i: 10, d: { side: 'BUY', outcome: 'Yes', quantity: 5_000_000, refPrice: 450_000 } });
    expect(state.inTrade).toBe(true);
    expect(state.prices).toHaveLength(10);
    // In a trade: a second drop does not buy again.
    const again = feed([440_000], p, FLAT, state);
    expect(again.out).toEqual([]);
  });

  it('exits by selling what is held once the price reverts, and only that', () => {
    const p = params({ window: 10 });
    const entered = feed([...wobble(10), 450_000], p).state;
    const held: PositionView = { ...FLAT, Yes: { held: 3_000_000, pendingBuy: 0, pendingSell: 0 } };
    const exit = feed([520_000], p, held, entered);
    expect(exit.out).toHaveLength(1);
    expect(exit.out[0]?.d).toMatchObject({ side: 'SELL', quantity: 3_000_000, refPrice: 520_000 });
    expect(exit.state.inTrade).toBe(false);
    // Nothing held: it leaves the trade without an order.
    const flat = feed([520_000], p, FLAT, entered);
    expect(flat.out).toEqual([]);
    expect(flat.state.inTrade).toBe(false);
  });

  it('ignores flat windows and keeps integer sums exact', () => {
    const p = params({ window: 5 });
    const { state, out } = feed(Array(20).fill(500_000), p);
    expect(out).toEqual([]);
    expect(state.sum).toBe(2_500_000);
    expect(state.sumSq).toBe(5 * 500_000 * 500_000);
  });

  it('restarts its window after a gap', () => {
    const p = params({ window: 10 });
    const { state } = feed(wobble(10), p);
    const after = zscore.onGap(state, mkGap(2000), { now: () => 2000, marketId: MARKET, position: FLAT, params: p });
    expect(after.state).toEqual({ prices: [], sum: 0, sumSq: 0, inTrade: false });
    // The next drop does not trade: the window is not full yet.
    expect(feed([450_000], p, FLAT, after.state).out).toEqual([]);
  });

  it('is deterministic: two runs over the same prices give the same decisions and state', () => {
    const p = params({ window: 8, entry: '1.5', exit: '0.2' });
    let x = 7;
    const prices = Array.from({ length: 500 }, () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return 300_000 + (x % 400_000);
    });
    expect(feed(prices, p)).toEqual(feed(prices, p));
    expect(feed(prices, p).out.length).toBeGreaterThan(0);
  });
});
