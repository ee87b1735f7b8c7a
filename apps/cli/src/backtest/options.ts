// Backtest options: the strategy, the risk limits (the workers' own RiskLimits), how orders fill, and the
// account. Defaults mirror the live configuration defaults (RISK_*, EXECUTOR_SLIPPAGE_BPS, the simulator's
// starting balance), so a backtest with no flags trades like the bot would.

import { MICRO, type Micro } from '@polybot/shared';
import type { RiskLimits } from '@polybot/strategy-kit';

/**
 * How a passed order meets the market.
 * - `book`: a market FOK order walks the synthetic book of @polybot/exchange anchored at the recorded best
 *   bid/ask (VWAP over depth, worst-price cap) — the simulator's own rules.
 * - `touch`: unlimited depth at the recorded touch (best ask for buys, best bid for sells; the tick price
 *   when the touch is missing). No size impact; useful for worked examples and as an optimistic bound.
 */
export type FillModel = 'book' | 'touch';

/**
 * Which prices a decision fills on.
 * - `tick`: the prices of the tick that made the decision (tick k).
 * - `next`: the prices of the market's next tick (k+1): an order in flight while the market moves. Orders
 *   still in flight when the recording ends are released unfilled.
 */
export type FillOn = 'tick' | 'next';

export interface BacktestOptions {
  /** Strategy name (see STRATEGY_NAMES). Default `threshold`. */
  strategy: string;
  /** Strategy parameters: JSON text or an object, validated by the strategy's schema. Default `{}`. */
  params: string | Record<string, unknown>;
  /** The risk gate's limits. Default: the RISK_* configuration defaults. */
  limits: RiskLimits;
  /** Worst price = ref ± this many basis points, on the market tick (EXECUTOR_SLIPPAGE_BPS). Default 200. */
  slippageBps: number;
  /** Starting cash, micro-USD. Default 10 000 USD (the simulator's default tier). */
  cash: Micro;
  /** Default `book`. */
  fill: FillModel;
  /** Default `tick`. */
  fillOn: FillOn;
  /** Fee category of markets the recording does not describe. Default `other` (5 %). */
  defaultCategory: string;
  /** Namespace part of the intent ids (as a replay namespace would be). Default `backtest`. */
  ns: string;
  /** The equity curve keeps between this many and twice this many points (drawdown uses every tick). Default 600. */
  equityPoints: number;
}

export const DEFAULT_LIMITS: Readonly<RiskLimits> = Object.freeze({
  staleMs: 2000,
  maxPosition: 100 * MICRO,
  maxExposure: 1000 * MICRO,
  cooldownMs: 5000,
  ordersPerMinute: 60,
});

export const DEFAULT_OPTIONS: Readonly<BacktestOptions> = Object.freeze({
  strategy: 'threshold',
  params: {},
  limits: DEFAULT_LIMITS,
  slippageBps: 200,
  cash: 10_000 * MICRO,
  fill: 'book',
  fillOn: 'tick',
  defaultCategory: 'other',
  ns: 'backtest',
  equityPoints: 600,
});

/** Options as callers give them: anything left out (including single risk limits) takes its default. */
export type BacktestSettings = Omit<Partial<BacktestOptions>, 'limits'> & { limits?: Partial<RiskLimits> };

export function withDefaults(opts: BacktestSettings = {}): BacktestOptions {
  const o: BacktestOptions = { ...DEFAULT_OPTIONS, ...opts, limits: { ...DEFAULT_LIMITS, ...opts.limits } };
  if (!Number.isInteger(o.slippageBps) || o.slippageBps < 0 || o.slippageBps > 10_000) {
    throw new RangeError('slippageBps must be a whole number 0..10000');
  }
  if (!Number.isSafeInteger(o.cash) || o.cash < 0) throw new RangeError('cash must be non-negative micro-units');
  if (!Number.isInteger(o.equityPoints) || o.equityPoints < 2) throw new RangeError('equityPoints must be ≥ 2');
  return o;
}
