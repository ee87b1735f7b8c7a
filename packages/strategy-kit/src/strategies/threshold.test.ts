import { describe, expect, it } from 'vitest';
import { MARKET, mkTick } from '../../test/fixtures.js';
import { parseStrategyParams } from '../registry.js';
import { FLAT, type PositionView } from '../strategy.js';
import { type ThresholdParams, threshold } from './threshold.js';

const params = (json: Record<string, unknown> = {}) => parseStrategyParams('threshold', json) as ThresholdParams;
const holding = (held: number, pendingSell = 0): PositionView => ({
  ...FLAT,
  Yes: { held, pendingBuy: 0, pendingSell },
});
const run = (yes: number, p: ThresholdParams, position: PositionView = FLAT) =>
  threshold.onTick(null, mkTick(yes, 1000), { now: () => 1000, marketId: MARKET, position, params: p }).decisions;

describe('threshold', () => {
  it('has the reference bot defaults: buy Yes below 0.35, sell above 0.65, size 5', () => {
    const p = params();
    expect(p).toMatchObject({ low: 350_000, high: 650_000, size: 5_000_000, buy: true, sell: true });
    expect(run(340_000, p)).toEqual([
      { side: 'BUY', outcome: 'Yes', quantity: 5_000_000, refPrice: 340_000, reason: 'yes 0.34 < low 0.35' },
    ]);
    expect(run(350_000, p)).toEqual([]);
    expect(run(500_000, p)).toEqual([]);
    expect(run(650_000, p, holding(10_000_000))).toEqual([]);
    expect(run(660_000, p, holding(10_000_000))).toEqual([
      { side: 'SELL', outcome: 'Yes', quantity: 5_000_000, refPrice: 660_000, reason: 'yes 0.66 > high 0.65' },
    ]);
  });

  it('never sells more than it holds, net of sells in flight', () => {
    const p = params();
    expect(run(700_000, p, FLAT)).toEqual([]);
    expect(run(700_000, p, holding(3_000_000))[0]?.quantity).toBe(3_000_000);
    expect(run(700_000, p, holding(6_000_000, 4_000_000))[0]?.quantity).toBe(2_000_000);
    expect(run(700_000, p, holding(6_000_000, 6_000_000))).toEqual([]);
    // Whole 4 dp quanta only.
    expect(run(700_000, p, holding(1_000_050))[0]?.quantity).toBe(1_000_000);
  });

  it('takes configurable sizes and sides, as decimal strings or JSON numbers', () => {
    const p = params({ low: '0.4', high: 0.6, buySize: '2.5', sellSize: 7, sell: false });
    expect(run(390_000, p)[0]).toMatchObject({ side: 'BUY', quantity: 2_500_000 });
    expect(run(610_000, p, holding(10_000_000))).toEqual([]);
    const sells = params({ buy: false, sellSize: '7' });
    expect(run(100_000, sells)).toEqual([]);
    expect(run(700_000, sells, holding(10_000_000))[0]?.quantity).toBe(7_000_000);
  });

  it('is pure: same input, same output, input untouched', () => {
    const p = params();
    const tick = mkTick(100_000, 5);
    const copy = structuredClone(tick);
    const ctx = { now: () => 5, marketId: MARKET, position: FLAT, params: p };
    expect(threshold.onTick(null, tick, ctx)).toEqual(threshold.onTick(null, tick, ctx));
    expect(tick).toEqual(copy);
  });
});
