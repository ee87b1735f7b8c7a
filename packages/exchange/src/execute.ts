// Taker execution: validation, book walk, worst-price check, fee, and booking on the account. The
// simulator's POST /v1/orders and the backtester call exactly this.

import { MICRO, type Micro } from '@polybot/shared';
import type { Account, Fill, Position } from './account.js';
import type { Level } from './book.js';
import { ExchangeError } from './errors.js';
import { type Fee, takerFee } from './fees.js';
import { type Side, type StopReason, walkBook } from './walk.js';

/** Minimum order size in shares (micro-units). */
export const MIN_ORDER_SHARES: Micro = 5 * MICRO;

export type TakerTif = 'FOK' | 'FAK' | 'IOC';

export interface TakerOrder {
  orderId: number;
  marketId: string;
  outcome: string;
  side: Side;
  kind: 'market' | 'limit';
  tif: TakerTif;
  /** Shares (micro-units); exactly one of shares / amount. */
  shares?: Micro;
  /** USD (micro-units), BUY market only. */
  amount?: Micro;
  /** Worst price (market) or limit price; undefined = unbounded (market only). */
  worst?: Micro;
  /** Epoch ms. */
  ts: number;
  createdTs?: number;
}

export interface TakerContext {
  account: Account;
  /** Best-first levels on the side this order takes (asks for BUY, bids for SELL). */
  levels: readonly Level[];
  /** Fee rate in micro-units. */
  feeRate: Micro;
  minShares?: Micro;
}

export interface TakerResult {
  status: 'FILLED' | 'CANCELLED';
  /** Shares filled (0 when CANCELLED). */
  shares: Micro;
  /** Shares asked for (the amount's worth for amount orders). */
  requested: Micro;
  notional: Micro;
  /** VWAP of the fill; the worst/limit price (or touch) when cancelled. */
  price: Micro;
  fee: Fee;
  levels: number;
  touch: Micro;
  stop: StopReason;
  partial: boolean;
  fill?: Fill;
  position?: Position;
}

/** Executes `order` against `ctx.levels`; throws ExchangeError for rejections (nothing is booked then). */
export function executeTaker(order: TakerOrder, ctx: TakerContext): TakerResult {
  const minShares = ctx.minShares ?? MIN_ORDER_SHARES;
  const { account } = ctx;
  if ((order.shares === undefined) === (order.amount === undefined)) {
    throw new ExchangeError('VALIDATION_FAILED', 'Specify either quantity or amount, not both', 422);
  }
  if (order.amount !== undefined && (order.side !== 'BUY' || order.kind !== 'market')) {
    throw new ExchangeError('VALIDATION_FAILED', 'amount is only accepted on BUY market orders');
  }
  if (order.shares !== undefined) {
    if (order.shares <= 0) throw new ExchangeError('INVALID_QUANTITY', 'quantity must be positive');
    if (order.shares < minShares) {
      throw new ExchangeError('INVALID_ORDER_MIN_SIZE', `Minimum order size is ${minShares / MICRO} shares`);
    }
    if (order.side === 'SELL' && account.sellable(order.marketId, order.outcome) < order.shares) {
      throw new ExchangeError('INSUFFICIENT_POSITION', 'Insufficient position: naked shorts are not allowed');
    }
  } else if ((order.amount ?? 0) <= 0) {
    throw new ExchangeError('INVALID_QUANTITY', 'amount must be positive');
  }
  const walk = walkBook(ctx.levels, {
    side: order.side,
    ...(order.shares !== undefined ? { shares: order.shares } : {}),
    ...(order.amount !== undefined ? { amount: order.amount } : {}),
    ...(order.worst !== undefined ? { worst: order.worst } : {}),
  });
  const requested = order.shares ?? walk.shares;
  const complete = order.shares !== undefined ? walk.shares === order.shares : walk.stop === 'filled';
  const cancelled = (reason: StopReason): TakerResult => ({
    status: 'CANCELLED',
    shares: 0,
    requested,
    notional: 0,
    price: order.worst ?? walk.touch,
    fee: { exact: 0, charged: 0 },
    levels: 0,
    touch: walk.touch,
    stop: reason,
    partial: false,
  });
  if (walk.shares === 0 || (order.tif === 'FOK' && !complete)) {
    if (order.kind === 'limit') return cancelled(walk.stop);
    if (walk.touch === 0)
      throw new ExchangeError('NO_EXECUTABLE_DEPTH', 'No executable depth on this side of the book');
    if (walk.stop === 'price' || walk.shares === 0) {
      throw new ExchangeError(
        'FOK_ORDER_NOT_FILLED_ERROR',
        'Order could not be filled within the worst price; nothing was executed',
      );
    }
    throw new ExchangeError('INSUFFICIENT_LIQUIDITY', 'Not enough depth to fill the whole order');
  }
  if (order.amount !== undefined && walk.shares < minShares) {
    throw new ExchangeError('INVALID_ORDER_MIN_SIZE', `Minimum order size is ${minShares / MICRO} shares`);
  }
  const fee = takerFee(walk.shares, walk.vwap, ctx.feeRate);
  if (order.side === 'BUY' && walk.notional + fee.charged > account.available) {
    throw new ExchangeError('INSUFFICIENT_BALANCE', 'Insufficient balance for this order');
  }
  const fill: Fill = {
    orderId: order.orderId,
    marketId: order.marketId,
    outcome: order.outcome,
    side: order.side,
    quantity: walk.shares,
    price: walk.vwap,
    notional: walk.notional,
    fee: fee.charged,
    ts: order.ts,
    createdTs: order.createdTs ?? order.ts,
    priceSource: walk.levels > 1 ? 'book_walk' : order.side === 'BUY' ? 'best_ask' : 'best_bid',
  };
  const position = account.applyFill(fill);
  return {
    status: 'FILLED',
    shares: walk.shares,
    requested,
    notional: walk.notional,
    price: walk.vwap,
    fee,
    levels: walk.levels,
    touch: walk.touch,
    stop: walk.stop,
    partial: walk.shares < requested,
    fill,
    position,
  };
}
