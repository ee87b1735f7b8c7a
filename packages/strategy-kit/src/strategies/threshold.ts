// `threshold`: the reference bot's rule, made position-aware. Buy Yes when its price is below `low`, sell
// Yes when it is above `high`, and never sell more than is held (minus sells already in flight).

import { fromMicro } from '@polybot/shared';
import { z } from 'zod';
import { priceParam, sharesParam } from '../params.js';
import { type Decision, type Strategy, sellable } from '../strategy.js';

export const thresholdParams = z
  .strictObject({
    /** Buy below this Yes price. Default 0.35. */
    low: priceParam().default(350_000),
    /** Sell above this Yes price. Default 0.65. */
    high: priceParam().default(650_000),
    /** Shares per order, both sides, unless buySize/sellSize say otherwise. Default 5. */
    size: sharesParam().default(5_000_000),
    buySize: sharesParam().optional(),
    sellSize: sharesParam().optional(),
    /** Turn either side off (e.g. buy-only runs, whose decisions do not depend on fills). */
    buy: z.boolean().default(true),
    sell: z.boolean().default(true),
  })
  .refine((p) => p.low < p.high, { message: 'low must be below high', path: ['low'] });

export type ThresholdParams = z.output<typeof thresholdParams>;

/** The threshold rule carries no state across ticks. */
export type ThresholdState = null;

export const threshold: Strategy<ThresholdParams, ThresholdState> = {
  name: 'threshold',
  params: thresholdParams,
  init: () => null,
  onTick(state, tick, ctx) {
    const p = ctx.params;
    const yes = tick.yes;
    const decisions: Decision[] = [];
    if (p.buy && yes < p.low) {
      decisions.push({
        side: 'BUY',
        outcome: 'Yes',
        quantity: p.buySize ?? p.size,
        // The price a market BUY pays is the ask, not the displayed Yes price; the executor's worst-price
        // cap is measured from it (falls back to Yes when the frame carries no book).
        refPrice: tick.best_ask ?? yes,
        reason: `yes ${fromMicro(yes)} < low ${fromMicro(p.low)}`,
      });
    } else if (p.sell && yes > p.high) {
      const want = p.sellSize ?? p.size;
      // Whole venue quanta only (4 dp = 100 micro-units).
      const canSell = sellable(ctx.position, 'Yes');
      const quantity = Math.min(want, canSell - (canSell % 100));
      if (quantity > 0) {
        decisions.push({
          side: 'SELL',
          outcome: 'Yes',
          quantity,
          refPrice: tick.best_bid ?? yes,
          reason: `yes ${fromMicro(yes)} > high ${fromMicro(p.high)}`,
        });
      }
    }
    return { state, decisions };
  },
  onGap: (state) => ({ state }),
};
