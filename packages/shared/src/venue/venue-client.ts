// The PolySimulator REST client shared by the executor, the ingestor and the CLI: one undici Pool with
// keep-alive and timeouts, typed methods, every 2xx body validated with zod, every failure a typed error
// (VenueError / VenueTransportError / VenueResponseError). The API key travels only in `X-API-Key`; it and
// WS tokens never reach a log line or an error message. Each result keeps `requestId` (X-Request-Id) and
// the injected-clock times the request was sent and answered, which the executor records on its events.

import { Pool } from 'undici';
import { z } from 'zod';
import { issuesOf } from '../contracts/contract.js';
import { DecodeError } from '../errors/polybot-error.js';
import { type Logger, silentLogger } from '../logging/logger.js';
import { scrubString } from '../logging/scrub.js';
import { type Clock, systemClock } from '../time/clock.js';
import { parseErrorBody } from './error-body.js';
import { type TransportReason, VenueError, VenueResponseError, VenueTransportError } from './venue-errors.js';
import {
  BalanceSchema,
  HealthSchema,
  HeartbeatResponseSchema,
  MarketDetailSchema,
  MarketsListSchema,
  type OrderResponse,
  OrderResponseSchema,
  type OrderRow,
  OrderRowSchema,
  OrdersListSchema,
  PositionsResponseSchema,
  TiersResponseSchema,
  type VenueBalance,
  type VenueHealth,
  type VenueMarket,
  type VenueMarketDetail,
  type VenuePosition,
  type VenueTier,
  WsTokenResponseSchema,
  zUnsignedDecimal,
} from './wire.js';

export interface VenueClientOptions {
  /** REST base, e.g. `https://api.polysimulator.com` (a path prefix is kept). */
  baseUrl: string;
  /** `ps_live_…` / `ps_test_…`. Sent as `X-API-Key` only; never logged. */
  apiKey: string;
  /** Deadline of one call, from dispatch to the last body byte. A call past it is an ambiguous timeout. */
  timeoutMs: number;
  /** Keep-alive sockets in the pool. */
  connections: number;
  /** Debug line per call (method, path, status, request id, duration). Default: silent. */
  logger?: Logger;
  /** Times `sentAtMs`/`ackAtMs` and resolves HTTP-date Retry-After values. Default: system clock. */
  clock?: Clock;
  /** Idle keep-alive socket lifetime. Default 30 s. */
  keepAliveTimeoutMs?: number;
  /** Default `polybot/0.1` (the edge blocks some library user agents, polysim-api.md §9). */
  userAgent?: string;
  /** Bodies larger than this are an invalid response. Default 32 MiB. */
  maxResponseBytes?: number;
}

/** What every successful call reports besides its body. */
export interface ReplyMeta {
  status: number;
  /** `X-Request-Id` of the answer. */
  requestId: string | undefined;
  /** Clock time the request was dispatched. */
  sentAtMs: number;
  /** Clock time the full answer was read. */
  ackAtMs: number;
}

/** Outgoing body of `POST /v1/orders` (a native single order). Sizes and prices are decimal strings. */
export const PlaceOrderBodySchema = z
  .looseObject({
    market_id: z.string().min(1).max(256),
    side: z.enum(['BUY', 'SELL']),
    outcome: z.string().min(1).max(200),
    quantity: zUnsignedDecimal().optional(),
    amount: zUnsignedDecimal().optional(),
    order_type: z.enum(['market', 'limit']).optional(),
    /** Limit price, or the worst price of a market order (BUY ceiling, SELL floor). Required by the venue. */
    price: zUnsignedDecimal(),
    time_in_force: z.enum(['GTC', 'FOK', 'FAK', 'IOC', 'GTD']).optional(),
    client_order_id: z.string().min(1).max(256).optional(),
    expiration: z.int().positive().optional(),
    post_only: z.boolean().optional(),
  })
  .refine((b) => (b.quantity === undefined) !== (b.amount === undefined), {
    message: 'exactly one of quantity or amount',
    path: ['quantity'],
  });
export type PlaceOrderBody = z.input<typeof PlaceOrderBodySchema>;

