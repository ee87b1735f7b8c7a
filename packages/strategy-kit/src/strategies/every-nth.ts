// `every-nth`: the benchmark strategy. It decides on every `n`th tradable tick of a market, whatever the
// price, so the pipeline orders on a fixed share of ticks (1/n). Each decision trades `size` shares of Yes:
// SELL when that much is sellable (held minus sells in flight), BUY otherwise. With fills arriving before
// the next decision this alternates BUY, SELL, BUY, … and the position stays flat (0 or `size`).
// With `stagger`, each market counts from its own offset (a hash of its id), so markets that start together
// do not all decide on the same tick: the orders spread out the way independent signals would.

import { fnv1a32, fromMicro } from '@polybot/shared';
import { z } from 'zod';
import { sharesParam } from '../params.js';
import { type Strategy, sellable } from '../strategy.js';

export const everyNthParams = z.strictObject({
  /** Decide on every n-th tradable tick of each market (1 = every tick). Default 10. */
  n: z.int().min(1).max(1_000_000).default(10),
  /** Shares per order. Default 5 (the venue's minimum order size). */
  size: sharesParam().default(5_000_000),
  /** Offset each market's count by a hash of its id, so markets do not decide in lockstep. Default false. */
  stagger: z.boolean().default(false),
});

export type EveryNthParams = z.output<typeof everyNthParams>;

export interface EveryNthState {
  /** Tradable ticks of this market seen so far. */
  count: number;
  /** marketPhase of the market: the count's offset with `stagger`. Absent in older checkpoints (taken then). */
  phase?: number;
}

/** A stable 32-bit offset per market: FNV-1a of its id (the hash the partitioning uses). */
export const marketPhase = (marketId: string): number => fnv1a32(marketId);

export const everyNth: Strategy<EveryNthParams, EveryNthState> = {
  name: 'every-nth',
  params: everyNthParams,
  init: (market) => ({ count: 0, phase: marketPhase(market) }),
  onTick(state, tick, ctx) {
    if (!tick.tradable) return { state, decisions: [] };
    const count = state.count + 1;
    // A state checkpointed before `phase` existed takes the market's phase now (the same as init's).
    const next = { count, phase: state.phase ?? marketPhase(ctx.marketId) };
    const p = ctx.params;
    const offset = p.stagger ? next.phase % p.n : 0;
    if ((count + offset) % p.n !== 0) return { state: next, decisions: [] };
    const sell = sellable(ctx.position, 'Yes') >= p.size;
    return {
      state: next,
      decisions: [
        {
          side: sell ? 'SELL' : 'BUY',
          outcome: 'Yes',
          quantity: p.size,
          // What a market order pays: the ask for a BUY, the bid for a SELL (Yes without a book).
          refPrice: sell ? (tick.best_bid ?? tick.yes) : (tick.best_ask ?? tick.yes),
          reason: `tick ${count} of this market (every ${p.n}th${offset > 0 ? `, offset ${offset}` : ''}) at yes ${fromMicro(tick.yes)}`,
        },
      ],
    };
  },
  onGap: (state) => ({ state }),
};
