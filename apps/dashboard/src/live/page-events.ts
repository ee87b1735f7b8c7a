// What the server sends to the page (types only; the web bundle imports them too). Prices and sizes are
// integer micro-units, money is a decimal string: the page formats, it never does money arithmetic.

import type { Status } from '@polybot/shared/status';

export interface TickEvent {
  k: 'tick';
  /** Market id. */
  m: string;
  /** Yes price, micro-units. */
  y: number;
  /** No price, micro-units. */
  n: number;
  /** Ingestor receive time, epoch ms. */
  t: number;
  /** Venue emit time, epoch ms. */
  e: number;
}

export interface GapEvent {
  k: 'gap';
  m: string;
  t: number;
  /** disconnect, stall, redis_outage, … */
  r: string;
}

export interface IntentEvent {
  k: 'intent';
  id: string;
  m: string;
  side: 'BUY' | 'SELL';
  outcome: string;
  /** Shares, micro-units. */
  q: number;
  /** Reference price, micro-units. */
  p: number;
  strategy: string;
  t: number;
  reason?: string;
}

export interface OrderTimings {
  emit: number;
  recv: number;
  decide: number;
  enqueue: number;
  start: number;
  sent?: number;
  ack?: number;
}

export interface OrderEventView {
  k: 'order';
  id: string;
  ev: 'submitted' | 'retrying' | 'ambiguous' | 'reconciled' | 'acked' | 'rejected';
  m: string;
  side: 'BUY' | 'SELL';
  attempt: number;
  status?: string;
  code?: string;
  /** Fill price, micro-units. */
  fillPrice?: number;
  /** Fee, decimal USD. */
  fee?: string;
  timings: OrderTimings;
  /** Stream time of the event, epoch ms. */
  at: number;
}

export interface FeedEventView {
  k: 'feed';
  ev: string;
  conn: number;
  epoch: number;
  t: number;
  code?: number;
  reason?: string;
  /** The market concerned (market_quiet). */
  market?: string;
}

export interface DeadEventView {
  k: 'dead';
  source: string;
  kind: string;
  reason: string;
  t: number;
}

export type LiveEvent = TickEvent | GapEvent | IntentEvent | OrderEventView | FeedEventView | DeadEventView;

export interface PositionView {
  market: string;
  outcome: string;
  /** Shares, decimal. */
  qty: string;
  /** Cost basis, decimal USD. */
  cost: string;
  /** Last price of the outcome, decimal; null when no tick was seen. */
  mark: string | null;
  /** Mark value − cost, decimal USD; null without a mark. */
  unrealised: string | null;
}

export interface PortfolioView {
  positions: PositionView[];
  /** Cash change since the projection began, decimal USD. */
  cash: string;
  realised: string;
  unrealised: string;
  fees: string;
  fills: number;
}

export interface PnlPoint {
  /** Epoch ms. */
  t: number;
  realised: string;
  unrealised: string;
  fees: string;
}

export interface ProcessView {
  name: string;
  /** running, starting, degraded, stopping, stopped, down (no answer), or `worker` for a heartbeat. */
  state: string;
  detail?: string;
}

/**
 * The shared status collection (`polybot status`) without what the page gets elsewhere (the namespace is in
 * the snapshot; the raw projection is replaced by the marked portfolio), plus the halt reason and the
 * process states the dashboard probes.
 */
export type StatusView = Omit<Status, 'ns' | 'portfolio'> & {
  haltReason: string | null;
  processes: ProcessView[];
  portfolio: PortfolioView;
};

export interface Snapshot {
  ns: string;
  partitions: number;
  controls: boolean;
  /** The page must ask the operator for the token before a control action. */
  tokenRequired: boolean;
  events: LiveEvent[];
  status: StatusView | null;
  pnl: PnlPoint[];
}
