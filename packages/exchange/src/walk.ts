// Size-aware VWAP book walk with a worst-price check (polysim-api.md §10).

import { divMicro, type Micro, mulMicro } from '@polybot/shared';
import type { Level } from './book.js';

export type Side = 'BUY' | 'SELL';

export interface WalkRequest {
  side: Side;
  /** Shares wanted (micro-units). Exactly one of shares / amount. */
  shares?: Micro;
  /** USD to spend (BUY only, micro-units). */
  amount?: Micro;
  /** Worst acceptable price (BUY ceiling, SELL floor); undefined = unbounded. */
  worst?: Micro;
  /** Share quantum in micro-units (default 100 = 4 dp). */
  quantum?: Micro;
}

export type StopReason = 'filled' | 'price' | 'depth';

export interface WalkResult {
  shares: Micro;
  notional: Micro;
  /** Volume-weighted average price, rounded half-up to micro-units (0 when nothing filled). */
  vwap: Micro;
  /** Levels touched. */
  levels: number;
  /** Why the walk stopped. */
  stop: StopReason;
  /** Best price of the walked side before the walk (0 when empty). */
  touch: Micro;
}

/** a × b / 1e6, half-up, exact; plain arithmetic while it is safe, bigint beyond. */
export function mul(a: Micro, b: Micro): Micro {
  const p = a * b;
  if (p <= Number.MAX_SAFE_INTEGER) {
    const q = Math.floor(p / 1_000_000);
    const r = p - q * 1_000_000;
    return r * 2 >= 1_000_000 ? q + 1 : q;
  }
  return mulMicro(a, b, 'half-up');
}

/**
 * Walks best-first `levels` (asks for BUY, bids for SELL). It never goes past `worst`, never splits below
 * the quantum, and in amount mode never spends more than `amount` on notional.
 */
export function walkBook(levels: readonly Level[], req: WalkRequest): WalkResult {
  const quantum = req.quantum ?? 100;
  const buy = req.side === 'BUY';
  let remainingShares = req.shares ?? Number.MAX_SAFE_INTEGER;
  let remainingUsd = req.amount ?? -1;
  let shares = 0;
  let notional = 0;
  let used = 0;
  let stop: StopReason = 'depth';
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as Level;
    if (req.worst !== undefined && (buy ? l.price > req.worst : l.price < req.worst)) {
      stop = 'price';
      break;
    }
    let take = Math.min(remainingShares, l.size);
    if (remainingUsd >= 0) {
      const afford = Math.floor((remainingUsd * 1_000_000) / l.price);
      take = Math.min(take, afford);
    }
    take -= take % quantum;
    if (take <= 0) {
      stop = 'filled';
      break;
    }
    let cost = mul(take, l.price);
    if (remainingUsd >= 0 && cost > remainingUsd) {
      take -= quantum;
      cost = mul(take, l.price);
      if (take <= 0) {
        stop = 'filled';
        break;
      }
    }
    used++;
    shares += take;
    notional += cost;
    remainingShares -= take;
    if (remainingUsd >= 0) remainingUsd -= cost;
    if (remainingShares <= 0) {
      stop = 'filled';
      break;
    }
    if (take < l.size) {
      // Stopped inside a level: only the amount can have run out.
      stop = 'filled';
      break;
    }
  }
  const vwap = shares > 0 ? div(notional, shares) : 0;
  return { shares, notional, vwap, levels: used, stop, touch: levels[0]?.price ?? 0 };
}

/** a / b in micro-units (a × 1e6 / b), half-up; bigint only when the product is not safe. */
export function div(a: Micro, b: Micro): Micro {
  const p = a * 1_000_000;
  if (p <= Number.MAX_SAFE_INTEGER && a >= 0 && b > 0) {
    const q = Math.floor(p / b);
    const r = p - q * b;
    return r * 2 >= b ? q + 1 : q;
  }
  return divMicro(a, b, 'half-up');
}
