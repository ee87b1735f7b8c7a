// zod schemas of the PolySimulator wire formats polybot consumes (polysim-api.md). Objects are loose: the
// venue may add fields at any time. Money stays a decimal string (validated, never parsed into a float);
// only ids, epoch times and the documented telemetry integers are JSON numbers.

import { z } from 'zod';

const DECIMAL_RE = /^[+-]?\d{1,30}(?:\.\d{1,30})?$/;
const UNSIGNED_DECIMAL_RE = /^\+?\d{1,30}(?:\.\d{1,30})?$/;
/** A venue machine code such as `RATE_LIMIT_EXCEEDED` or `HTTP_503`. */
export const VENUE_CODE_RE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** A decimal string that may be negative (P&L). Kept as a string. */
export const zDecimal = () => z.string().regex(DECIMAL_RE, 'expected a decimal string');
/** A decimal string that is zero or more (prices, sizes, cash). Kept as a string. */
export const zUnsignedDecimal = () => z.string().regex(UNSIGNED_DECIMAL_RE, 'expected a non-negative decimal string');
/** Venue order id: an int on the wire; a digit string (cancel-all lists) is accepted and turned into a number. */
export const zOrderId = () =>
  z.union([
    z.int().nonnegative(),
    z
      .string()
      .regex(/^\d{1,15}$/, 'expected an integer order id')
      .transform((s) => Number(s)),
  ]);
const zId = () => z.string().min(1).max(256);
const zText = (max = 4096) => z.string().max(max);
const zSide = () => z.enum(['BUY', 'SELL']);
/** Telemetry integers (`*_bps`, `*_ms`): numbers, null on replays. */
const zMetric = () => z.number().nullish();

// ---------------------------------------------------------------------------------------------------------
// WS /v1/ws/prices server frames (§3)

export const OutcomeQuoteSchema = z.looseObject({
  label: zText(200),
  price: zUnsignedDecimal().nullish(),
  token_id: zText(128).nullish(),
  best_bid: zUnsignedDecimal().nullish(),
  best_ask: zUnsignedDecimal().nullish(),
  last_trade: zUnsignedDecimal().nullish(),
});
export type OutcomeQuote = z.output<typeof OutcomeQuoteSchema>;

export const PriceFrameSchema = z
  .looseObject({
    type: z.literal('price'),
    market_id: zId().optional(),
    condition_id: zId().optional(),
    buy: zUnsignedDecimal().nullish(),
    sell: zUnsignedDecimal().nullish(),
    best_bid: zUnsignedDecimal().nullish(),
    best_ask: zUnsignedDecimal().nullish(),
    last_trade: zUnsignedDecimal().nullish(),
    last_trade_side: zText(16).nullish(),
    last_trade_size: zUnsignedDecimal().nullish(),
    volume: zUnsignedDecimal().nullish(),
    outcomes: z.array(OutcomeQuoteSchema).max(64).optional(),
    tokens: z
      .record(z.string(), z.looseObject({ label: zText(200).optional(), price: zUnsignedDecimal().nullish() }))
      .optional(),
    active: z.boolean().nullish(),
    closed: z.boolean().nullish(),
    source: z.string().min(1).max(64).optional(),
    emit_ts_ms: z.int().positive(),
    updated_at: zText(64).nullish(),
    ws_updated_at: zText(64).nullish(),
  })
  .refine((f) => f.market_id !== undefined || f.condition_id !== undefined, {
    message: 'market_id or condition_id is required',
    path: ['market_id'],
  });
export type PriceFrame = z.output<typeof PriceFrameSchema>;

export const PongFrameSchema = z.looseObject({
  type: z.literal('pong'),
  ts: z.int().nonnegative().optional(),
  /** Older asyncapi shape: ISO time instead of `ts`. */
  timestamp: zText(64).optional(),
});
export type PongFrame = z.output<typeof PongFrameSchema>;

