import { buildBook } from '@polybot/exchange';
import { type Tick, TickContract, tickKey } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { levelsAt, worstPrice, yesBookAt } from './fill-model.js';

const M = `0x${'ab'.repeat(32)}`;

function tick(yes: number, bid?: number, ask?: number): Tick {
  const base = {
    type: 'tick' as const,
    market_id: M,
    yes,
    no: 1_000_000 - yes,
    ...(bid !== undefined ? { best_bid: bid } : {}),
    ...(ask !== undefined ? { best_ask: ask } : {}),
    emit_ts_ms: 1,
    recv_ts_ms: 2,
    conn_epoch: 1,
    source: 'websocket',
    tradable: true,
  };
  return TickContract.decode(TickContract.encode({ ...base, key: tickKey(base) }));
}

describe('worstPrice (the executor rule)', () => {
  it('moves away from the ref by the slippage, onto the tick, inside [0.01, 0.99]', () => {
    expect(worstPrice('BUY', 340_000, 200, 10_000)).toBe(350_000); // .3468 → .35
    expect(worstPrice('SELL', 700_000, 200, 10_000)).toBe(680_000); // .686 → .68
    expect(worstPrice('BUY', 340_000, 200, 1_000)).toBe(347_000); // .3468 → .347
    expect(worstPrice('BUY', 980_000, 200, 10_000)).toBe(990_000); // .9996 → 1.00 → clamped
    expect(worstPrice('SELL', 10_000, 200, 10_000)).toBe(10_000); // .0098 → .00 → clamped
    expect(worstPrice('BUY', 500_000, 0, 10_000)).toBe(500_000);
  });
});

describe('levelsAt', () => {
  it('touch: unlimited depth at the recorded touch, No priced as the complement', () => {
    const t = tick(400_000, 390_000, 420_000);
    expect(levelsAt('touch', t, 'BUY', 'Yes', 10_000, 1, 1)[0]?.price).toBe(420_000);
    expect(levelsAt('touch', t, 'SELL', 'Yes', 10_000, 1, 1)[0]?.price).toBe(390_000);
    expect(levelsAt('touch', t, 'BUY', 'No', 10_000, 1, 1)[0]?.price).toBe(610_000);
    expect(levelsAt('touch', t, 'SELL', 'No', 10_000, 1, 1)[0]?.price).toBe(580_000);
    // No recorded touch: the tick prices.
    const bare = tick(400_000);
    expect(levelsAt('touch', bare, 'BUY', 'Yes', 10_000, 1, 1)[0]?.price).toBe(400_000);
    expect(levelsAt('touch', bare, 'SELL', 'No', 10_000, 1, 1)[0]?.price).toBe(600_000);
  });

  it('book: the exchange book, its touch on the recorded best bid/ask, depth behind it', () => {
    const t = tick(400_000, 380_000, 430_000);
    const asks = levelsAt('book', t, 'BUY', 'Yes', 10_000, 7, 3);
    const bids = levelsAt('book', t, 'SELL', 'Yes', 10_000, 7, 3);
    expect(asks[0]?.price).toBe(430_000);
    expect(bids[0]?.price).toBe(380_000);
    expect(asks[1]?.price).toBe(440_000);
    expect(asks.length).toBeGreaterThan(5);
    expect(asks.every((l) => l.size > 0)).toBe(true);
    // No asks are 1 − Yes bids.
    expect(levelsAt('book', t, 'BUY', 'No', 10_000, 7, 3)[0]?.price).toBe(620_000);
  });

  it('book: a tick recorded from the simulator (same seed and sequence) gives the simulator book unchanged', () => {
    const sim = buildBook(400_000, 10_000, 99, 12);
    const t = tick(400_000, sim.bids[0]?.price, sim.asks[0]?.price);
    expect(yesBookAt(t, 10_000, 99, 12)).toEqual(sim);
  });
});
