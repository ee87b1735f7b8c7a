// The worst price of a market order: the executor sends it as `price` (BUY ceiling, SELL floor), and the
// backtest fills against the same number, so both import this one rule.

import { MICRO, type Micro, mulMicro, roundTo } from '@polybot/shared';
import { ExchangeError } from './errors.js';

/** The venue accepts prices in [0.01, 0.99]. */
export const MIN_ORDER_PRICE: Micro = 10_000;
export const MAX_ORDER_PRICE: Micro = 990_000;

/**
 * ref × (1 ± bps/10⁴), rounded away from the ref onto the tick (BUY up, SELL down), then clamped into
 * [0.01, 0.99] on the tick grid. Throws an ExchangeError (INVALID_REF_PRICE, INVALID_SLIPPAGE, INVALID_TICK)
 * for inputs outside their ranges.
 */
export function worstPrice(side: 'BUY' | 'SELL', refPrice: Micro, slippageBps: number, tick: Micro): Micro {
  if (!Number.isSafeInteger(refPrice) || refPrice <= 0 || refPrice >= MICRO) {
    throw new ExchangeError('INVALID_REF_PRICE', `reference price outside (0, 1): ${refPrice}`);
  }
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > 10_000) {
    throw new ExchangeError('INVALID_SLIPPAGE', `slippage must be 0..10000 bps: ${slippageBps}`);
  }
  if (!Number.isSafeInteger(tick) || tick <= 0 || tick >= MICRO) {
    throw new ExchangeError('INVALID_TICK', `tick outside (0, 1): ${tick}`);
  }
  const lo = roundTo(MIN_ORDER_PRICE, tick, 'ceil');
  const hi = roundTo(MAX_ORDER_PRICE, tick, 'floor');
  const raw =
    side === 'BUY'
      ? mulMicro(refPrice, (10_000 + slippageBps) * 100, 'ceil')
      : mulMicro(refPrice, (10_000 - slippageBps) * 100, 'floor');
  const onTick = roundTo(raw, tick, side === 'BUY' ? 'ceil' : 'floor');
  return Math.min(hi, Math.max(lo, onTick));
}
