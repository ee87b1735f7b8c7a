// The risk rules as a pure function over an in-memory ledger: what a backtest applies in-process, and the
// specification the Redis gate (apps/strategy, one Lua script) implements check for check. A test runs the
// same decision sequence through both and compares every verdict and the ledger afterwards.
//
// Order of checks (the first that fails is the reason):
//   0. an intent id already decided returns its first verdict (idempotent: re-running never re-reserves);
//   1. halted        – the halt switch is on;
//   2. not_tradable  – the tick's market is settled or closed;
//   3. stale         – now − emit_ts_ms > staleMs;
//   4. untrusted     – the market's feed had a gap and no fresh tick since;
//   5. cooldown      – an order on this market and side passed less than cooldownMs ago;
//   6. budget        – ordersPerMinute orders passed in the last 60 s (sliding window);
//   7. BUY: position_cap – held + pending buys of the market (all outcomes) + quantity > maxPosition;
//      BUY: exposure_cap – gross exposure + quantity × refPrice > maxExposure;
//      SELL: no_position – held − pending sells of the outcome < quantity.
// A pass reserves: pending buy shares and notional (BUY) or pending sell shares (SELL), stamps the cooldown
// and the budget. The executor later commits (fill) or releases (rejection) the reservation.

import { worstPrice } from '@polybot/exchange';
import { MICRO, type Micro, mulMicro } from '@polybot/shared';
import type { PositionView, Side } from '../strategy.js';

