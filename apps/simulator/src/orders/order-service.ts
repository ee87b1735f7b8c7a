// Order placement, idempotency, resting-limit matching, cancels and heartbeats. Execution itself is
// @polybot/exchange's executeTaker, so backtests fill exactly like this.

import {
  ExchangeError,
  executeTaker,
  type Fill,
  fmt,
  MIN_ORDER_SHARES,
  mul,
  type Side,
  takerFee,
} from '@polybot/exchange';
import { type Clock, MICRO, type Micro } from '@polybot/shared';
import { z } from 'zod';
import type { AccountRecord, Accounts } from '../accounts.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import type { MarketState, OutcomeLabel } from '../market/market-state.js';
import { iso, money } from './format.js';
import type { OrderRecord, StoredTif } from './order-types.js';

const upper = (values: readonly [string, ...string[]]) =>
  z
    .string()
    .max(16)
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(values));

export const OrderBodySchema = z.object({
  market_id: z.string().min(1).max(256),
  side: upper(['BUY', 'SELL']),
  outcome: z.string().min(1).max(200),
  quantity: z.string().max(64).nullish(),
  amount: z.string().max(64).nullish(),
  order_type: z
    .string()
    .max(16)
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['market', 'limit']))
    .nullish(),
  price: z.string().max(64).nullish(),
  time_in_force: upper(['GTC', 'GTD', 'FOK', 'FAK', 'IOC']).nullish(),
  client_order_id: z.string().min(1).max(256).nullish(),
  expiration: z.union([z.number().int().positive(), z.string().regex(/^\d{1,12}$/)]).nullish(),
  post_only: z.boolean().nullish(),
});

export type OrderBody = z.infer<typeof OrderBodySchema>;

/** A validated order, ready to execute. */
interface NormalOrder {
  market: MarketState;
  outcome: OutcomeLabel;
  side: Side;
  kind: 'market' | 'limit';
  tif: 'GTC' | 'GTD' | 'FOK' | 'FAK' | 'IOC';
  shares: Micro | undefined;
  amount: Micro | undefined;
  price: Micro | undefined;
  expiration: number | null;
  postOnly: boolean;
  fingerprint: string;
}

// At most 9 integer digits, so every size stays a safe integer in micro-units.
const QTY_RE = /^\d{1,9}(?:\.\d{1,4})?$/;
const AMOUNT_RE = /^\d{1,9}(?:\.\d{1,6})?$/;
const PRICE_RE = /^\d{1,3}(?:\.\d{1,6})?$/;

/** Exact micro-units of a decimal already checked by one of the regexes above (≤ 9 + 6 digits). */
function decimalMicro(s: string): Micro {
  const dot = s.indexOf('.');
  if (dot < 0) return Number(s) * MICRO;
  return Number(s.slice(0, dot)) * MICRO + Number(s.slice(dot + 1).padEnd(6, '0'));
}

export interface FillEvent {
  rec: AccountRecord;
  order: OrderRecord;
  fill: Fill;
}

export interface OrderServiceDeps {
  accounts: Accounts;
  markets: Map<string, MarketState>;
  clock: Clock;
  onFill: (e: FillEvent) => void;
  onPersist: (o: OrderRecord) => void;
}

/** Within this long of creation a fill pays the taker fee (polysim-api.md §10). */
const TAKER_WINDOW_MS = 3_000;

export class OrderService {
  readonly #d: OrderServiceDeps;
  readonly #byId = new Map<number, OrderRecord>();
  readonly #pending = new Set<OrderRecord>();
  #nextId = 1;

  constructor(deps: OrderServiceDeps) {
    this.#d = deps;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  get(id: number): OrderRecord | undefined {
    return this.#byId.get(id);
  }

