// Intent: a decision that passed the risk gate. Appended to `{ns}:intents` and carried as the order job.

import { z } from 'zod';
import { fnv1a32Hex } from '../util/fnv1a.js';
import { defineStreamContract } from './contract.js';
import { int, marketId, num, price, side, size, str } from './fields.js';

export const INTENT_VERSION = 1;

const intentShape = {
  v: int(),
  intent_id: str(256),
  ns: str(64),
  strategy: str(64),
  market_id: marketId(),
  side: side(),
  outcome: str(200),
  /** Shares, micro-units (the venue quantum is 4 dp). */
  quantity: size(),
  /** The tick price the decision was made on (Yes price for outcome Yes), micro-units. */
  ref_price: price(),
  tick_key: str(256),
  /** Stream id of the tick in its partition. */
  tick_id: str(64),
  partition: int(),
  decision_index: int(),
  t_emit: num(),
  t_recv: num(),
  t_decide: num(),
  /** Why the strategy decided (free text for operators). */
  reason: str(256).optional(),
};

export const IntentContract = defineStreamContract('Intent', INTENT_VERSION, intentShape);
export type Intent = ReturnType<typeof IntentContract.decode>;

/** The BullMQ job data for `{ns}-orders`: the intent's wire fields plus the enqueue time. */
export const OrderJobContract = defineStreamContract('OrderJob', INTENT_VERSION, {
  ...intentShape,
  t_enqueue: num(),
});
export type OrderJob = ReturnType<typeof OrderJobContract.decode>;

const INTENT_ID_SAFE = /[^A-Za-z0-9_.-]/g;
const clean = (s: string) => s.replace(INTENT_ID_SAFE, '_');
/** Namespaces and strategy names repeat on every intent: cleaned once each (a few per process). */
const cleanNames = new Map<string, string>();
function cleanName(s: string): string {
  let c = cleanNames.get(s);
  if (c === undefined) {
    c = clean(s);
    if (cleanNames.size < 1024) cleanNames.set(s, c);
  }
  return c;
}

const UNSAFE = /[^A-Za-z0-9_.-]/;
/** True when `s` goes into an intent id unchanged (no character of it is replaced). */
export function intentIdSafe(s: string): boolean {
  return !UNSAFE.test(s);
}

/**
 * What every intent id of `ns` and `strategy` starts with, `${ns}.${strategy}.` cleaned, unless the id is
 * over 256 characters: then intentId folds the two into digests.
 */
export function intentIdPrefix(ns: string, strategy: string): string {
  return `${cleanName(ns)}.${cleanName(strategy)}.`;
}

/**
 * Deterministic intent id: namespace + strategy + tick key + decision index. It has no `:` and is
 * never all digits (BullMQ custom ids), and stays within 256 characters (venue client_order_id).
 */
export function intentId(ns: string, strategy: string, tickKeyValue: string, decisionIndex: number): string {
  const id = `${cleanName(ns)}.${cleanName(strategy)}.${clean(tickKeyValue)}.${decisionIndex}`;
  if (id.length <= 256) return id;
  // Over-long namespaces or strategy names are folded into a digest; ids stay deterministic.
  return `${fnv1a32Hex(clean(ns))}.${fnv1a32Hex(clean(strategy))}.${clean(tickKeyValue).slice(0, 200)}.${decisionIndex}`;
}

/** The intent id without its namespace, to compare a live run with a replay. */
export function intentIdWithoutNs(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(dot + 1);
}

export const IntentSideSchema = z.enum(['BUY', 'SELL']);
