// Wire shapes of orders (polysim-api.md §5): decimal strings, ISO times.

import { fmt } from '@polybot/exchange';
import type { Micro } from '@polybot/shared';
import type { OrderRecord } from './order-types.js';

/** Money with at least 2 decimals and full precision beyond ("6.50", "10.09998"). */
export function money(units: Micro): string {
  const s = fmt(units);
  const dot = s.indexOf('.');
  if (dot < 0) return `${s}.00`;
  return s.length - dot - 1 < 2 ? `${s}0` : s;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** An order row of GET /v1/orders. */
export function orderRow(o: OrderRecord, single = false): Record<string, unknown> {
  const row: Record<string, unknown> = {
    order_id: o.id,
    market_id: o.marketId,
    side: o.side,
    outcome: o.outcome,
    order_type: o.orderType,
    limit_price: o.limitPrice === null ? null : fmt(o.limitPrice),
    quantity: fmt(o.status === 'FILLED' ? o.filledQty : o.requested),
    time_in_force: o.tif,
    status: o.status,
    client_order_id: o.clientOrderId,
    created_at: iso(o.createdMs),
    filled_at: o.filledMs === null ? null : iso(o.filledMs),
    fill_price: o.fillPrice === null ? null : fmt(o.fillPrice),
    cancelled_at: o.cancelledMs === null ? null : iso(o.cancelledMs),
    notional: money(o.notional),
    fee: money(o.fee),
  };
  if (single) row.cancelled_reason = o.cancelledReason;
  return row;
}
