// Drives every market's price process from the clock: each loop advances each market by the ticks that
// are due (busy markets every tickMs, normal ×4, quiet ×40), and hands each tick to the hub.

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

export class Feed {
  readonly #markets: MarketState[];
  readonly #clock: Clock;
  readonly #intervals: number[];
  readonly #sink: FeedSink;
  readonly #t0: number;
  /** Ticks dropped per market by the catch-up cap. */
  readonly #dropped: number[];
  #timer: NodeJS.Timeout | undefined;
  ticks = 0;
  /** Ticks skipped because the feed fell behind the clock. */
  dropped = 0;

  constructor(markets: MarketState[], clock: Clock, tickMs: number, sink: FeedSink) {
    this.#markets = markets.filter((m) => m.active);
    this.#clock = clock;
    this.#sink = sink;
    this.#intervals = this.#markets.map((m) => tickMs * ACTIVITY_INTERVAL[m.spec.activity]);
    this.#t0 = clock.now();
    this.#dropped = this.#markets.map(() => 0);
  }

  start(loopMs: number): void {
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
        const target = Math.floor(elapsed / (this.#intervals[i] as number)) - (this.#dropped[i] as number);
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