  /** Validates a parsed body into an executable order; throws the documented 4xx errors. */
  normalize(body: OrderBody, nowMs: number): NormalOrder {
    const market = this.#d.markets.get(body.market_id);
    if (!market) throw notFound('MARKET_NOT_FOUND', 'Market not found');
    const o = body.outcome.toLowerCase();
    if (o !== 'yes' && o !== 'no') throw badRequest('INVALID_OUTCOME', 'Unknown outcome for this market (Yes or No)');
    const outcome: OutcomeLabel = o === 'yes' ? 'Yes' : 'No';
    const kind = body.order_type ?? 'market';
    const hasQty = body.quantity !== undefined && body.quantity !== null;
    const hasAmt = body.amount !== undefined && body.amount !== null;
    if (hasQty && hasAmt) throw badRequest('INVALID_QUANTITY', 'Specify either quantity or amount, not both');
    if (!hasQty && !hasAmt) throw badRequest('INVALID_QUANTITY', 'quantity or amount is required');
    let shares: Micro | undefined;
    let amount: Micro | undefined;
    if (hasQty) {
      const q = body.quantity as string;
      if (!QTY_RE.test(q)) throw badRequest('INVALID_QUANTITY', 'quantity must be a decimal string with at most 4 dp');
      shares = decimalMicro(q);
      if (shares <= 0) throw badRequest('INVALID_QUANTITY', 'quantity must be positive');
    } else {
      if (body.side !== 'BUY' || kind !== 'market') {
        throw badRequest('INVALID_AMOUNT', 'amount is only accepted on BUY market orders');
      }
      const a = body.amount as string;
      if (!AMOUNT_RE.test(a)) throw badRequest('INVALID_AMOUNT', 'amount must be a decimal string');
      amount = decimalMicro(a);
      if (amount <= 0) throw badRequest('INVALID_AMOUNT', 'amount must be positive');
    }
    let price: Micro | undefined;
    if (body.price !== undefined && body.price !== null) {
      if (!PRICE_RE.test(body.price)) throw badRequest('INVALID_PRICE', 'price must be a decimal string');
      price = decimalMicro(body.price);
      if (price <= 0 || price >= MICRO) throw badRequest('INVALID_PRICE', 'price must be between 0 and 1 exclusive');
      if (price % market.spec.tick !== 0) {
        throw badRequest(
          'INVALID_ORDER_MIN_TICK_SIZE',
          `price must be a multiple of the tick size ${fmt(market.spec.tick)}`,
        );
      }
    } else if (kind === 'limit') {
      throw badRequest('PRICE_REQUIRED', 'price is required for limit orders');
    }
    let tif = body.time_in_force ?? (kind === 'market' ? 'FOK' : 'GTC');
    if (kind === 'market' && (tif === 'GTC' || tif === 'GTD')) tif = 'FOK';
    const postOnly = body.post_only === true;
    if (postOnly && (kind === 'market' || (tif !== 'GTC' && tif !== 'GTD'))) {
      throw badRequest('INVALID_POST_ONLY_ORDER_TYPE', 'post_only is only valid on GTC/GTD limit orders');
    }
    let expiration: number | null = null;
    if (tif === 'GTD') {
      if (body.expiration === undefined || body.expiration === null) {
        throw badRequest('INVALID_ORDER_EXPIRATION', 'GTD orders need an expiration (unix seconds)');
      }
      expiration = Number(body.expiration);
      if (expiration * 1000 <= nowMs) throw badRequest('INVALID_ORDER_EXPIRATION', 'expiration must be in the future');
    }
    if (market.spec.closed) throw badRequest('MARKET_CLOSED', 'Market is closed');
    const fingerprint = JSON.stringify([
      market.id,
      outcome,
      body.side,
      kind,
      tif,
      shares ?? null,
      amount ?? null,
      price ?? null,
      expiration,
      postOnly,
    ]);
    return {
      market,
      outcome,
      side: body.side as Side,
      kind,
      tif: tif as NormalOrder['tif'],
      shares,
      amount,
      price,
      expiration,
      postOnly,
      fingerprint,
    };
  }

