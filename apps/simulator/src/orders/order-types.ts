// Orders as the simulator stores them (one id space for pending and filled rows).

import type { Side } from '@polybot/exchange';
import type { Micro } from '@polybot/shared';
import type { OutcomeLabel } from '../market/market-state.js';

export type OrderStatus = 'PENDING' | 'FILLED' | 'CANCELLED' | 'EXPIRED';
export type StoredTif = 'GTC' | 'GTD' | 'FOK' | 'IOC';

export interface OrderRecord {
  id: number;
  userId: number;
  marketId: string;
  outcome: OutcomeLabel;
  side: Side;
  orderType: 'market' | 'limit';
  tif: StoredTif;
  limitPrice: Micro | null;
  /** Shares asked for (for amount orders: the shares the amount bought). */
  requested: Micro;
  amount: Micro | null;
  status: OrderStatus;
  clientOrderId: string | null;
  createdMs: number;
  filledMs: number | null;
  cancelledMs: number | null;
  cancelledReason: string | null;
  filledQty: Micro;
  fillPrice: Micro | null;
  notional: Micro;
  fee: Micro;
  reservedCash: Micro;
  reservedShares: Micro;
  expiration: number | null;
  warnings: string[];
}

export interface IdemEntry {
  fingerprint: string;
  state: 'pending' | 'done';
  /** The original 200 reply (done entries). */
  response?: Record<string, unknown>;
  orderId?: number;
}
