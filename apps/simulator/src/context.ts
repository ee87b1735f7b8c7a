// What every route and socket handler shares.

import type { Clock, Logger } from '@polybot/shared';
import type { Accounts } from './accounts.js';
import type { Faults } from './faults.js';
import type { MarketState } from './market/market-state.js';
import type { ResolvedOptions } from './options.js';
import type { OrderService } from './orders/order-service.js';
import type { OrderRecord } from './orders/order-types.js';
import type { SimStats } from './stats.js';
import type { ExecHub } from './ws/exec-hub.js';
import type { PriceHub } from './ws/price-hub.js';
import type { TokenStore } from './ws/tokens.js';

export interface SimContext {
  opts: ResolvedOptions;
  clock: Clock;
  logger: Logger;
  faults: Faults;
  stats: SimStats;
  accounts: Accounts;
  markets: Map<string, MarketState>;
  /** Markets in listing order (by seeded volume, descending). */
  marketList: MarketState[];
  orders: OrderService;
  tokens: TokenStore;
  priceHub: PriceHub;
  execHub: ExecHub;
  /** Every persisted order, in persistence order. */
  ledger: OrderRecord[];
  /** Timers of hung replies, cleared on close. */
  hangs: Set<NodeJS.Timeout>;
  /** Sockets of every WS connection (prices and executions). */
  sockets: Set<import('ws').WebSocket>;
}
