// Reconciliation: after an ambiguous outcome, find out whether the venue holds an order for the intent's
// client_order_id before anything is re-sent. Uses the venue's order id when it told us one, else scans
// `GET /v1/orders` (newest first, filtered by market and side) for the client_order_id.

import type { ExecutorVenue, VenueFailure, VenueOrder } from '../venue/venue-port.js';

export type ReconcileResult =
  | { kind: 'found'; order: VenueOrder }
  | { kind: 'not_found'; pagesScanned: number }
  /** The venue could not be asked: nothing is known, the intent stays unresolved. */
  | { kind: 'failed'; failure: VenueFailure };

export interface FindOrderInput {
  clientOrderId: string;
  marketId: string;
  side: 'BUY' | 'SELL';
  orderIdHint?: string;
  /** Pages of 200 to scan at most. Default 5. */
  maxPages?: number;
}

export async function findOrderByClientId(venue: ExecutorVenue, input: FindOrderInput): Promise<ReconcileResult> {
  if (input.orderIdHint !== undefined && venue.getOrder) {
    const one = await venue.getOrder(input.orderIdHint);
    if (one.ok && (one.value.clientOrderId === undefined || one.value.clientOrderId === input.clientOrderId)) {
      return { kind: 'found', order: one.value };
    }
  }
  const maxPages = input.maxPages ?? 5;
  let cursor: string | undefined;
  for (let page = 1; page <= maxPages; page++) {
    const res = await venue.listOrders({
      marketId: input.marketId,
      side: input.side,
      limit: 200,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    if (!res.ok) return { kind: 'failed', failure: res.failure };
    const hit = res.value.orders.find((o) => o.clientOrderId === input.clientOrderId);
    if (hit) return { kind: 'found', order: hit };
    if (!res.value.hasMore || res.value.nextCursor === undefined) return { kind: 'not_found', pagesScanned: page };
    cursor = res.value.nextCursor;
  }
  return { kind: 'not_found', pagesScanned: maxPages };
}
