import { generateMarket } from '@polybot/exchange';
import { ManualClock } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { Feed, type FeedPhases, type FeedSink, feedPhases } from './feed.js';
import { MAX_FRAME_BYTES, MarketState } from './market-state.js';

const T0 = Date.parse('2026-05-11T20:30:00Z');

describe('MarketState', () => {
  it('writes a flat price frame that parses and agrees with the state', () => {
    const m = new MarketState(generateMarket(42, 0), T0);
    m.step(T0 + 250.4);
    const f = JSON.parse(m.frame());
    expect(f).toMatchObject({
      type: 'price',
      market_id: m.id,
      condition_id: m.id,
      source: 'websocket',
      active: true,
      closed: false,
      emit_ts_ms: T0 + 250,
      updated_at: '2026-05-11T20:30:00.250+00:00',
    });
    expect(Math.round(Number(f.buy) * 1e6)).toBe(m.yes);
    expect(Math.round(Number(f.sell) * 1e6)).toBe(1e6 - m.yes);
    expect(Math.round(Number(f.best_bid) * 1e6)).toBe(m.book('Yes').bids[0]?.price);
    expect(Math.round(Number(f.best_ask) * 1e6)).toBe(m.book('Yes').asks[0]?.price);
    expect(f.outcomes[1]).toEqual({ label: 'No', price: f.sell, token_id: m.tokenId('No') });
    const buf = Buffer.alloc(MAX_FRAME_BYTES);
    expect(buf.toString('latin1', 0, m.writeFrame(buf, 0))).toBe(m.frame());
  });

  it('pins a price on the tick and rejects one off the tick', () => {
    const m = new MarketState(generateMarket(42, 0), T0);
    m.setPrice(650_000, T0);
    expect(m.yes).toBe(650_000);
    expect(() => m.setPrice(650_500, T0)).toThrow();
  });
});

describe('Feed', () => {
  it('ticks busy, normal and quiet markets at 1×, 4× and 40× the interval from the clock', () => {
    const clock = new ManualClock(T0);
    const markets = [0, 1, 7].map((i) => new MarketState(generateMarket(42, i), T0));
    expect(markets.map((m) => m.spec.activity)).toEqual(['busy', 'normal', 'quiet']);
    const seen: string[] = [];
    const sink: FeedSink = { beginBatch: () => {}, onTick: (m) => seen.push(m.id), endBatch: () => {} };
    const feed = new Feed(markets, clock, 10, sink);
    clock.advance(400);
    expect(feed.poll()).toBe(40 + 10 + 1);
    expect(seen.filter((id) => id === markets[0]?.id)).toHaveLength(40);
  });

  it('spreads the markets of a class over their interval, or aligns them on request', () => {
    const busy = [0, 8, 16, 24].map((i) => generateMarket(42, i));
    expect(busy.map((m) => m.activity)).toEqual(['busy', 'busy', 'busy', 'busy']);
    const firstTicks = (phases: FeedPhases) => {
      const clock = new ManualClock(T0);
      const ms = busy.map((spec) => new MarketState(spec, T0));
      const at = new Map<string, number>();
      const sink: FeedSink = {
        beginBatch: () => {},
        onTick: (m) => {
          if (!at.has(m.id)) at.set(m.id, clock.now() - T0);
        },
        endBatch: () => {},
      };
      const feed = new Feed(ms, clock, 8, sink, phases);
      for (let t = 0; t < 16; t++) {
        clock.advance(1);
        feed.poll();
      }
      expect(feed.ticks).toBe(8);
      return ms.map((m) => at.get(m.id));
    };
    // Phases 0, 2, 4 and 6 ms of an 8 ms interval: the k-th market's first tick comes 2k ms early.
    expect(firstTicks('spread')).toEqual([8, 6, 4, 2]);
    expect(firstTicks('aligned')).toEqual([8, 8, 8, 8]);
    expect(feedPhases(['busy', 'quiet', 'busy'], [10, 400, 10], 'spread')).toEqual([0, 0, 5]);
    // About one tick per loop pass: four markets every 8 ms tick every 2 ms in all.
    const feed = new Feed(
      busy.map((spec) => new MarketState(spec, T0)),
      new ManualClock(T0),
      8,
      { beginBatch: () => {}, onTick: () => {}, endBatch: () => {} },
    );
    expect(feed.loopMs()).toBe(2);
  });

  it('drops ticks beyond the catch-up cap instead of bursting them', () => {
    const clock = new ManualClock(T0);
    const m = new MarketState(generateMarket(42, 0), T0);
    const feed = new Feed([m], clock, 1, { beginBatch: () => {}, onTick: () => {}, endBatch: () => {} });
    clock.advance(10_000);
    expect(feed.poll()).toBe(64);
    expect(feed.dropped).toBe(10_000 - 64);
    clock.advance(5);
    expect(feed.poll()).toBe(5);
  });
});
