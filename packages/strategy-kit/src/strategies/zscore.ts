// `zscore`: mean reversion on a rolling window of Yes prices. It carries state across ticks (the window and
// whether it is in a trade), which is what proves the API is more than a per-tick rule. Buy when the price
// is `entry` standard deviations below the window mean; sell what is held once the price has come back to
// within `exit` deviations below the mean (or above it). A gap clears the window: prices on either side of a
// hole are not one series.

import { fromMicro, MICRO } from '@polybot/shared';
import { z } from 'zod';
import { decimalParam, sharesParam } from '../params.js';
import { type Decision, type Strategy, sellable } from '../strategy.js';

export const zscoreParams = z
  .strictObject({
    /** Prices in the rolling window. Default 20. */
    window: z.int().min(2).max(5000).default(20),
    /** Enter when z ≤ −entry. Default 2. */
    entry: decimalParam().default(2 * MICRO),
    /** Exit when z ≥ −exit. Default 0.5. */
    exit: decimalParam().default(500_000),
    /** Shares per order. Default 5. */
    size: sharesParam().default(5_000_000),
    /** Ignore windows whose standard deviation is below this price (flat markets). Default 0.001. */
    minStd: decimalParam().default(1_000),
  })
  .refine((p) => p.exit < p.entry, { message: 'exit must be below entry', path: ['exit'] });

export type ZscoreParams = z.output<typeof zscoreParams>;

export interface ZscoreState {
  /** The last `window` Yes prices (micro-units), oldest first. */
  prices: number[];
  /** Σ price and Σ price² over the window: integers, exact while window × 1e12 < 2^53. */
  sum: number;
  sumSq: number;
  /** The strategy's own view: it has entered and not yet exited. */
  inTrade: boolean;
}

export const zscore: Strategy<ZscoreParams, ZscoreState> = {
  name: 'zscore',
  params: zscoreParams,
  init: () => ({ prices: [], sum: 0, sumSq: 0, inTrade: false }),
  onTick(state, tick, ctx) {
    const p = ctx.params;
    const price = tick.yes;
    const prices = state.prices.slice();
    let { sum, sumSq } = state;
    prices.push(price);
    sum += price;
    sumSq += price * price;
    while (prices.length > p.window) {
      const old = prices.shift() as number;
      sum -= old;
      sumSq -= old * old;
    }
    let inTrade = state.inTrade;
    const decisions: Decision[] = [];
    if (prices.length === p.window) {
      const n = prices.length;
      const mean = sum / n;
      const variance = Math.max(0, sumSq / n - mean * mean);
      const std = Math.sqrt(variance);
      if (std >= p.minStd && std > 0) {
        // z in micro-units of a standard deviation, compared with the integer thresholds.
        const zMicro = Math.round(((price - mean) / std) * MICRO);
        if (!inTrade && zMicro <= -p.entry) {
          inTrade = true;
          decisions.push({
            side: 'BUY',
            outcome: 'Yes',
            quantity: p.size,
            refPrice: price,
            reason: `z ${fromMicro(zMicro)} <= -${fromMicro(p.entry)}`,
          });
        } else if (inTrade && zMicro >= -p.exit) {
          inTrade = false;
          const canSell = sellable(ctx.position, 'Yes');
          const quantity = Math.min(p.size, canSell - (canSell % 100));
          if (quantity > 0) {
            decisions.push({
              side: 'SELL',
              outcome: 'Yes',
              quantity,
              refPrice: price,
              reason: `z ${fromMicro(zMicro)} >= -${fromMicro(p.exit)}`,
            });
          }
        }
      }
    }
    return { state: { prices, sum, sumSq, inTrade }, decisions };
  },
  // A hole in the feed breaks the series: start a new window, keep the trade flag (a position may be open).
  onGap: (state) => ({ state: { prices: [], sum: 0, sumSq: 0, inTrade: state.inTrade } }),
};
