// Adapts the shared venue REST client (@polybot/shared createVenueClient) to the executor's port: replies
// become VenueOrders in micro-units, thrown VenueError / VenueTransportError / VenueResponseError become
// VenueFailures. Nothing escapes as an exception.

import {
  DecodeError,
  isDecimalString,
  type OrderResponse,
  type OrderRow,
  toMicro,
  type VenueClient,
  VenueError,
  VenueResponseError,
  VenueTransportError,
} from '@polybot/shared';
import type { ExecutorVenue, ListOrdersQuery, VenueFailure, VenueOrder, VenueResult } from './venue-port.js';

const micro = (s: string) => toMicro(s, 'half-up');

export function orderFromResponse(o: OrderResponse): VenueOrder {
  return {
    orderId: String(o.order_id),
    status: String(o.status).toUpperCase(),
    ...(o.client_order_id ? { clientOrderId: o.client_order_id } : {}),
    side: String(o.side).toUpperCase(),
    outcome: o.outcome,
    price: micro(o.price),
    quantity: micro(o.quantity),
    notional: micro(o.notional),
    fee: micro(o.fee),
  };
}

export function orderFromRow(r: OrderRow): VenueOrder {
  const price = r.fill_price ?? r.price ?? undefined;
  // Not in the documented row, but some venues (the simulator) send it; the row schema keeps unknown fields.
  const notional = typeof r.notional === 'string' && isDecimalString(r.notional) ? r.notional : undefined;
  return {
    orderId: String(r.order_id),
    status: String(r.status).toUpperCase(),
    ...(r.client_order_id ? { clientOrderId: r.client_order_id } : {}),
    marketId: r.market_id,
    side: String(r.side).toUpperCase(),
    outcome: r.outcome,
    ...(price != null ? { price: micro(price) } : {}),
    quantity: micro(r.quantity),
    ...(notional !== undefined ? { notional: micro(notional) } : {}),
    ...(r.fee != null ? { fee: micro(r.fee) } : {}),
  };
}

export function failureOf(err: unknown): VenueFailure {
  if (err instanceof VenueError) {
    return {
      kind: 'http',
      status: err.status,
      code: err.venueCode,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
      ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
      ...(err.orderId !== undefined ? { orderId: String(err.orderId) } : {}),
      message: err.venueMessage,
    };
  }
  if (err instanceof VenueTransportError) {
    return {
      kind: 'transport',
      sent: err.mayHaveBeenSent,
      code: err.errorCode ?? `TRANSPORT_${err.reason.toUpperCase()}`,
      message: err.message,
    };
  }
  if (err instanceof VenueResponseError) {
    return {
      kind: 'malformed',
      status: err.status,
      ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
      message: err.message,
    };
  }
  if (err instanceof DecodeError && err.kind === 'PlaceOrderBody') {
    return { kind: 'invalid_request', code: 'INVALID_ORDER_BODY', message: err.message };
  }
  // Unknown: nothing can be assumed about the order.
  return { kind: 'transport', sent: true, code: 'UNEXPECTED', message: String(err).slice(0, 200) };
}

/** Runs a call and maps its reply; a reply that cannot be mapped (e.g. an absurd decimal) is malformed. */
async function guarded<R, T>(
  call: () => Promise<R>,
  map: (r: R) => T,
  requestIdOf: (r: R) => string | undefined,
): Promise<VenueResult<T>> {
  let reply: R;
  try {
    reply = await call();
  } catch (err) {
    return { ok: false, failure: failureOf(err) };
  }
  const requestId = requestIdOf(reply);
  try {
    return { ok: true, value: map(reply), ...(requestId !== undefined ? { requestId } : {}) };
  } catch (err) {
    return {
      ok: false,
      failure: {
        kind: 'malformed',
        status: 200,
        ...(requestId !== undefined ? { requestId } : {}),
        message: String(err).slice(0, 200),
      },
    };
  }
}

export function venueFromClient(client: VenueClient): ExecutorVenue {
  return {
    placeOrder(body, { idempotencyKey }) {
      return guarded(
        () => client.placeOrder({ ...body }, { idempotencyKey }),
        (r) => orderFromResponse(r.order),
        (r) => r.requestId,
      );
    },
    listOrders(q: ListOrdersQuery) {
      return guarded(
        () =>
          client.listOrders({
            ...(q.marketId !== undefined ? { market_id: q.marketId } : {}),
            ...(q.side !== undefined ? { side: q.side } : {}),
            ...(q.status !== undefined ? { status: q.status } : {}),
            ...(q.limit !== undefined ? { limit: q.limit } : {}),
            ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          }),
        (r) => ({
          orders: r.orders.map(orderFromRow),
          hasMore: r.hasMore,
          ...(r.nextCursor !== undefined ? { nextCursor: r.nextCursor } : {}),
        }),
        (r) => r.requestId,
      );
    },
    getOrder(orderId: string) {
      return guarded(
        () => client.getOrder(orderId),
        (r) => orderFromRow(r.order),
        (r) => r.requestId,
      );
    },
    positions() {
      return guarded(
        () => client.positions({ status: 'OPEN' }),
        (r) =>
          r.positions
            .filter((p) => p.status === 'OPEN')
            .map((p) => ({ marketId: p.market_id, outcome: p.outcome, quantity: micro(p.quantity) })),
        (r) => r.requestId,
      );
    },
    balance() {
      return guarded(
        () => client.balance(),
        (r) => ({
          balance: toMicro(r.balance.balance, 'half-up'),
          ...(r.balance.starting_balance != null
            ? { startingBalance: toMicro(r.balance.starting_balance, 'half-up') }
            : {}),
        }),
        (r) => r.requestId,
      );
    },
    heartbeat(intervalMs: number) {
      return guarded(
        () => client.heartbeat(intervalMs, { clientLabel: 'polybot-executor' }),
        (r) => (r.expiresAtMs !== undefined ? { expiresAtMs: r.expiresAtMs } : {}),
        (r) => r.requestId,
      );
    },
    close: () => client.close(),
  };
}
