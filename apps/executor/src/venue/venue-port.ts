// The narrow venue port the executor core depends on: place an order, list orders (to reconcile), and
// optionally read one order. Adapters never throw: every outcome, including transport failures and
// malformed bodies, comes back as a VenueResult the classifier can decide on.

import type { Micro } from '@polybot/shared';

/** The native single-order body of `POST /v1/orders` (decimal strings on the wire). */
export interface PlaceOrderBody {
  market_id: string;
  side: 'BUY' | 'SELL';
  outcome: string;
  order_type: 'market';
  /** Shares, 4 dp. */
  quantity: string;
  /** Worst price: BUY ceiling, SELL floor, on the market tick. */
  price: string;
  /** Equals the Idempotency-Key and the intent id. */
  client_order_id: string;
}

/** An order as the venue reports it (from a 200 placement or a listing). Money in micro-units. */
export interface VenueOrder {
  orderId: string;
  /** FILLED, PENDING, CANCELLED, EXPIRED (REJECTED/ERROR only in batches). */
  status: string;
  clientOrderId?: string;
  marketId?: string;
  side?: string;
  outcome?: string;
  /** Fill price (placement `price`, listing `fill_price`); absent when nothing filled. */
  price?: Micro;
  /** Shares of the order (the filled part for a partial fill). */
  quantity: Micro;
  notional?: Micro;
  /** Known on a placement reply only: listings do not carry the fee. */
  fee?: Micro;
}

export type VenueFailure =
  /** The venue answered with a non-2xx status. */
  | {
      kind: 'http';
      status: number;
      /** From X-Polysim-Code, else body `error`, else `HTTP_<status>`. */
      code: string;
      retryAfterMs?: number;
      requestId?: string;
      /** X-Polysim-Order-Id (DEADLINE_OVERSHOT_BUT_PERSISTED). */
      orderId?: string;
      message?: string;
    }
  /**
   * The exchange failed at transport level. `sent: false` only when the request provably never reached
   * the venue (connection refused, connect timeout, DNS); anything else may have been processed.
   */
  | { kind: 'transport'; sent: boolean; code: string; message: string }
  /** A 2xx whose body failed validation. */
  | { kind: 'malformed'; status: number; requestId?: string; message: string }
  /** The request was refused locally before sending (e.g. the body failed the client's schema). */
  | { kind: 'invalid_request'; code: string; message: string };

export type VenueResult<T> = { ok: true; value: T; requestId?: string } | { ok: false; failure: VenueFailure };

export interface ListOrdersQuery {
  marketId?: string;
  side?: 'BUY' | 'SELL';
  status?: 'PENDING' | 'FILLED' | 'CANCELLED' | 'EXPIRED';
  /** 1..200. */
  limit?: number;
  cursor?: string;
}

export interface OrdersPage {
  orders: VenueOrder[];
  hasMore: boolean;
  nextCursor?: string;
}

/** An open position at the venue (shares in micro-units). */
export interface VenuePositionView {
  marketId: string;
  outcome: string;
  quantity: Micro;
}

/** API-wallet cash (micro-USD). */
export interface VenueCash {
  balance: Micro;
  startingBalance?: Micro;
}

export interface ExecutorVenue {
  /** POST /v1/orders with `Idempotency-Key`. Never throws. */
  placeOrder(body: PlaceOrderBody, opts: { idempotencyKey: string }): Promise<VenueResult<VenueOrder>>;
  /** GET /v1/orders (newest first). Never throws. */
  listOrders(query: ListOrdersQuery): Promise<VenueResult<OrdersPage>>;
  /** GET /v1/orders/{id}. Never throws. */
  getOrder?(orderId: string): Promise<VenueResult<VenueOrder>>;
  /** GET /v1/account/positions?status=OPEN (projection drift check). Never throws. */
  positions?(): Promise<VenueResult<VenuePositionView[]>>;
  /** GET /v1/account/balance (projection drift check). Never throws. */
  balance?(): Promise<VenueResult<VenueCash>>;
  /** POST /v1/heartbeats (dead-man switch). Never throws. */
  heartbeat?(intervalMs: number): Promise<VenueResult<{ expiresAtMs?: number }>>;
  /** Releases connections. */
  close?(): Promise<void>;
}
