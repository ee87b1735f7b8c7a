// Runs a strategy over one market's entries and tracks feed trust, the same way in the workers and in a
// backtest. A Gap makes the market untrusted until a tick emitted after the gap arrives; that flag is part
// of the slot, so it is checkpointed with the strategy state and survives a takeover.

import { type Gap, MICRO, type Tick } from '@polybot/shared';
import { type AnyStrategy, type Decision, OUTCOMES, type PositionView } from '../strategy.js';

/** Everything kept per market between entries. JSON-serialisable. */
export interface MarketSlot {
  state: unknown;
  /** ts_ms of the last gap not yet followed by a fresh tick; null when the feed is trusted. */
  gapTs: number | null;
}

export interface StepResult {
  slot: MarketSlot;
  /** Valid decisions, in the strategy's order (the index is part of the intent id). */
  decisions: Decision[];
  /** Decisions dropped because they were malformed (a strategy bug; counted, never traded). */
  invalid: number;
  /** The feed of this market is untrusted for these decisions. */
  untrusted: boolean;
}

export function newSlot(strategy: AnyStrategy, marketId: string): MarketSlot {
  return { state: strategy.init(marketId), gapTs: null };
}

function isValid(d: Decision): boolean {
  return (
    (d.side === 'BUY' || d.side === 'SELL') &&
    (OUTCOMES as readonly string[]).includes(d.outcome) &&
    Number.isSafeInteger(d.quantity) &&
    d.quantity > 0 &&
    d.quantity % 100 === 0 &&
    Number.isSafeInteger(d.refPrice) &&
    d.refPrice > 0 &&
    d.refPrice <= MICRO &&
    typeof d.reason === 'string'
  );
}

/** The step's result: the valid decisions (reasons cut to 256 characters), the rest counted as invalid. */
function result(slot: MarketSlot, list: readonly Decision[] | undefined, untrusted: boolean): StepResult {
  const decisions: Decision[] = [];
  let invalid = 0;
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const d = list[i] as Decision;
      if (isValid(d)) decisions.push(d.reason.length > 256 ? { ...d, reason: d.reason.slice(0, 256) } : d);
      else invalid++;
    }
  }
  return { slot, decisions, invalid, untrusted };
}

/** The slot after a step: the same object when nothing in it changed (a backtest steps millions of ticks). */
const nextSlot = (slot: MarketSlot, state: unknown, gapTs: number | null): MarketSlot =>
  slot.state === state && slot.gapTs === gapTs ? slot : { state, gapTs };

export function stepTick(
  strategy: AnyStrategy,
  slot: MarketSlot,
  tick: Tick,
  position: PositionView,
  params: unknown,
): StepResult {
  const gapTs = slot.gapTs !== null && tick.emit_ts_ms > slot.gapTs ? null : slot.gapTs;
  const res = strategy.onTick(slot.state, tick, {
    now: () => tick.emit_ts_ms,
    marketId: tick.market_id,
    position,
    params,
  });
  return result(nextSlot(slot, res.state, gapTs), res.decisions, gapTs !== null);
}

export function stepGap(
  strategy: AnyStrategy,
  slot: MarketSlot,
  gap: Gap,
  position: PositionView,
  params: unknown,
): StepResult {
  const res = strategy.onGap(slot.state, gap, {
    now: () => gap.ts_ms,
    marketId: gap.market_id,
    position,
    params,
  });
  const gapTs = Math.max(slot.gapTs ?? Number.NEGATIVE_INFINITY, gap.ts_ms);
  return result(nextSlot(slot, res.state, gapTs), res.decisions, true);
}

/** The identity of a gap entry, used where a tick key would be (intent ids of onGap decisions). */
export function gapKey(gap: Gap): string {
  return `${gap.market_id.toLowerCase()}-gap-${Math.floor(gap.ts_ms)}-${gap.conn_epoch}`;
}
