// Turns an order job into the venue body: a market order whose `price` is the worst acceptable price
// (BUY ceiling, SELL floor) derived from the tick price and the slippage cap, on the market's tick.
// Deterministic: the same job always gives the same body, so a retry with the same Idempotency-Key is an
// identical replay (a different body would be 409 IDEMPOTENCY_KEY_REUSE).

import { fromMicro, MICRO, type Micro, mulMicro, roundTo } from '@polybot/shared';
import type { PlaceOrderBody } from '../venue/venue-port.js';

/** Default market tick: 0.01. */
export const DEFAULT_TICK: Micro = 10_000;
/** The venue accepts prices in [0.01, 0.99]. */
export const MIN_PRICE: Micro = 10_000;
export const MAX_PRICE: Micro = 990_000;
/** Share quantum: 4 dp. */
export const QTY_STEP: Micro = 100;

export class OrderBuildError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'OrderBuildError';
    this.code = code;
  }
}

/**
 * Worst price for a market order: ref × (1 ± bps/10⁴), rounded away from the ref onto the tick (BUY up,
 * SELL down), then clamped into [0.01, 0.99] on the tick grid.
 */
export function worstPrice(
  side: 'BUY' | 'SELL',
  refPrice: Micro,
  slippageBps: number,
  tick: Micro = DEFAULT_TICK,
): Micro {
  if (!Number.isSafeInteger(refPrice) || refPrice <= 0 || refPrice >= MICRO) {
    throw new OrderBuildError('INVALID_REF_PRICE', `reference price outside (0, 1): ${refPrice}`);
  }
  if (!Number.isInteger(slippageBps) || slippageBps < 0 || slippageBps > 10_000) {
    throw new OrderBuildError('INVALID_SLIPPAGE', `slippage must be 0..10000 bps: ${slippageBps}`);
  }
  if (!Number.isSafeInteger(tick) || tick <= 0 || tick >= MICRO) {
    throw new OrderBuildError('INVALID_TICK', `tick outside (0, 1): ${tick}`);
  }
  const lo = roundTo(MIN_PRICE, tick, 'ceil');
  const hi = roundTo(MAX_PRICE, tick, 'floor');
  const raw =
    side === 'BUY'
      ? mulMicro(refPrice, (10_000 + slippageBps) * 100, 'ceil')
      : mulMicro(refPrice, (10_000 - slippageBps) * 100, 'floor');
  const onTick = roundTo(raw, tick, side === 'BUY' ? 'ceil' : 'floor');
  return Math.min(hi, Math.max(lo, onTick));
}

/** Shares as a 4 dp decimal string (floored to the quantum). */
export function quantityString(quantity: Micro): string {
  const q = roundTo(quantity, QTY_STEP, 'floor');
  if (q <= 0) throw new OrderBuildError('INVALID_QUANTITY', `quantity below 0.0001 shares: ${quantity}`);
  return fromMicro(q);
}

export interface OrderBodyInput {
  intentId: string;
  marketId: string;
  side: 'BUY' | 'SELL';
  outcome: string;
  quantity: Micro;
  refPrice: Micro;
}

export function buildOrderBody(input: OrderBodyInput, slippageBps: number, tick: Micro = DEFAULT_TICK): PlaceOrderBody {
  return {
    market_id: input.marketId,
    side: input.side,
    outcome: input.outcome,
    order_type: 'market',
    quantity: quantityString(input.quantity),
    price: fromMicro(worstPrice(input.side, input.refPrice, slippageBps, tick)),
    client_order_id: input.intentId,
  };
}
