import { describe, expect, it } from 'vitest';
import { CadenceTracker } from './cadence-tracker.js';

const feed = (t: CadenceTracker, market: string, from: number, every: number, n: number) => {
  let now = from;
  for (let i = 0; i < n; i++) {
    t.record(market, now);
    now += every;
  }
  return now - every;
};

describe('CadenceTracker', () => {
  it('learns each market’s cadence and picks the busiest as canary', () => {
    const t = new CadenceTracker({ quietFactor: 10, minQuietMs: 0 });
    t.rebase(['a', 'b'], 0);
    feed(t, 'a', 0, 100, 10);
    feed(t, 'b', 0, 1000, 10);
    expect(t.cadence('a')).toBeCloseTo(100);
    expect(t.cadence('b')).toBeCloseTo(1000);
    expect(t.canary()).toBe('a');
  });

  it('reports a market quiet once per episode, against its own cadence', () => {
    const t = new CadenceTracker({ quietFactor: 10, minQuietMs: 0 });
    t.rebase(['a', 'b'], 0);
    const lastA = feed(t, 'a', 0, 100, 10);
    const lastB = feed(t, 'b', 0, 1000, 10);
    // 2 s of silence: far beyond a's cadence (100 ms), normal for b (1 s).
    const now = Math.max(lastA, lastB) + 2000;
    expect(t.scanNewlyQuiet(now).map((q) => q.market)).toEqual(['a']);
    expect(t.scanNewlyQuiet(now + 1)).toEqual([]);
    expect(t.record('a', now + 2)).toBe(true);
    expect(t.record('a', now + 3)).toBe(false);
  });

  it('does not judge a market before its cadence is known, nor count the outage after a rebase', () => {
    const t = new CadenceTracker({ quietFactor: 2, minQuietMs: 0 });
    t.rebase(['a'], 0);
    t.record('a', 0);
    t.record('a', 10);
    expect(t.scanNewlyQuiet(10_000)).toEqual([]);
    feed(t, 'a', 20, 10, 10);
    const before = t.cadence('a');
    t.rebase(['a'], 50_000);
    t.record('a', 60_000);
    expect(t.cadence('a')).toBe(before);
    expect(t.isQuiet('a', 60_001)).toBe(false);
  });
});