export interface PlaceOrderOptions {
  /** `Idempotency-Key`; also the body's `client_order_id` (set from it when absent; must equal it when present). */
  idempotencyKey: string;
}

export interface ListOrdersQuery {
  status?: 'PENDING' | 'FILLED' | 'CANCELLED' | 'EXPIRED';
  market_id?: string;
  side?: 'BUY' | 'SELL';
  /** 1–200, venue default 50. */
  limit?: number;
  offset?: number;
  cursor?: string;
}

export interface MarketsQuery {
  limit?: number;
  offset?: number;
  active_only?: boolean;
  hot_only?: boolean;
  category?: string;
  q?: string;
}

export interface OrderReply extends ReplyMeta {
  order: OrderResponse;
}
export interface OrderRowReply extends ReplyMeta {
  order: OrderRow;
}
export interface OrdersPage extends ReplyMeta {
  orders: OrderRow[];
  hasMore: boolean;
  nextCursor: string | undefined;
  totalHint: number | undefined;
}
export interface WsTokenReply extends ReplyMeta {
  token: string;
  expiresInS: number | undefined;
}
export interface TiersReply extends ReplyMeta {
  tiers: VenueTier[];
  current: string | undefined;
}
export interface MarketsPage extends ReplyMeta {
  markets: VenueMarket[];
  nextCursor: string | undefined;
}
export interface MarketReply extends ReplyMeta {
  market: VenueMarketDetail;
}
export interface BalanceReply extends ReplyMeta {
  balance: VenueBalance;
}
export interface PositionsReply extends ReplyMeta {
  positions: VenuePosition[];
}
export interface HeartbeatReply extends ReplyMeta {
  ok: boolean;
  expiresAtMs: number | undefined;
}
export interface HealthReply extends ReplyMeta {
  health: VenueHealth;
}

export interface VenueClient {
  /** POST /v1/keys/ws-token. */
  mintWsToken(): Promise<WsTokenReply>;
  /** POST /v1/orders with `Idempotency-Key`. */
  placeOrder(body: PlaceOrderBody, opts: PlaceOrderOptions): Promise<OrderReply>;
  /** GET /v1/orders (one page). */
  listOrders(query?: ListOrdersQuery): Promise<OrdersPage>;
  /**
   * Scans GET /v1/orders pages (newest reachable first, following `next_cursor`) for an order with this
   * `client_order_id`. Undefined when not found within `maxPages`.
   */
  findOrderByClientOrderId(
    clientOrderId: string,
    opts?: { status?: ListOrdersQuery['status']; market_id?: string; maxPages?: number; pageSize?: number },
  ): Promise<(OrderRow & { requestId: string | undefined }) | undefined>;
  /** GET /v1/orders/{id}. */
  getOrder(id: number | string, opts?: { source?: 'pending' | 'filled' }): Promise<OrderRowReply>;
  /** DELETE /v1/orders/{id}. */
  cancelOrder(id: number | string): Promise<OrderReply>;
  /** GET /v1/account/balance. */
  balance(opts?: { wallet_id?: string }): Promise<BalanceReply>;
  /** GET /v1/account/positions. */
  positions(opts?: { status?: 'OPEN' | 'CLOSED'; wallet_id?: string }): Promise<PositionsReply>;
  /** GET /v1/markets: the listed markets of one page (bare or enveloped answer). */
  markets(query?: MarketsQuery): Promise<VenueMarket[]>;
  /** GET /v1/markets?envelope=true: one page with its cursor and request id. */
  marketsPage(query?: MarketsQuery & { cursor?: string }): Promise<MarketsPage>;
  /** GET /v1/markets/{cid}. */
  market(conditionId: string, opts?: { include_book?: boolean }): Promise<MarketReply>;
  /** GET /v1/keys/tiers. */
  tiers(): Promise<TiersReply>;
  /** POST /v1/heartbeats (dead-man switch). */
  heartbeat(intervalMs: number, opts?: { clientLabel?: string }): Promise<HeartbeatReply>;
  /** GET /v1/health. */
  health(): Promise<HealthReply>;
  /** Closes the pool after in-flight calls finish. Idempotent. */
  close(): Promise<void>;
}

