// Tick and Gap: the entries of the `{ns}:ticks:{p}` partition streams.

import { z } from 'zod';
import { fnv1a32Hex } from '../util/fnv1a.js';
import { defineStreamContract } from './contract.js';
import { bool, int, marketId, num, price, str } from './fields.js';

export const TICK_VERSION = 1;

export const TickContract = defineStreamContract('Tick', TICK_VERSION, {
  v: int(),
  type: z.literal('tick'),
  market_id: marketId(),
  /** Yes price (the frame's `buy`), micro-units. */
  yes: price(),
  /** No price (the frame's `sell`), micro-units. */
  no: price(),
  best_bid: price().optional(),
  best_ask: price().optional(),
  /** Venue emit time, epoch ms. */
  emit_ts_ms: int(),
  /** Ingestor receive time, epoch ms with a sub-ms fraction. */
  recv_ts_ms: num(),
  conn_epoch: int(),
  source: str(64),
  /** False for settled or closed markets: kept for the record, never traded on. */
  tradable: bool(),
  /** The tick's venue identity (see tickKey). */
  key: str(256),
});
export type Tick = ReturnType<typeof TickContract.decode>;

export const GAP_VERSION = 1;

export const GapContract = defineStreamContract('Gap', GAP_VERSION, {
  v: int(),
  type: z.literal('gap'),
  market_id: marketId(),
  conn_epoch: int(),
  /** Why continuity was lost: disconnect, stall, redis_outage, buffer_overflow, shutdown, … */
  reason: str(64),
  /** When the loss was detected, epoch ms. */
  ts_ms: num(),
  /** The last venue emit time seen before the gap, when known. */
  last_emit_ts_ms: int().optional(),
});
export type Gap = ReturnType<typeof GapContract.decode>;

export type TickStreamEntry = Tick | Gap;

/**
 * The tick's venue identity: market id, emit time and a short digest of its prices. It is the same
 * whichever ingestor wrote the tick, and the same again in a replay.
 */
export function tickKey(t: {
  market_id: string;
  emit_ts_ms: number;
  yes: number;
  no: number;
  best_bid?: number | undefined;
  best_ask?: number | undefined;
}): string {
  const digest = fnv1a32Hex(`${t.yes}|${t.no}|${t.best_bid ?? ''}|${t.best_ask ?? ''}`);
  return `${t.market_id.toLowerCase()}-${t.emit_ts_ms}-${digest}`;
}
