// Drives every market's price process from the clock: each loop advances each market by the ticks that
// are due (busy markets every tickMs, normal ×4, quiet ×40), and hands each tick to the hub. Markets tick
// at their own phase by default, spread evenly over their interval within each activity class, as markets
// on the venue update independently; `aligned` ticks every market of a class at the same instants.

import { ACTIVITY_INTERVAL } from '@polybot/exchange';
import type { Clock } from '@polybot/shared';
import type { MarketState } from './market-state.js';

export interface FeedSink {
  beginBatch(): void;
  onTick(m: MarketState): void;
  endBatch(): void;
}

/**
 * At most this many ticks per market per pass. A market further behind (a stalled event loop, a clock
 * jump) drops the rest, as a real feed coalesces updates under load, instead of bursting them out.
 */
const MAX_CATCH_UP = 64;

/** `spread`: each market of an activity class ticks at its own phase; `aligned`: all at the same instants. */
export type FeedPhases = 'spread' | 'aligned';

/**
 * Each market's phase in ms, in [0, interval): the k-th of n markets of one class is k/n of the way
 * through the interval (0 for all when aligned). Deterministic from the market order alone.
 */
export function feedPhases(activities: readonly string[], intervals: readonly number[], mode: FeedPhases): number[] {
  if (mode === 'aligned') return activities.map(() => 0);
  const total = new Map<string, number>();
  for (const a of activities) total.set(a, (total.get(a) ?? 0) + 1);
  const seen = new Map<string, number>();
  return activities.map((a, i) => {
    const k = seen.get(a) ?? 0;
    seen.set(a, k + 1);
    return ((intervals[i] as number) * k) / (total.get(a) as number);
  });
}

export class Feed {
  readonly #markets: MarketState[];
  readonly #clock: Clock;
  readonly #intervals: number[];
  /** Added to the elapsed time per market: a market with phase p ticks p ms earlier in each interval. */
  readonly #phases: number[];
  readonly #sink: FeedSink;
  readonly #t0: number;
  /** Ticks dropped per market by the catch-up cap. */
  readonly #dropped: number[];
  #timer: NodeJS.Timeout | undefined;
  ticks = 0;
  /** Ticks skipped because the feed fell behind the clock. */
  dropped = 0;

  constructor(markets: MarketState[], clock: Clock, tickMs: number, sink: FeedSink, phases: FeedPhases = 'spread') {
    this.#markets = markets.filter((m) => m.active);
    this.#clock = clock;
    this.#sink = sink;
    this.#intervals = this.#markets.map((m) => tickMs * ACTIVITY_INTERVAL[m.spec.activity]);
    this.#phases = feedPhases(
      this.#markets.map((m) => m.spec.activity),
      this.#intervals,
      phases,
    );
    this.#t0 = clock.now();
    this.#dropped = this.#markets.map(() => 0);
  }

  /**
   * The loop period that hands out about one tick per pass: the mean gap between two ticks of the whole
   * feed, within 1–10 ms. A coarser loop would emit the ticks due in it as one burst with one timestamp.
   */
  loopMs(): number {
    const perMs = this.#intervals.reduce((a, iv) => a + 1 / iv, 0);
    return perMs > 0 ? Math.min(10, Math.max(1, 1 / perMs)) : 10;
  }

  start(loopMs: number = this.loopMs()): void {
    this.#timer ??= setInterval(() => this.poll(), Math.max(1, loopMs));
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Advances all markets to the clock's now. Public so tests with a manual clock can drive it. */
  poll(): number {
    const now = this.#clock.now();
    const elapsed = now - this.#t0;
    let n = 0;
    this.#sink.beginBatch();
    try {
      for (let i = 0; i < this.#markets.length; i++) {
        const m = this.#markets[i] as MarketState;
        const target =
          Math.floor((elapsed + (this.#phases[i] as number)) / (this.#intervals[i] as number)) -
          (this.#dropped[i] as number);
        let due = target - m.seq;
        if (due <= 0) continue;
        if (due > MAX_CATCH_UP) {
          this.#dropped[i] = (this.#dropped[i] as number) + due - MAX_CATCH_UP;
          this.dropped += due - MAX_CATCH_UP;
          due = MAX_CATCH_UP;
        }
        for (let k = 0; k < due; k++) {
          m.step(now);
          this.#sink.onTick(m);
        }
        n += due;
      }
    } finally {
      this.#sink.endBatch();
    }
    this.ticks += n;
    return n;
  }
}
