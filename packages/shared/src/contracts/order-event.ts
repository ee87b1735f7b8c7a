// OrderEvent: every executor step in `{ns}:orders`, with the timings of the tick-to-order path.

import { z } from 'zod';
import { defineStreamContract } from './contract.js';
import { int, marketId, micro, num, price, side, size, str } from './fields.js';

export const ORDER_EVENT_TYPES = ['submitted', 'retrying', 'ambiguous', 'reconciled', 'acked', 'rejected'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];
export const TERMINAL_ORDER_EVENTS: ReadonlySet<OrderEventType> = new Set(['acked', 'rejected']);

export const OrderEventContract = defineStreamContract('OrderEvent', 1, {
  v: int(),
  intent_id: str(256),
  event: z.enum(ORDER_EVENT_TYPES),
  attempt: int(),
  market_id: marketId(),
  side: side(),
  outcome: str(200),
  quantity: size(),
  venue_order_id: str(64).optional(),
  /** Venue status on acked: FILLED, PENDING, CANCELLED, EXPIRED. */
  status: str(32).optional(),
  fill_price: price().optional(),
  filled_qty: size().optional(),
  notional: micro().optional(),
  fee: micro().optional(),
  /** Venue or transport error code (rejected, retrying, ambiguous). */
  code: str(64).optional(),
  http_status: int().optional(),
  request_id: str(128).optional(),
  reason: str(512).optional(),
  t_emit: num(),
  t_recv: num(),
  t_decide: num(),
  t_enqueue: num(),
  t_start: num(),
  t_sent: num().optional(),
  t_ack: num().optional(),
});
export type OrderEvent = ReturnType<typeof OrderEventContract.decode>;