export const SubscribedFrameSchema = z.looseObject({
  type: z.literal('subscribed'),
  markets: z.array(zId()).max(10_000),
});
export type SubscribedFrame = z.output<typeof SubscribedFrameSchema>;

export const ErrorFrameSchema = z.looseObject({
  type: z.literal('error'),
  message: z.unknown().optional(),
});
export type ErrorFrame = z.output<typeof ErrorFrameSchema>;

export const ConnectedFrameSchema = z.looseObject({
  type: z.literal('connected'),
  user_id: z.union([z.int(), zText(128)]).optional(),
  protocol_version: zText(32).optional(),
});
export type ConnectedFrame = z.output<typeof ConnectedFrameSchema>;

// ---------------------------------------------------------------------------------------------------------
// WS /v1/ws/executions (§4)

export const FillFrameSchema = z.looseObject({
  type: z.literal('fill'),
  order_id: zOrderId(),
  market_id: zId(),
  side: zSide(),
  outcome: zText(200),
  price: zUnsignedDecimal(),
  quantity: zUnsignedDecimal(),
  filled_at: zText(64),
});
export type FillFrame = z.output<typeof FillFrameSchema>;

// ---------------------------------------------------------------------------------------------------------
// Orders (§5)

/** Statuses documented for orders; the schema accepts others too, so a new status is not a decode failure. */
export const ORDER_STATUSES = ['PENDING', 'FILLED', 'CANCELLED', 'REJECTED', 'ERROR', 'EXPIRED'] as const;
export type VenueKnownOrderStatus = (typeof ORDER_STATUSES)[number];
// `string & {}` keeps editor completion of the known statuses while accepting new ones.
export type VenueOrderStatus = VenueKnownOrderStatus | (string & {});
const zStatus = () => z.string().min(1).max(40) as z.ZodType<VenueOrderStatus, string>;

export const OrderPositionSchema = z.looseObject({
  market_id: zId(),
  outcome: zText(200),
  quantity: zUnsignedDecimal(),
  avg_entry_price: zUnsignedDecimal().nullish(),
  status: zText(40).nullish(),
});

/** 200 body of `POST /v1/orders` (and of `DELETE /v1/orders/{id}`). */
export const OrderResponseSchema = z.looseObject({
  order_id: zOrderId(),
  status: zStatus(),
  order_type: zText(32),
  side: zSide(),
  outcome: zText(200),
  price: zUnsignedDecimal(),
  quantity: zUnsignedDecimal(),
  notional: zUnsignedDecimal(),
  fee: zUnsignedDecimal(),
  time_in_force: zText(16).nullish(),
  filled_at: zText(64).nullish(),
  cancelled_reason: zText(256).nullish(),
  hold_reason: zText(256).nullish(),
  price_source: zText(128).nullish(),
  slippage_bps: zMetric(),
  quote_age_ms: zMetric(),
  spread_bps: zMetric(),
  impact_bps: zMetric(),
  book_walk_levels: zMetric(),
  account_balance: zDecimal().nullish(),
  position: OrderPositionSchema.nullish(),
  client_order_id: zText(256).nullish(),
  error: zText().nullish(),
  error_message: zText().nullish(),
  amount_interpreted_as: z.unknown().optional(),
  is_replay: z.boolean().nullish(),
  warnings: z.array(zText()).nullish(),
});
export type OrderResponse = z.output<typeof OrderResponseSchema>;

/** One row of `GET /v1/orders` and the body of `GET /v1/orders/{id}`. */
export const OrderRowSchema = z.looseObject({
  order_id: zOrderId(),
  market_id: zId(),
  side: zSide(),
  outcome: zText(200),
  order_type: zText(32).nullish(),
  limit_price: zUnsignedDecimal().nullish(),
  price: zUnsignedDecimal().nullish(),
  quantity: zUnsignedDecimal(),
  time_in_force: zText(16).nullish(),
  status: zStatus(),
  client_order_id: zText(256).nullish(),
  created_at: zText(64).nullish(),
  filled_at: zText(64).nullish(),
  fill_price: zUnsignedDecimal().nullish(),
  cancelled_at: zText(64).nullish(),
  cancelled_reason: zText(256).nullish(),
  fee: zUnsignedDecimal().nullish(),
});
export type OrderRow = z.output<typeof OrderRowSchema>;

