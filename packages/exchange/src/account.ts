// A trading account: cash, reservations, positions with average entry, realised P&L and fill history.
// Every amount is integer micro-units; the invariant is
//   cash = starting − Σ buys (notional + fee) + Σ sells (notional − fee).

import type { Micro } from '@polybot/shared';
import { ExchangeError } from './errors.js';
import { div, type Side } from './walk.js';

export type PositionStatus = 'OPEN' | 'CLOSED';

export interface Position {
  marketId: string;
  outcome: string;
  /** Shares held. */
  quantity: Micro;
  /** Shares reserved by resting SELL orders. */
  reserved: Micro;
  /** Cost of the shares held (sum of buy notional, reduced pro rata on sells). */
  costBasis: Micro;
  /** Average entry price (costBasis / quantity), 0 when flat. */
  avgEntry: Micro;
  /** Realised P&L of this position, fees included. */
  realized: Micro;
  status: PositionStatus;
  id: number;
}

export interface Fill {
  orderId: number;
  marketId: string;
  outcome: string;
  side: Side;
  /** Shares. */
  quantity: Micro;
  /** Average fill price. */
  price: Micro;
  notional: Micro;
  /** Fee charged (cents). */
  fee: Micro;
  /** Epoch ms. */
  ts: number;
  /** Epoch ms the order was created. */
  createdTs: number;
  priceSource: string;
}

export class Account {
  readonly id: string;
  readonly startingBalance: Micro;
  #cash: Micro;
  #reservedCash: Micro = 0;
  #positions = new Map<string, Position>();
  #history: Fill[] = [];
  #realized: Micro = 0;
  #fees: Micro = 0;
  #positionSeq = 0;

  constructor(id: string, startingBalance: Micro) {
    this.id = id;
    this.startingBalance = startingBalance;
    this.#cash = startingBalance;
  }

  /** Cash including what resting BUY orders reserve. */
  get cash(): Micro {
    return this.#cash;
  }
  get reservedCash(): Micro {
    return this.#reservedCash;
  }
  /** Cash free for new orders. */
  get available(): Micro {
    return this.#cash - this.#reservedCash;
  }
  get realized(): Micro {
    return this.#realized;
  }
  get feesPaid(): Micro {
    return this.#fees;
  }
  /** Fills, oldest first. */
  get history(): readonly Fill[] {
    return this.#history;
  }

  positions(): Position[] {
    return [...this.#positions.values()];
  }

  position(marketId: string, outcome: string): Position | undefined {
    return this.#positions.get(`${marketId}|${outcome}`);
  }

  /** Shares that a new SELL may use. */
  sellable(marketId: string, outcome: string): Micro {
    const p = this.position(marketId, outcome);
    return p ? p.quantity - p.reserved : 0;
  }

  reserveCash(amount: Micro): void {
    if (amount > this.available) throw new ExchangeError('INSUFFICIENT_BALANCE', 'Insufficient balance for this order');
    this.#reservedCash += amount;
  }

  releaseCash(amount: Micro): void {
    this.#reservedCash = Math.max(0, this.#reservedCash - amount);
  }

  reserveShares(marketId: string, outcome: string, shares: Micro): void {
    if (shares > this.sellable(marketId, outcome)) {
      throw new ExchangeError('INSUFFICIENT_POSITION', 'Insufficient position: naked shorts are not allowed');
    }
    const p = this.position(marketId, outcome) as Position;
    p.reserved += shares;
  }

  releaseShares(marketId: string, outcome: string, shares: Micro): void {
    const p = this.position(marketId, outcome);
    if (p) p.reserved = Math.max(0, p.reserved - shares);
  }

  /**
   * Books a fill. The caller has checked funds and shares (and released any reservation it used);
   * this throws only if the invariants would break, leaving the account unchanged.
   */
  applyFill(fill: Fill): Position {
    const key = `${fill.marketId}|${fill.outcome}`;
    let p = this.#positions.get(key);
    if (fill.side === 'BUY') {
      const cost = fill.notional + fill.fee;
      if (cost > this.available) throw new ExchangeError('INSUFFICIENT_BALANCE', 'Insufficient balance for this order');
      if (!p) {
        p = {
          marketId: fill.marketId,
          outcome: fill.outcome,
          quantity: 0,
          reserved: 0,
          costBasis: 0,
          avgEntry: 0,
          realized: 0,
          status: 'OPEN',
          id: ++this.#positionSeq,
        };
        this.#positions.set(key, p);
      }
      this.#cash -= cost;
      p.quantity += fill.quantity;
      p.costBasis += fill.notional;
      p.realized -= fill.fee;
      this.#realized -= fill.fee;
      p.status = 'OPEN';
    } else {
      if (!p || p.quantity - p.reserved < fill.quantity) {
        throw new ExchangeError('INSUFFICIENT_POSITION', 'Insufficient position: naked shorts are not allowed');
      }
      const removed = fill.quantity === p.quantity ? p.costBasis : mulDiv(p.costBasis, fill.quantity, p.quantity);
      const pnl = fill.notional - removed - fill.fee;
      this.#cash += fill.notional - fill.fee;
      p.quantity -= fill.quantity;
      p.costBasis -= removed;
      p.realized += pnl;
      this.#realized += pnl;
      if (p.quantity === 0) p.status = 'CLOSED';
    }
    p.avgEntry = p.quantity > 0 ? div(p.costBasis, p.quantity) : 0;
    this.#fees += fill.fee;
    this.#history.push(fill);
    return p;
  }
}

/** a × b / c, half-up, exact (bigint). */
function mulDiv(a: Micro, b: Micro, c: Micro): Micro {
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  const q = n / d;
  return Number((n % d) * 2n >= d ? q + 1n : q);
}
