// The levels an order takes at one tick, built with @polybot/exchange (the simulator's book model), and the
// worst price the executor would send with it. Nothing here looks past the tick it is given.

import { type Book, buildBook, complementBook, type Level } from '@polybot/exchange';

export { worstPrice } from '@polybot/exchange';

import { MICRO, type Micro, type Tick } from '@polybot/shared';
import type { Outcome, Side } from '@polybot/strategy-kit';
import type { FillModel } from './options.js';

/** Shifts best-first levels so the first sits at `touch`, dropping levels pushed out of (0, 1). */
function anchor(levels: Level[], touch: Micro | undefined): Level[] {
  const first = levels[0];
  if (touch === undefined || first === undefined || first.price === touch) return levels;
  const d = touch - first.price;
  const out: Level[] = [];
  for (const l of levels) {
    const p = l.price + d;
    if (p > 0 && p < MICRO) out.push({ price: p, size: l.size });
  }
  return out;
}

/**
 * The Yes book at a tick: the exchange's synthetic book around the Yes price, its touch moved onto the
 * recorded best bid/ask when those were recorded.
 */
export function yesBookAt(tick: Tick, tickSize: Micro, bookSeed: number, seq: number): Book {
  const b = buildBook(tick.yes, tickSize, bookSeed, seq);
  return { bids: anchor(b.bids, tick.best_bid), asks: anchor(b.asks, tick.best_ask) };
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** Best-first levels a `side` order on `outcome` takes at `tick`. */
export function levelsAt(
  model: FillModel,
  tick: Tick,
  side: Side,
  outcome: Outcome,
  tickSize: Micro,
  bookSeed: number,
  seq: number,
): Level[] {
  if (model === 'touch') {
    let price: Micro;
    if (outcome === 'Yes') price = (side === 'BUY' ? tick.best_ask : tick.best_bid) ?? tick.yes;
    else {
      const yesTouch = side === 'BUY' ? tick.best_bid : tick.best_ask;
      price = yesTouch === undefined ? tick.no : MICRO - yesTouch;
    }
    return price > 0 && price < MICRO ? [{ price, size: UNLIMITED }] : [];
  }
  const yes = yesBookAt(tick, tickSize, bookSeed, seq);
  const book = outcome === 'Yes' ? yes : complementBook(yes);
  return side === 'BUY' ? book.asks : book.bids;
}
