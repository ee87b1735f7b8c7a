// The Strategy API: a pure, deterministic function of (state, tick, ctx). The same code runs live in the
// workers, on a replay and in a backtest, because time, positions and params all come in through `ctx`.

import type { Gap, Micro, Tick } from '@polybot/shared';
import type { z } from 'zod';

export const OUTCOMES = ['Yes', 'No'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type Side = 'BUY' | 'SELL';

/** One order a strategy wants placed. Quantities and prices are integer micro-units. */
export interface Decision {
  side: Side;
  outcome: Outcome;
  /** Shares, micro-units; must be positive and on the venue's 4 dp quantum (a multiple of 100). */
  quantity: Micro;
  /** The tick price the decision is based on (the Yes price for outcome Yes), micro-units. */
  refPrice: Micro;
  /** Why, for operators (≤ 256 characters). */
  reason: string;
}

/** What the account holds in one outcome of a market, as the risk ledger sees it. */
export interface OutcomePosition {
  /** Shares filled and held. */
  held: Micro;
  /** Shares of buys reserved but not yet filled. */
  pendingBuy: Micro;
  /** Shares of sells reserved but not yet filled. */
  pendingSell: Micro;
}

/** The position view of one market. Plain data: it can be recorded and replayed. */
export type PositionView = Readonly<Record<Outcome, Readonly<OutcomePosition>>>;

export const FLAT: PositionView = Object.freeze({
  Yes: Object.freeze({ held: 0, pendingBuy: 0, pendingSell: 0 }),
  No: Object.freeze({ held: 0, pendingBuy: 0, pendingSell: 0 }),
});

/** Shares that can still be sold: held minus sells already in flight (never negative). */
export function sellable(view: PositionView, outcome: Outcome): Micro {
  const p = view[outcome];
  return Math.max(0, p.held - p.pendingSell);
}

export interface StrategyContext<P> {
  /** The decision clock: the tick's venue emit time (or the gap's time). Never the wall clock. */
  now(): number;
  readonly marketId: string;
  /** The position view of this market when the entry is processed. */
  readonly position: PositionView;
  readonly params: P;
}

export interface TickResult<S> {
  state: S;
  decisions: readonly Decision[];
}

export interface GapResult<S> {
  state: S;
  decisions?: readonly Decision[];
}

/**
 * A strategy. It must be pure and deterministic: no I/O, no Date.now(), no Math.random(), no hidden
 * module state. Its state must survive JSON.stringify/JSON.parse unchanged (it is checkpointed).
 */
export interface Strategy<P = unknown, S = unknown> {
  readonly name: string;
  /** Parses the JSON parameters (STRATEGY_PARAMS); defaults fill missing fields. */
  readonly params: z.ZodType<P>;
  /** Initial state of a market never seen before. */
  init(market: string): S;
  onTick(state: S, tick: Tick, ctx: StrategyContext<P>): TickResult<S>;
  /** Continuity was lost for this market (disconnect, stall, …). */
  onGap(state: S, gap: Gap, ctx: StrategyContext<P>): GapResult<S>;
}

/** A strategy with its parameters type erased, as the registry hands it out. */
// biome-ignore lint/suspicious/noExplicitAny: erased on purpose; params are validated by the strategy's own schema.
export type AnyStrategy = Strategy<any, any>;