  /** Executes a normalized order for `rec`; returns the 200 OrderResponse body. */
  place(rec: AccountRecord, n: NormalOrder, clientOrderId: string | null): Record<string, unknown> {
    if (rec.account.startingBalance === 0) {
      throw new ApiError(403, 'TIER_REQUIRES_UPGRADE', 'This tier has no API wallet; upgrade to trade');
    }
    const now = this.#d.clock.now();
    const m = n.market;
    const displayed = m.price(n.outcome);
    const book = m.book(n.outcome);
    const levels = n.side === 'BUY' ? book.asks : book.bids;
    const id = this.#nextId;
    const order: OrderRecord = {
      id,
      userId: rec.userId,
      marketId: m.id,
      outcome: n.outcome,
      side: n.side,
      orderType: n.kind,
      tif: n.tif === 'FAK' ? 'IOC' : (n.tif as StoredTif),
      limitPrice: n.kind === 'limit' ? (n.price ?? null) : null,
      requested: n.shares ?? 0,
      amount: n.amount ?? null,
      status: 'PENDING',
      clientOrderId,
      createdMs: now,
      filledMs: null,
      cancelledMs: null,
      cancelledReason: null,
      filledQty: 0,
      fillPrice: null,
      notional: 0,
      fee: 0,
      reservedCash: 0,
      reservedShares: 0,
      expiration: n.expiration,
      warnings: [],
    };
    let telemetry: Telemetry = { levels: null, impactBps: null, touch: 0 };
    try {
      const resting = n.tif === 'GTC' || n.tif === 'GTD';
      const touch = levels[0]?.price;
      const marketable =
        touch !== undefined && n.price !== undefined && (n.side === 'BUY' ? touch <= n.price : touch >= n.price);
      if (resting && n.postOnly && marketable) {
        throw new ExchangeError('INVALID_POST_ONLY_ORDER', 'post_only order would cross the book');
      }
      if (!resting || marketable) {
        const r = executeTaker(
          {
            orderId: id,
            marketId: m.id,
            outcome: n.outcome,
            side: n.side,
            kind: n.kind,
            tif: resting ? 'FOK' : (n.tif as 'FOK' | 'FAK' | 'IOC'),
            ...(n.shares !== undefined ? { shares: n.shares } : {}),
            ...(n.amount !== undefined ? { amount: n.amount } : {}),
            ...(n.price !== undefined ? { worst: n.price } : {}),
            ts: now,
          },
          { account: rec.account, levels, feeRate: m.spec.feeRate },
        );
        telemetry = {
          levels: r.levels,
          impactBps: r.touch > 0 && r.shares > 0 ? Math.round(((r.price - r.touch) / r.touch) * 10_000) : null,
          touch: r.touch,
        };
        if (r.status === 'FILLED') {
          order.status = 'FILLED';
          order.requested = r.requested;
          order.filledQty = r.shares;
          order.fillPrice = r.price;
          order.notional = r.notional;
          order.fee = r.fee.charged;
          order.filledMs = now;
          if (r.partial) order.warnings.push(`partial_fill:filled=${fmt(r.shares)},requested=${fmt(r.requested)}`);
        } else if (!resting) {
          order.status = 'CANCELLED';
          order.cancelledMs = now;
          order.cancelledReason = r.stop === 'price' ? 'limit_not_reached' : 'insufficient_liquidity';
        }
        if (r.fill) this.#persist(rec, order, r.fill);
      }
      if (order.status === 'PENDING') this.#rest(rec, order, m);
      else if (!this.#byId.has(id)) this.#persist(rec, order, undefined);
    } catch (err) {
      if (err instanceof ExchangeError) throw new ApiError(err.status, err.code, err.message);
      throw err;
    }
    return this.response(rec, order, m, displayed, telemetry, false);
  }

  #rest(rec: AccountRecord, order: OrderRecord, m: MarketState): void {
    const price = order.limitPrice as Micro;
    if (order.requested < MIN_ORDER_SHARES) {
      throw new ExchangeError('INVALID_ORDER_MIN_SIZE', 'Minimum order size is 5 shares');
    }
    if (order.side === 'BUY') {
      const cash = mul(order.requested, price) + takerFee(order.requested, price, m.spec.feeRate).charged;
      rec.account.reserveCash(cash);
      order.reservedCash = cash;
    } else {
      rec.account.reserveShares(order.marketId, order.outcome, order.requested);
      order.reservedShares = order.requested;
    }
    this.#persist(rec, order, undefined);
    this.#pending.add(order);
  }