/** Low-level error codes that mean the request never left this process. */
const NOT_SENT: Record<string, TransportReason> = {
  ECONNREFUSED: 'refused',
  UND_ERR_CONNECT_TIMEOUT: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EADDRNOTAVAIL: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  UND_ERR_CLOSED: 'closed',
};
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const RESETS = new Set([
  'UND_ERR_SOCKET',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

function errorCodeOf(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports an AggregateError whose members carry the code.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) {
    for (const e of inner) {
      const c = errorCodeOf(e);
      if (c !== undefined) return c;
    }
  }
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err ? errorCodeOf(cause) : undefined;
}

/** Decides how a failed dispatch is reported: only a surely-unsent request gets `mayHaveBeenSent: false`. */
export function classifyTransportFailure(
  err: unknown,
  timedOut: boolean,
): { reason: TransportReason; mayHaveBeenSent: boolean; errorCode: string | undefined } {
  const code = errorCodeOf(err);
  if (timedOut) return { reason: 'timeout', mayHaveBeenSent: true, errorCode: code };
  if (code !== undefined) {
    const notSent = NOT_SENT[code];
    if (notSent !== undefined) return { reason: notSent, mayHaveBeenSent: false, errorCode: code };
    if (TIMEOUTS.has(code)) return { reason: 'timeout', mayHaveBeenSent: true, errorCode: code };
    if (RESETS.has(code)) return { reason: 'reset', mayHaveBeenSent: true, errorCode: code };
    if (code === 'UND_ERR_ABORTED') return { reason: 'aborted', mayHaveBeenSent: true, errorCode: code };
    // A pool destroyed under an in-flight request: the bytes may already be at the venue.
    if (code === 'UND_ERR_DESTROYED') return { reason: 'closed', mayHaveBeenSent: true, errorCode: code };
  }
  return { reason: 'other', mayHaveBeenSent: true, errorCode: code };
}

/** `Retry-After` in ms: delta-seconds, or an HTTP date relative to `nowMs`. Undefined when absent or invalid. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // An HTTP date names its weekday and month; anything else (e.g. "-1", which Date.parse accepts) is garbage.
  if (!/^[A-Za-z]{3},/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.round(at - nowMs));
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? undefined : s.slice(0, 256);
}

type QueryValue = string | number | boolean | undefined;

function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const s = qs.toString();
  return s === '' ? path : `${path}?${s}`;
}

interface CallSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  idempotencyKey?: string;
  schema: S;
  schemaName: string;
}

export function createVenueClient(opts: VenueClientOptions): VenueClient {
  const base = new URL(opts.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new TypeError(`venue base URL must be http(s), got ${base.protocol}`);
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new TypeError('timeoutMs must be > 0');
  const basePath = base.pathname.replace(/\/+$/, '');
  const apiKey = opts.apiKey;
  const timeoutMs = opts.timeoutMs;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger();
  const userAgent = opts.userAgent ?? 'polybot/0.1';
  const maxBytes = opts.maxResponseBytes ?? 32 * 1024 * 1024;
  const pool = new Pool(base.origin, {
    connections: Math.max(1, Math.floor(opts.connections)),
    pipelining: 1,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
  let closing: Promise<void> | undefined;

  async function readBody(body: AsyncIterable<Buffer | Uint8Array>): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) return undefined;
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function call<S extends z.ZodType>(spec: CallSpec<S>): Promise<{ data: z.output<S>; meta: ReplyMeta }> {
    const { method } = spec;
    const path = withQuery(`${basePath}${spec.path}`, spec.query);
    if (closing) {
      throw new VenueTransportError({ method, path, reason: 'closed', mayHaveBeenSent: false });
    }
    const headers: Record<string, string> = {
      'x-api-key': apiKey,
      accept: 'application/json',
      'user-agent': userAgent,
    };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    if (spec.idempotencyKey !== undefined) headers['idempotency-key'] = spec.idempotencyKey;

    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const sentAtMs = clock.now();
    let status: number;
    let resHeaders: Record<string, string | string[] | undefined>;
    let text: string | undefined;
    try {
      const res = await pool.request({
        method,
        path,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        signal: ac.signal,
      });
      status = res.statusCode;
      resHeaders = res.headers;
      text = await readBody(res.body);
    } catch (err) {
      const c = classifyTransportFailure(err, timedOut);
      logger.debug({ method, path, reason: c.reason, errorCode: c.errorCode }, 'venue call failed in transport');
      throw new VenueTransportError({ method, path, ...c, cause: err });
    } finally {
      clearTimeout(timer);
    }
    const ackAtMs = clock.now();
    const requestId = header(resHeaders, 'x-request-id');
    logger.debug({ method, path, status, requestId, ms: Math.round((ackAtMs - sentAtMs) * 1000) / 1000 }, 'venue call');

    if (status < 200 || status >= 300) {
      const parsed = parseErrorBody(status, text ?? '', header(resHeaders, 'x-polysim-code'));
      const retryAfterMs =
        parseRetryAfter(header(resHeaders, 'retry-after'), clock.now()) ?? parsed.retryAfterBodyMs ?? undefined;
      const orderIdRaw = header(resHeaders, 'x-polysim-order-id');
      const orderId = orderIdRaw !== undefined && /^\d{1,15}$/.test(orderIdRaw) ? Number(orderIdRaw) : undefined;
      throw new VenueError({
        method,
        path,
        status,
        venueCode: parsed.code,
        message: parsed.message,
        retryAfterMs,
        requestId,
        orderId,
        source: parsed.source,
      });
    }

    const fail = (issues: string[]) =>
      new VenueResponseError({ method, path, status, schema: spec.schemaName, issues, requestId });
    if (text === undefined) throw fail(['(body): too large']);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw fail(['(body): not JSON']);
    }
    const res = spec.schema.safeParse(json);
    if (!res.success) throw fail(issuesOf(res.error));
    return { data: res.data, meta: { status, requestId, sentAtMs, ackAtMs } };
  }

  const enc = (id: number | string) => encodeURIComponent(String(id));

  async function listOrders(query: ListOrdersQuery = {}): Promise<OrdersPage> {
    const { data, meta } = await call({
      method: 'GET',
      path: '/v1/orders',
      query: { ...query },
      schema: OrdersListSchema,
      schemaName: 'OrdersList',
    });
    return {
      orders: data.orders,
      hasMore: data.has_more ?? false,
      nextCursor: data.next_cursor ?? undefined,
      totalHint: data.total_hint ?? undefined,
      ...meta,
    };
  }

  async function marketsPage(query: MarketsQuery & { cursor?: string } = {}): Promise<MarketsPage> {
    const { data, meta } = await call({
      method: 'GET',
      path: '/v1/markets',
      query: { ...query, envelope: true },
      schema: MarketsListSchema,
      schemaName: 'MarketsList',
    });
    if (Array.isArray(data)) return { markets: data, nextCursor: undefined, ...meta };
    return { markets: data.data, nextCursor: data.next_cursor ?? undefined, ...meta };
  }

  return {
    async mintWsToken() {
      const { data, meta } = await call({
        method: 'POST',
        path: '/v1/keys/ws-token',
        body: {},
        schema: WsTokenResponseSchema,
        schemaName: 'WsTokenResponse',
      });
      return { token: data.token, expiresInS: data.expires_in, ...meta };
    },

    async placeOrder(body, { idempotencyKey }) {
      const path = '/v1/orders';
      const issues: string[] = [];
      if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 256) {
        issues.push('idempotencyKey: 1 to 256 characters required');
      } else if (body.client_order_id !== undefined && body.client_order_id !== idempotencyKey) {
        issues.push('client_order_id: must equal the Idempotency-Key');
      }
      const parsed = PlaceOrderBodySchema.safeParse({
        ...body,
        client_order_id: body.client_order_id ?? idempotencyKey,
      });
      if (!parsed.success) issues.push(...issuesOf(parsed.error));
      if (issues.length > 0 || !parsed.success) throw new DecodeError('PlaceOrderBody', issues.map(scrubString));
      const { data, meta } = await call({
        method: 'POST',
        path,
        body: parsed.data,
        idempotencyKey,
        schema: OrderResponseSchema,
        schemaName: 'OrderResponse',
      });
      return { order: data, ...meta };
    },

    listOrders,

    async findOrderByClientOrderId(clientOrderId, o = {}) {
      const maxPages = o.maxPages ?? 10;
      let cursor: string | undefined;
      for (let page = 0; page < maxPages; page++) {
        const res = await listOrders({
          limit: o.pageSize ?? 200,
          ...(o.status !== undefined ? { status: o.status } : {}),
          ...(o.market_id !== undefined ? { market_id: o.market_id } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        });
        const hit = res.orders.find((r) => r.client_order_id === clientOrderId);
        if (hit) return { ...hit, requestId: res.requestId };
        if (!res.hasMore || res.nextCursor === undefined || res.nextCursor === cursor) return undefined;
        cursor = res.nextCursor;
      }
      return undefined;
    },

    async getOrder(id, o = {}) {
      const { data, meta } = await call({
        method: 'GET',
        path: `/v1/orders/${enc(id)}`,
        query: { source: o.source },
        schema: OrderRowSchema,
        schemaName: 'OrderRow',
      });
      return { order: data, ...meta };
    },

    async cancelOrder(id) {
      const { data, meta } = await call({
        method: 'DELETE',
        path: `/v1/orders/${enc(id)}`,
        schema: OrderResponseSchema,
        schemaName: 'OrderResponse',
      });
      return { order: data, ...meta };
    },

    async balance(o = {}) {
      const { data, meta } = await call({
        method: 'GET',
        path: '/v1/account/balance',
        query: { wallet_id: o.wallet_id },
        schema: BalanceSchema,
        schemaName: 'Balance',
      });
      return { balance: data, ...meta };
    },

    async positions(o = {}) {
      const { data, meta } = await call({
        method: 'GET',
        path: '/v1/account/positions',
        query: { status: o.status, wallet_id: o.wallet_id },
        schema: PositionsResponseSchema,
        schemaName: 'Positions',
      });
      return { positions: Array.isArray(data) ? data : data.data, ...meta };
    },

    async markets(query = {}) {
      const { data } = await call({
        method: 'GET',
        path: '/v1/markets',
        query: { ...query },
        schema: MarketsListSchema,
        schemaName: 'MarketsList',
      });
      return Array.isArray(data) ? data : data.data;
    },

    marketsPage,

    async market(conditionId, o = {}) {
      const { data, meta } = await call({
        method: 'GET',
        path: `/v1/markets/${enc(conditionId)}`,
        query: { include_book: o.include_book },
        schema: MarketDetailSchema,
        schemaName: 'MarketDetail',
      });
      return { market: data, ...meta };
    },

    async tiers() {
      const { data, meta } = await call({
        method: 'GET',
        path: '/v1/keys/tiers',
        schema: TiersResponseSchema,
        schemaName: 'TiersResponse',
      });
      if (Array.isArray(data)) return { tiers: data, current: undefined, ...meta };
      return { tiers: data.tiers, current: data.current ?? undefined, ...meta };
    },

    async heartbeat(intervalMs, o = {}) {
      const { data, meta } = await call({
        method: 'POST',
        path: '/v1/heartbeats',
        body: { interval_ms: intervalMs, ...(o.clientLabel !== undefined ? { client_label: o.clientLabel } : {}) },
        schema: HeartbeatResponseSchema,
        schemaName: 'HeartbeatResponse',
      });
      return { ok: data.ok, expiresAtMs: data.expires_at_ms ?? undefined, ...meta };
    },

    async health() {
      const { data, meta } = await call({
        method: 'GET',
        path: '/v1/health',
        schema: HealthSchema,
        schemaName: 'Health',
      });
      return { health: data, ...meta };
    },

    close() {
      closing ??= pool.close().catch(() => undefined);
      return closing;
    },
  };
}
