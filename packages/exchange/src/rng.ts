// Seeded PRNG (sfc32): the only source of randomness in the exchange model, so one seed gives one history.

import { fnv1a32 } from '@polybot/shared';

/** Small fast counter PRNG (sfc32). Deterministic for a given seed on every platform. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  #spare: number | undefined;

  /** `seed` may be a number or any string (hashed); equal seeds give equal sequences. */
  constructor(seed: number | string) {
    const s = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
    this.#a = fnv1a32(`${s}#a`);
    this.#b = fnv1a32(`${s}#b`);
    this.#c = fnv1a32(`${s}#c`);
    this.#d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller, with the spare kept). */
  normal(): number {
    if (this.#spare !== undefined) {
      const s = this.#spare;
      this.#spare = undefined;
      return s;
    }
    let u = this.next();
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` lowercase hex characters. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += this.nextU32().toString(16).padStart(8, '0');
    return out.slice(0, n);
  }

  /** `n` decimal digits, the first one non-zero. */
  digits(n: number): string {
    let out = String(1 + this.int(9));
    while (out.length < n) out += String(this.int(10));
    return out;
  }
}

/** A 32-bit hash of integers, for cheap per-(market, tick, level) noise without keeping a PRNG around. */
export function hash32(a: number, b: number, c = 0): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ b, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ c, 0x27d4eb2f);
  h ^= h >>> 15;
  return h >>> 0;
}