export const OrdersListSchema = z.looseObject({
  orders: z.array(OrderRowSchema),
  has_more: z.boolean().nullish(),
  next_cursor: zText(512).nullish(),
  total_hint: z.int().nonnegative().nullish(),
});
export type OrdersList = z.output<typeof OrdersListSchema>;

/** `POST /v1/heartbeats`. */
export const HeartbeatResponseSchema = z.looseObject({
  ok: z.boolean(),
  expires_at_ms: z.int().nonnegative().nullish(),
});
export type HeartbeatResponse = z.output<typeof HeartbeatResponseSchema>;

// ---------------------------------------------------------------------------------------------------------
// Markets (§6)

const zStringList = () => z.union([z.array(zText(256)), zText(8192)]);

export const LivePriceSchema = z.looseObject({
  buy: zUnsignedDecimal().nullish(),
  sell: zUnsignedDecimal().nullish(),
  volume: zUnsignedDecimal().nullish(),
  outcomes: z.array(OutcomeQuoteSchema).nullish(),
  updated_at: zText(64).nullish(),
  source: zText(64).nullish(),
});

/** One item of `GET /v1/markets`. Everything but the id may be null ("no data"). */
export const MarketSchema = z.looseObject({
  condition_id: zId(),
  slug: zText(512).nullish(),
  question: zText().nullish(),
  /** A list of labels; some feeds send it JSON-encoded as one string. */
  outcomes: zStringList().nullish(),
  active: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  is_hot: z.boolean().nullish(),
  image_url: zText().nullish(),
  category: zText(128).nullish(),
  clob_token_ids: zStringList().nullish(),
  volume_24h: zUnsignedDecimal().nullish(),
  volume_total: zUnsignedDecimal().nullish(),
  last_price: zUnsignedDecimal().nullish(),
  live_price: LivePriceSchema.nullish(),
});
export type VenueMarket = z.output<typeof MarketSchema>;

/** `GET /v1/markets`: a bare array, or `{data, next_cursor}` with `envelope=true`. */
export const MarketsListSchema = z.union([
  z.array(MarketSchema),
  z.looseObject({ data: z.array(MarketSchema), next_cursor: zText(512).nullish() }),
]);
export type MarketsList = z.output<typeof MarketsListSchema>;

/** `GET /v1/markets/{cid}`: the list item plus detail fields. `tokens[].price` is a JSON number [D]. */
export const MarketDetailSchema = MarketSchema.extend({
  event_group_id: z.union([z.int(), zText(256)]).nullish(),
  event_title: zText().nullish(),
  end_date: zText(64).nullish(),
  resolved_outcome: zText(200).nullish(),
  archived: z.boolean().nullish(),
  archived_at: zText(64).nullish(),
  tokens: z
    .array(
      z.looseObject({
        token_id: zText(128),
        outcome: zText(200),
        price: z.union([z.number(), zUnsignedDecimal()]).nullish(),
        winner: z.boolean().nullish(),
      }),
    )
    .nullish(),
  question_id: zText(256).nullish(),
  market_slug: zText(512).nullish(),
  neg_risk: z.boolean().nullish(),
  order_book: z.unknown().optional(),
});
export type VenueMarketDetail = z.output<typeof MarketDetailSchema>;

// ---------------------------------------------------------------------------------------------------------
// Keys (§1, §2)

export const TierSchema = z.looseObject({
  tier: zText(64).min(1),
  requests_per_second: z.number().nonnegative().nullish(),
  requests_per_minute: z.number().nonnegative().nullish(),
  max_ws_connections: z.int().nonnegative(),
  max_batch_size: z.int().nonnegative().nullish(),
});
export type VenueTier = z.output<typeof TierSchema>;

