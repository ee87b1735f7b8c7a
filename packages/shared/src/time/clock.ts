// Injected time: strategy and risk code read `clock.now()`, never Date.now(), so replay equals live.

import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Epoch milliseconds, possibly with a sub-millisecond fraction. */
  now(): number;
}

/** Wall clock with sub-ms precision: performance.timeOrigin + performance.now(). */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
};

/** A clock that only moves when told to; for tests, replay and backtests. */
export class ManualClock implements Clock {
  #t: number;
  constructor(startMs = 0) {
    this.#t = startMs;
  }
  now(): number {
    return this.#t;
  }
  set(ms: number): void {
    this.#t = ms;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}
