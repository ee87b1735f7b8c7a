// Jittered exponential reconnect delays: base doubling to a cap, reset after a healthy connection.

export interface BackoffOptions {
  /** First delay in ms. Default 1000. */
  baseMs?: number;
  /** Largest delay in ms. Default 30000. */
  maxMs?: number;
  /** Random source in [0, 1); injected for tests. Default Math.random. */
  random?: () => number;
}

/**
 * "Equal jitter": the n-th delay is uniformly drawn from [d/2, d] where d = min(max, base · 2^n), so
 * reconnecting clients spread out but never retry faster than half the nominal delay.
 */
export class Backoff {
  readonly #base: number;
  readonly #max: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.#base = Math.max(1, opts.baseMs ?? 1000);
    this.#max = Math.max(this.#base, opts.maxMs ?? 30_000);
    this.#random = opts.random ?? Math.random;
  }

  get attempt(): number {
    return this.#attempt;
  }

  /** The nominal (un-jittered) delay of the next attempt. */
  nominal(): number {
    return Math.min(this.#max, this.#base * 2 ** Math.min(this.#attempt, 30));
  }

  /** Returns the next delay and advances the attempt counter. */
  next(): number {
    const d = this.nominal();
    this.#attempt++;
    return Math.round(d / 2 + this.#random() * (d / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