/** `GET /v1/keys/tiers`: a bare array (documented) or `{tiers, current?}`. */
export const TiersResponseSchema = z.union([
  z.array(TierSchema),
  z.looseObject({ tiers: z.array(TierSchema), current: zText(64).nullish() }),
]);
export type TiersResponse = z.output<typeof TiersResponseSchema>;

const zToken = () => z.string().min(1).max(8192);

/** `POST /v1/keys/ws-token`: `token`, or the SDK-accepted aliases `ws_token`/`access_token`/`jwt`. */
export const WsTokenResponseSchema = z
  .looseObject({
    token: zToken().optional(),
    ws_token: zToken().optional(),
    access_token: zToken().optional(),
    jwt: zToken().optional(),
    expires_in: z.number().nonnegative().nullish(),
  })
  .transform((b, ctx) => {
    const token = b.token ?? b.ws_token ?? b.access_token ?? b.jwt;
    if (token === undefined) {
      ctx.issues.push({ code: 'custom', message: 'no token, ws_token, access_token or jwt field', input: '' });
      return z.NEVER;
    }
    return { token, expires_in: b.expires_in ?? undefined };
  });
export type WsTokenResponse = z.output<typeof WsTokenResponseSchema>;

// ---------------------------------------------------------------------------------------------------------
// Account (§7)

export const BalanceSchema = z.looseObject({
  balance: zDecimal(),
  currency: zText(16).nullish(),
  starting_balance: zDecimal().nullish(),
  unrealized_pnl: zDecimal().nullish(),
  total_value: zDecimal().nullish(),
});
export type VenueBalance = z.output<typeof BalanceSchema>;

export const PositionSchema = z.looseObject({
  id: z.union([z.int(), zText(128)]).nullish(),
  market_id: zId(),
  outcome: zText(200),
  quantity: zUnsignedDecimal(),
  avg_entry_price: zUnsignedDecimal().nullish(),
  current_price: zUnsignedDecimal().nullish(),
  market_value: zDecimal().nullish(),
  unrealized_pnl: zDecimal().nullish(),
  status: zText(40),
  market_question: zText().nullish(),
});
export type VenuePosition = z.output<typeof PositionSchema>;

/** `GET /v1/account/positions`: a bare array, or `{data}` with `envelope=true`. */
export const PositionsResponseSchema = z.union([
  z.array(PositionSchema),
  z.looseObject({ data: z.array(PositionSchema) }),
]);

export const HealthSchema = z.looseObject({
  status: zText(64),
  timestamp: z.union([zText(64), z.number()]).nullish(),
  version: zText(64).nullish(),
});
export type VenueHealth = z.output<typeof HealthSchema>;

// ---------------------------------------------------------------------------------------------------------
// Error bodies (§9)

/** Current envelope `{error:CODE,message}`; mid-2026 bodies carry prose in `error` and no `message`. */
export const ErrorEnvelopeSchema = z.looseObject({
  error: zText(),
  message: zText().nullish(),
  details: z.unknown().optional(),
  request_id: zText(256).nullish(),
  retry_after: z.union([z.number().nonnegative(), zText(32)]).nullish(),
  source: zText(256).nullish(),
  feature_key: zText(256).nullish(),
  upgrade_url: zText().nullish(),
});
export type ErrorEnvelope = z.output<typeof ErrorEnvelopeSchema>;

/** FastAPI validation body (`{detail:[{loc,msg,type}]}`), or `{detail:"…"}` from an HTTPException. */
export const FastApiErrorSchema = z.looseObject({
  detail: z.union([
    z.array(
      z.looseObject({
        loc: z.array(z.union([z.string(), z.number()])).optional(),
        msg: zText(),
        type: zText(256).optional(),
      }),
    ),
    zText(),
  ]),
});
export type FastApiError = z.output<typeof FastApiErrorSchema>;