  #persist(rec: AccountRecord, order: OrderRecord, fill: Fill | undefined): void {
    if (!this.#byId.has(order.id)) {
      this.#nextId = Math.max(this.#nextId, order.id + 1);
      this.#byId.set(order.id, order);
      rec.orders.push(order);
      this.#d.onPersist(order);
    }
    if (fill) this.#d.onFill({ rec, order, fill });
  }

  /** The OrderResponse of §5.1 (telemetry nulls on replay). */
  response(
    rec: AccountRecord,
    o: OrderRecord,
    m: MarketState,
    displayed: Micro,
    t: Telemetry,
    replay: boolean,
  ): Record<string, unknown> {
    const pos = rec.account.position(o.marketId, o.outcome);
    const price = o.fillPrice ?? o.limitPrice ?? t.touch;
    const bid = m.bestBid;
    const ask = m.bestAsk;
    const mid = m.yes;
    return {
      order_id: o.id,
      status: o.status,
      order_type: o.orderType,
      side: o.side,
      outcome: o.outcome,
      price: fmt(price),
      quantity: fmt(o.status === 'FILLED' ? o.filledQty : o.requested),
      notional: money(o.notional),
      fee: money(o.fee),
      filled_at: o.filledMs === null ? null : iso(o.filledMs),
      cancelled_reason: o.cancelledReason,
      price_source:
        o.status === 'FILLED' ? ((t.levels ?? 1) > 1 ? 'book_walk' : o.side === 'BUY' ? 'best_ask' : 'best_bid') : null,
      slippage_bps:
        o.fillPrice !== null && displayed > 0
          ? Math.round((((o.side === 'BUY' ? 1 : -1) * (o.fillPrice - displayed)) / displayed) * 10_000)
          : null,
      quote_age_ms: Math.max(0, Math.round(this.#d.clock.now() - m.updatedMs)),
      spread_bps: replay || bid === undefined || ask === undefined ? null : Math.round(((ask - bid) / mid) * 10_000),
      impact_bps: replay ? null : t.impactBps,
      book_walk_levels: replay ? null : t.levels,
      account_balance: money(Math.round(rec.account.available / 10_000) * 10_000),
      position: pos
        ? {
            market_id: pos.marketId,
            outcome: pos.outcome,
            quantity: fmt(pos.quantity),
            avg_entry_price: fmt(pos.avgEntry),
            status: pos.status,
          }
        : null,
      client_order_id: o.clientOrderId,
      error: null,
      error_message: null,
      amount_interpreted_as: o.amount === null ? null : 'usd_notional',
      is_replay: replay,
      warnings: o.warnings,
    };
  }

  /** Cancels a PENDING order of `rec`. */
  cancel(rec: AccountRecord, id: number, reason = 'user_cancelled'): OrderRecord {
    const o = this.#byId.get(id);
    if (!o || o.userId !== rec.userId) throw notFound('ORDER_NOT_FOUND', 'Order not found');
    if (o.status !== 'PENDING')
      throw badRequest('ORDER_NOT_CANCELLABLE', `Order is ${o.status}, only PENDING orders can be cancelled`);
    this.#close(rec, o, 'CANCELLED', reason);
    return o;
  }

  cancelAll(rec: AccountRecord, reason = 'cancel_all', marketId?: string): OrderRecord[] {
    const out: OrderRecord[] = [];
    for (const o of this.#pending) {
      if (o.userId === rec.userId && (marketId === undefined || o.marketId === marketId)) {
        this.#close(rec, o, 'CANCELLED', reason);
        out.push(o);
      }
    }
    return out;
  }

  #close(rec: AccountRecord, o: OrderRecord, status: 'CANCELLED' | 'EXPIRED', reason: string): void {
    this.#release(rec, o);
    o.status = status;
    o.cancelledMs = this.#d.clock.now();
    o.cancelledReason = reason;
    this.#pending.delete(o);
  }

  #release(rec: AccountRecord, o: OrderRecord): void {
    if (o.reservedCash > 0) rec.account.releaseCash(o.reservedCash);
    if (o.reservedShares > 0) rec.account.releaseShares(o.marketId, o.outcome, o.reservedShares);
    o.reservedCash = 0;
    o.reservedShares = 0;
  }

  /** One pass of the ~1 s matching loop: expiries, heartbeats, then crossing resting orders. */
  matchOnce(): { filled: number; expired: number; cancelled: number } {
    const now = this.#d.clock.now();
    let filled = 0;
    let expired = 0;
    let cancelled = 0;
    for (const rec of this.#d.accounts.all()) {
      const hb = rec.heartbeat;
      if (hb && now > hb.expiresAtMs + hb.graceMs) {
        rec.heartbeat = undefined;
        cancelled += this.cancelAll(rec, 'heartbeat_expired').length;
      }
    }
    for (const o of [...this.#pending]) {
      const rec = this.#d.accounts.byUser(o.userId);
      const m = this.#d.markets.get(o.marketId);
      if (!rec || !m) continue;
      if (o.expiration !== null && o.expiration * 1000 <= now) {
        this.#close(rec, o, 'EXPIRED', 'gtd_expired');
        expired++;
        continue;
      }
      const limit = o.limitPrice as Micro;
      const yesBid = m.bestBid;
      const yesAsk = m.bestAsk;
      const ask = o.outcome === 'Yes' ? yesAsk : yesBid === undefined ? undefined : MICRO - yesBid;
      const bid = o.outcome === 'Yes' ? yesBid : yesAsk === undefined ? undefined : MICRO - yesAsk;
      const crosses = o.side === 'BUY' ? ask !== undefined && ask <= limit : bid !== undefined && bid >= limit;
      if (!crosses) continue;
      // Makers fill at their own limit; a fill within the taker window pays the taker fee.
      const notional = mul(o.requested, limit);
      const fee = now - o.createdMs <= TAKER_WINDOW_MS ? takerFee(o.requested, limit, m.spec.feeRate).charged : 0;
      this.#release(rec, o);
      const fill: Fill = {
        orderId: o.id,
        marketId: o.marketId,
        outcome: o.outcome,
        side: o.side,
        quantity: o.requested,
        price: limit,
        notional,
        fee,
        ts: now,
        createdTs: o.createdMs,
        priceSource: o.side === 'BUY' ? 'best_ask' : 'best_bid',
      };
      try {
        rec.account.applyFill(fill);
      } catch {
        this.#close(rec, o, 'CANCELLED', 'insufficient_funds');
        cancelled++;
        continue;
      }
      o.status = 'FILLED';
      o.filledQty = o.requested;
      o.fillPrice = limit;
      o.notional = notional;
      o.fee = fee;
      o.filledMs = now;
      this.#pending.delete(o);
      this.#d.onFill({ rec, order: o, fill });
      filled++;
    }
    return { filled, expired, cancelled };
  }
}

export interface Telemetry {
  levels: number | null;
  impactBps: number | null;
  touch: Micro;
}
