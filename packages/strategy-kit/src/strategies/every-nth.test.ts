import { describe, expect, it } from 'vitest';
import { MARKET, mkTick } from '../../test/fixtures.js';
import { getStrategy, parseStrategyParams } from '../registry.js';
import { FLAT, type PositionView } from '../strategy.js';
import { type EveryNthParams, type EveryNthState, everyNth, marketPhase } from './every-nth.js';

const params = (json: Record<string, unknown> = {}) => parseStrategyParams('every-nth', json) as EveryNthParams;
const holding = (held: number): PositionView => ({ ...FLAT, Yes: { held, pendingBuy: 0, pendingSell: 0 } });

function run(p: EveryNthParams, ticks: number, position: PositionView = FLAT) {
  let state: EveryNthState = everyNth.init(MARKET);
  const out: string[] = [];
  for (let i = 1; i <= ticks; i++) {
    const tick = mkTick(500_000, 1000 + i, { best_bid: 490_000, best_ask: 510_000 });
    const r = everyNth.onTick(state, tick, { now: () => 1000 + i, marketId: MARKET, position, params: p });
    state = r.state;
    for (const d of r.decisions) out.push(`${i}:${d.side}@${d.refPrice}`);
  }
  return out;
}

describe('every-nth', () => {
  it('is registered, with defaults n=10 and the venue minimum size', () => {
    expect(getStrategy('every-nth')).toBe(everyNth);
    expect(params()).toEqual({ n: 10, size: 5_000_000, stagger: false });
    expect(() => params({ n: 0 })).toThrow();
  });

  it('decides on every nth tradable tick: BUY at the ask when flat, SELL at the bid when holding', () => {
    expect(run(params({ n: 3 }), 9)).toEqual(['3:BUY@510000', '6:BUY@510000', '9:BUY@510000']);
    expect(run(params({ n: 3 }), 6, holding(5_000_000))).toEqual(['3:SELL@490000', '6:SELL@490000']);
  });

  it('with stagger, offsets each market by its own hash and keeps the 1-in-n share', () => {
    const p = params({ n: 10, stagger: true });
    const firstDecision = (market: string) => {
      let state = everyNth.init(market);
      const ctx = { now: () => 0, marketId: market, position: FLAT, params: p };
      for (let i = 1; i <= 30; i++) {
        const r = everyNth.onTick(state, mkTick(500_000, i, { market_id: market }), ctx);
        state = r.state;
        if (r.decisions.length > 0) return i;
      }
      return 0;
    };
    const markets = Array.from({ length: 40 }, (_, i) => `0x${i.toString(16).padStart(64, 'a')}`);
    const firsts = markets.map(firstDecision);
    // Each market decides first within its first n ticks, at 10 − (hash mod 10), and not all on the same one.
    for (const [i, m] of markets.entries()) expect(firsts[i]).toBe(10 - (marketPhase(m) % 10));
    expect(new Set(firsts).size).toBeGreaterThan(5);
    // FNV-1a 32-bit, pinned: the offsets must not change between releases (checkpoints and replays).
    expect(marketPhase('a')).toBe(0xe40c292c);
    expect(marketPhase('')).toBe(0x811c9dc5);
    // A state checkpointed before `phase` existed decides where a fresh one does.
    const ctx = { now: () => 0, marketId: MARKET, position: FLAT, params: p };
    let old: EveryNthState = { count: 0 };
    let fresh: EveryNthState = everyNth.init(MARKET);
    for (let i = 1; i <= 20; i++) {
      const a = everyNth.onTick(old, mkTick(500_000, i), ctx);
      const b = everyNth.onTick(fresh, mkTick(500_000, i), ctx);
      expect(a.decisions.length).toBe(b.decisions.length);
      old = a.state;
      fresh = b.state;
    }
    // Still one decision in n ticks per market.
    const ticks = run(p, 100);
    expect(ticks).toHaveLength(10);
  });

  it('skips ticks that are not tradable without counting them', () => {
    const p = params({ n: 2 });
    let state = everyNth.init(MARKET);
    const ctx = { now: () => 0, marketId: MARKET, position: FLAT, params: p };
    state = everyNth.onTick(state, mkTick(500_000, 1, { tradable: false }), ctx).state;
    expect(state.count).toBe(0);
    state = everyNth.onTick(state, mkTick(500_000, 2), ctx).state;
    expect(everyNth.onTick(state, mkTick(500_000, 3), ctx).decisions).toHaveLength(1);
  });
});
