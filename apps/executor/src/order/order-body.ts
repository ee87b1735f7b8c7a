// Turns an order job into the venue body: a market order whose `price` is the worst acceptable price
// (BUY ceiling, SELL floor) derived from the tick price and the slippage cap, on the market's tick.
// Deterministic: the same job always gives the same body, so a retry with the same Idempotency-Key is an
// identical replay (a different body would be 409 IDEMPOTENCY_KEY_REUSE).

import { ExchangeError, worstPrice as exchangeWorstPrice } from '@polybot/exchange';
import { fromMicro, type Micro, roundTo } from '@polybot/shared';
import type { PlaceOrderBody } from '../venue/venue-port.js';

/** Default market tick: 0.01. */
export const DEFAULT_TICK: Micro = 10_000;
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
 * Worst price for a market order: the one rule in @polybot/exchange (the backtest fills against it too),
 * with its input errors as OrderBuildError so the executor rejects the job with the code.
 */
export function worstPrice(
  side: 'BUY' | 'SELL',
  refPrice: Micro,
  slippageBps: number,
  tick: Micro = DEFAULT_TICK,
): Micro {
  try {
    return exchangeWorstPrice(side, refPrice, slippageBps, tick);
  } catch (err) {
    if (err instanceof ExchangeError) throw new OrderBuildError(err.code, err.message);
    throw err;
  }
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
