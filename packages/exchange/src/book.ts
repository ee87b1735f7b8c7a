// Synthetic order books around a price. Internally both sides are best-first; the wire form of
// polysim-api.md §6 (bids ascending, asks descending, best level last) is made by toWireLevels().

import { MICRO, type Micro } from '@polybot/shared';
import { fmt, fmtPrice } from './format.js';
import { hash32 } from './rng.js';

export interface Level {
  price: Micro;
  size: Micro;
}

export interface Book {
  /** Best (highest) first. */
  bids: Level[];
  /** Best (lowest) first. */
  asks: Level[];
}

export interface BookShape {
  /** Levels per side (default 20). */
  levels?: number;
  /** Typical shares at the touch (default 400). */
  depth?: number;
}

/**
 * A book for the Yes outcome around `mid` (on `tick`). Noise comes from hash32(seed, seq, level), so the
 * same (seed, seq, mid) gives the same book and nothing needs to be stored between ticks.
 */
export function buildBook(mid: Micro, tick: Micro, seed: number, seq: number, shape: BookShape = {}): Book {
  const levels = shape.levels ?? 20;
  const depth = shape.depth ?? 400;
  const { bidGap, askGap } = touchGaps(seed, seq);
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (let k = 0; k < levels; k++) {
    const bp = mid - (bidGap + k) * tick;
    if (bp > 0) bids.push({ price: bp, size: levelSize(seed, seq, k * 2, depth, k) });
    const ap = mid + (askGap + k) * tick;
    if (ap < MICRO) asks.push({ price: ap, size: levelSize(seed, seq, k * 2 + 1, depth, k) });
  }
  return { bids, asks };
}

/** Distance of the best bid and best ask from the mid, in ticks (1 or 2 each), for (seed, seq). */
export function touchGaps(seed: number, seq: number): { bidGap: number; askGap: number } {
  const h = hash32(seed, seq, 0x5eed);
  return { bidGap: 1 + (h & 1), askGap: 1 + ((h >>> 1) & 1) };
}

function levelSize(seed: number, seq: number, salt: number, depth: number, k: number): Micro {
  const u = hash32(seed, seq, salt + 1) / 4294967296;
  // Depth grows away from the touch; sizes in hundredths of a share.
  const shares = depth * (0.4 + 1.2 * u) * (1 + 0.25 * k);
  return Math.max(1, Math.round(shares * 100)) * 10_000;
}

/** The No book implied by a Yes book: No bid = 1 − Yes ask, No ask = 1 − Yes bid (complement merge). */
export function complementBook(book: Book): Book {
  return {
    bids: book.asks.map((l) => ({ price: MICRO - l.price, size: l.size })),
    asks: book.bids.map((l) => ({ price: MICRO - l.price, size: l.size })),
  };
}

export interface WireLevel {
  price: string;
  size: string;
}

/** Best-first levels to the wire order (best level last), cut to `depth` best levels when given. */
export function toWireLevels(levels: readonly Level[], depth?: number): WireLevel[] {
  const n = depth === undefined ? levels.length : Math.min(depth, levels.length);
  const out: WireLevel[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const l = levels[n - 1 - i] as Level;
    out[i] = { price: fmtPrice(l.price), size: fmt(l.size) };
  }
  return out;
}
