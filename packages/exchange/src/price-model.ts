// Seeded price process: a bounded random walk in logit space with occasional jumps. Each market has its
// own PRNG stream, so its path depends only on the seed and its step count, never on timing or traffic.

import { MICRO, type Micro } from '@polybot/shared';
import { Rng } from './rng.js';

export type Activity = 'busy' | 'normal' | 'quiet';

/** How many base tick intervals pass between updates, by activity. */
export const ACTIVITY_INTERVAL: Readonly<Record<Activity, number>> = Object.freeze({ busy: 1, normal: 4, quiet: 40 });

export interface PriceModelParams {
  /** Starting Yes probability, 0..1 (a model input, not money). */
  start: number;
  /** Std-dev of a step in logit units. */
  vol: number;
  /** Probability of a jump per step. */
  jumpProb: number;
  /** Std-dev of a jump in logit units. */
  jumpScale: number;
  /** Tick size in micro-units (10_000 = 0.01). */
  tick: Micro;
  /** Logit bound: |x| never exceeds it (reflected), so prices stay inside (0, 1). */
  bound: number;
}

const logit = (p: number) => Math.log(p / (1 - p));

export class PriceModel {
  readonly params: PriceModelParams;
  #rng: Rng;
  #x: number;
  #price: Micro;
  #steps = 0;

  constructor(seed: string, params: PriceModelParams) {
    this.params = params;
    this.#rng = new Rng(seed);
    this.#x = Math.max(-params.bound, Math.min(params.bound, logit(params.start)));
    this.#price = this.#quantize();
  }

  /** Current Yes price in micro-units, on the tick, within [tick, 1 − tick]. */
  get price(): Micro {
    return this.#price;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Advances one step and returns the new Yes price. */
  step(): Micro {
    const p = this.params;
    let x = this.#x + p.vol * this.#rng.normal();
    if (p.jumpProb > 0 && this.#rng.next() < p.jumpProb) x += p.jumpScale * this.#rng.normal();
    // Reflect at the bounds (twice at most for sane parameters; clamp as a last resort).
    if (x > p.bound) x = 2 * p.bound - x;
    if (x < -p.bound) x = -2 * p.bound - x;
    this.#x = Math.max(-p.bound, Math.min(p.bound, x));
    this.#steps++;
    this.#price = this.#quantize();
    return this.#price;
  }

  /** Moves the process to `price` (micro-units, on the tick) without taking a step; for tests and demos. */
  set(price: Micro): void {
    const p = this.params;
    if (price <= 0 || price >= MICRO || price % p.tick !== 0)
      throw new RangeError('price must be on the tick inside (0, 1)');
    this.#x = Math.max(-p.bound, Math.min(p.bound, logit(price / MICRO)));
    this.#price = price;
  }

  #quantize(): Micro {
    const tick = this.params.tick;
    const prob = 1 / (1 + Math.exp(-this.#x));
    const q = Math.round((prob * MICRO) / tick) * tick;
    return Math.max(tick, Math.min(MICRO - tick, q));
  }
}

/** Parameters for a market of the given activity, drawn from `rng`. */
export function drawPriceParams(rng: Rng, activity: Activity, tick: Micro): PriceModelParams {
  const volBase = activity === 'busy' ? 0.02 : activity === 'normal' ? 0.035 : 0.06;
  return {
    start: rng.range(0.08, 0.92),
    vol: volBase * rng.range(0.6, 1.4),
    jumpProb: activity === 'quiet' ? 0.02 : 0.002,
    jumpScale: rng.range(0.3, 0.9),
    tick,
    bound: logit(0.985),
  };
}