export const BLOCK_REASONS = [
  'halted',
  'not_tradable',
  'stale',
  'untrusted',
  'cooldown',
  'budget',
  'position_cap',
  'exposure_cap',
  'no_position',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/** The sliding window of the orders-per-minute budget. */
export const BUDGET_WINDOW_MS = 60_000;

export interface RiskLimits {
  /** Ticks older than this (now − emit_ts_ms) are not traded. */
  staleMs: number;
  /** Per-market cap on shares held plus pending buys, all outcomes together (micro-units). */
  maxPosition: Micro;
  /** Account cap on gross exposure: cost of holdings plus pending buy notional (micro-USD). */
  maxExposure: Micro;
  /** Minimum time between passed orders per market and side; 0 turns it off. */
  cooldownMs: number;
  /** Passed orders per sliding minute, across all workers. */
  ordersPerMinute: number;
}

/** One decision as the gate sees it. */
export interface RiskRequest {
  intentId: string;
  marketId: string;
  side: Side;
  outcome: string;
  quantity: Micro;
  /**
   * The price the reservation is taken at. For a BUY this is the executor's worst price
   * (`reservationPrice`), so a fill can never cost more than the exposure reserved for it.
   */
  refPrice: Micro;
  /** Venue emit time of the tick the decision came from (epoch ms). */
  emitTsMs: number;
  tradable: boolean;
  /** The market's feed is untrusted (gap without a fresh tick since). */
  untrusted: boolean;
}

export type RiskVerdict =
  | { ok: true /** true when this intent id was decided before and this is its first verdict */; replayed: boolean }
  | { ok: false; reason: BlockReason; replayed: boolean };

export type ReservationStatus = 'reserved' | 'committed' | 'released' | 'blocked';

/** A passed intent's reservation in the in-memory ledger (blocked intents are kept as bare reasons). */
export interface Reservation {
  status: Exclude<ReservationStatus, 'blocked'>;
  marketId: string;
  outcome: string;
  side: Side;
  quantity: Micro;
  /** quantity × refPrice rounded up (BUY exposure reserved); 0 for sells. */
  notional: Micro;
}

/** The in-memory risk ledger. evaluateRisk/commitRisk/releaseRisk update it in place. */
export interface RiskState {
  halted: boolean;
  /** `market|outcome` → shares held (committed fills). */
  held: Map<string, Micro>;
  pendingBuy: Map<string, Micro>;
  pendingSell: Map<string, Micro>;
  /** `market|outcome` → cost basis of the shares held (micro-USD). */
  cost: Map<string, Micro>;
  /** market → held + pending buys over all outcomes. */
  marketPosition: Map<string, Micro>;
  /** Cost of holdings plus pending buy notional. */
  gross: Micro;
  /** `market|side` → time of the last passed order (ms). */
  lastOrder: Map<string, number>;
  /** Times of passed orders inside the budget window, by intent id. */
  recent: Map<string, number>;
  /** Intents that passed (reserved, then committed or released), by intent id. */
  intents: Map<string, Reservation>;
  /**
   * Intents that were blocked, by intent id → reason. Kept apart from `intents` as bare reasons: a backtest
   * decides hundreds of thousands of them, and a record object each is most of its memory and GC work.
   */
  blocked: Map<string, BlockReason>;
}

export function emptyRiskState(): RiskState {
  return {
    halted: false,
    held: new Map(),
    pendingBuy: new Map(),
    pendingSell: new Map(),
    cost: new Map(),
    marketPosition: new Map(),
    gross: 0,
    lastOrder: new Map(),
    recent: new Map(),
    intents: new Map(),
    blocked: new Map(),
  };
}

/**
 * The price a decision reserves exposure at: a BUY may fill up to the executor's worst price (the reference
 * plus `slippageBps`, up on the tick), so it reserves that; a SELL reserves no exposure and keeps its price.
 */
export function reservationPrice(side: Side, refPrice: Micro, slippageBps: number, tick: Micro = 10_000): Micro {
  if (side !== 'BUY' || refPrice <= 0 || refPrice >= MICRO) return refPrice;
  return Math.max(refPrice, worstPrice('BUY', refPrice, slippageBps, tick));
}

/** The exposure a buy reserves: quantity × price, rounded up to the micro-dollar. */
export function riskNotional(quantity: Micro, price: Micro): Micro {
  return mulMicro(quantity, price, 'ceil');
}

/** Risk time is whole milliseconds (the Redis script keeps integers exact). */
export function riskNow(now: number): number {
  return Math.floor(now);
}

export const positionKey = (marketId: string, outcome: string) => `${marketId}|${outcome}`;

const get = (m: Map<string, number>, k: string) => m.get(k) ?? 0;
const add = (m: Map<string, number>, k: string, d: number) => m.set(k, get(m, k) + d);

function check(req: RiskRequest, s: RiskState, limits: RiskLimits, now: number): BlockReason | null {
  if (s.halted) return 'halted';
  if (!req.tradable) return 'not_tradable';
  if (now - req.emitTsMs > limits.staleMs) return 'stale';
  if (req.untrusted) return 'untrusted';
  const last = s.lastOrder.get(`${req.marketId}|${req.side}`);
  if (limits.cooldownMs > 0 && last !== undefined && now - last < limits.cooldownMs) return 'cooldown';
  let inWindow = 0;
  for (const [id, t] of s.recent) {
    if (t <= now - BUDGET_WINDOW_MS) s.recent.delete(id);
    else inWindow++;
  }
  if (inWindow >= limits.ordersPerMinute) return 'budget';
  const pk = positionKey(req.marketId, req.outcome);
  if (req.side === 'BUY') {
    if (get(s.marketPosition, req.marketId) + req.quantity > limits.maxPosition) return 'position_cap';
    if (s.gross + riskNotional(req.quantity, req.refPrice) > limits.maxExposure) return 'exposure_cap';
  } else if (get(s.held, pk) - get(s.pendingSell, pk) < req.quantity) {
    return 'no_position';
  }
  return null;
}

/** Decides one request at time `now` (ms) and, when it passes, reserves it in `state`. */
export function evaluateRisk(req: RiskRequest, state: RiskState, limits: RiskLimits, now: number): RiskVerdict {
  const blockedBefore = state.blocked.get(req.intentId);
  if (blockedBefore !== undefined) return { ok: false, reason: blockedBefore, replayed: true };
  if (state.intents.has(req.intentId)) return { ok: true, replayed: true };
  const v = decideRisk(req, state, limits, now);
  if (!v.ok) state.blocked.set(req.intentId, v.reason);
  return v;
}

/**
 * evaluateRisk for an intent id never decided before, without remembering a blocked verdict: the checks
 * and, on a pass, the reservation (in `state.intents`, as evaluateRisk keeps it). For a caller that keeps
 * its own memory of the ids it has decided and never asks about one twice — the backtest, which remembers
 * decided tick keys rather than one entry per intent id. `replayed` is always false.
 */
export function decideRisk(req: RiskRequest, state: RiskState, limits: RiskLimits, now: number): RiskVerdict {
  const t = riskNow(now);
  const reason = check(req, state, limits, t);
  if (reason) return { ok: false, reason, replayed: false };
  const pk = positionKey(req.marketId, req.outcome);
  let notional = 0;
  if (req.side === 'BUY') {
    notional = riskNotional(req.quantity, req.refPrice);
    add(state.pendingBuy, pk, req.quantity);
    add(state.marketPosition, req.marketId, req.quantity);
    state.gross += notional;
  } else {
    add(state.pendingSell, pk, req.quantity);
  }
  state.lastOrder.set(`${req.marketId}|${req.side}`, t);
  state.recent.set(req.intentId, t);
  state.intents.set(req.intentId, {
    status: 'reserved',
    marketId: req.marketId,
    outcome: req.outcome,
    side: req.side,
    quantity: req.quantity,
    notional,
  });
  return { ok: true, replayed: false };
}

export type SettleResult = { applied: true } | { applied: false; status: ReservationStatus | 'unknown' };

/**
 * The executor's fill: turns the reservation into a holding (BUY) or reduces one (SELL). `filledQty` above
 * the reserved quantity is capped at it. Applying twice is a no-op that reports the status.
 */
export function commitRisk(state: RiskState, intentId: string, filledQty: Micro, price: Micro): SettleResult {
  const r = state.intents.get(intentId);
  if (!r) return { applied: false, status: state.blocked.has(intentId) ? 'blocked' : 'unknown' };
  if (r.status !== 'reserved') return { applied: false, status: r.status };
  const filled = Math.max(0, Math.min(filledQty, r.quantity));
  const filledNotional = riskNotional(filled, price);
  const pk = positionKey(r.marketId, r.outcome);
  if (r.side === 'BUY') {
    add(state.pendingBuy, pk, -r.quantity);
    add(state.held, pk, filled);
    add(state.marketPosition, r.marketId, filled - r.quantity);
    add(state.cost, pk, filledNotional);
    state.gross += filledNotional - r.notional;
  } else {
    add(state.pendingSell, pk, -r.quantity);
    add(state.held, pk, -filled);
    add(state.marketPosition, r.marketId, -filled);
    // The sold shares take their average-cost share of the basis (the same double arithmetic as the Lua
    // script, so both give the same micro-units); selling everything clears it.
    const cost = get(state.cost, pk);
    const heldAfter = get(state.held, pk);
    const reduce = heldAfter <= 0 ? cost : Math.floor((cost / (heldAfter + filled)) * filled + 0.5);
    add(state.cost, pk, -reduce);
    state.gross -= reduce;
  }
  r.status = 'committed';
  return { applied: true };
}

/** The executor's definite rejection: gives the reservation back. Releasing twice is a no-op. */
export function releaseRisk(state: RiskState, intentId: string): SettleResult {
  const r = state.intents.get(intentId);
  if (!r) return { applied: false, status: state.blocked.has(intentId) ? 'blocked' : 'unknown' };
  if (r.status !== 'reserved') return { applied: false, status: r.status };
  const pk = positionKey(r.marketId, r.outcome);
  if (r.side === 'BUY') {
    add(state.pendingBuy, pk, -r.quantity);
    add(state.marketPosition, r.marketId, -r.quantity);
    state.gross -= r.notional;
  } else {
    add(state.pendingSell, pk, -r.quantity);
  }
  r.status = 'released';
  return { applied: true };
}

/** The position view of one market from the ledger (what ctx.position shows a strategy). */
export function positionViewOf(state: RiskState, marketId: string): PositionView {
  const one = (o: string) => {
    const k = positionKey(marketId, o);
    return { held: get(state.held, k), pendingBuy: get(state.pendingBuy, k), pendingSell: get(state.pendingSell, k) };
  };
  return { Yes: one('Yes'), No: one('No') };
}
