// The guarantees of ARCHITECTURE.md as checks over what the system left behind: the intents and orders
// streams and the venue's ledger. Used by the end-to-end and chaos suites.

import type { Intent, OrderEvent } from '@polybot/shared';
import { TERMINAL_ORDER_EVENTS } from '@polybot/shared';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** A few offending ids, for the failure message. */
  examples: string[];
}

function result(name: string, bad: string[], detail: string): CheckResult {
  return { name, ok: bad.length === 0, detail, examples: bad.slice(0, 5) };
}

/** Guarantee 3: every intent ends in exactly one terminal event; no order event without an intent. */
export function checkTerminalOnce(intents: readonly Intent[], events: readonly OrderEvent[]): CheckResult[] {
  const ids = new Set(intents.map((i) => i.intent_id));
  const terminal = new Map<string, number>();
  const orphans = new Set<string>();
  for (const e of events) {
    if (!ids.has(e.intent_id)) orphans.add(e.intent_id);
    if (TERMINAL_ORDER_EVENTS.has(e.event)) terminal.set(e.intent_id, (terminal.get(e.intent_id) ?? 0) + 1);
  }
  const missing = [...ids].filter((id) => !terminal.has(id));
  const multiple = [...terminal].filter(([, n]) => n > 1).map(([id]) => id);
  return [
    result('every intent has a terminal event', missing, `${ids.size - missing.length}/${ids.size} terminal`),
    result('no intent has two terminal events', multiple, `${multiple.length} with more than one`),
    result('no order event without an intent', [...orphans], `${orphans.size} orphan event ids`),
  ];
}

/** Intent ids are unique in `{ns}:intents` (a redelivered tick never appends its intent twice). */
export function checkUniqueIntents(intents: readonly Intent[]): CheckResult {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const i of intents) {
    if (seen.has(i.intent_id)) dup.push(i.intent_id);
    seen.add(i.intent_id);
  }
  return result('intent ids are unique', dup, `${intents.length} intents, ${dup.length} repeated`);
}

function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/** Guarantee 4: per market, intents appear in the order of the ticks they came from. */
export function checkPerMarketOrder(intents: readonly Intent[]): CheckResult {
  const last = new Map<string, Intent>();
  const inversions: string[] = [];
  for (const i of intents) {
    const prev = last.get(i.market_id);
    if (prev) {
      const c = compareStreamIds(prev.tick_id, i.tick_id);
      if (c > 0 || (c === 0 && prev.decision_index > i.decision_index)) inversions.push(i.intent_id);
    }
    last.set(i.market_id, i);
  }
  return result('no per-market order inversion', inversions, `${inversions.length} inversions`);
}

export interface LedgerOrder {
  /** The idempotency key / client_order_id the venue stored. */
  key: string;
}

/** Guarantee 2: at most one venue order per intent id, and no venue order without an intent. */
export function checkLedger(ledger: readonly LedgerOrder[], intents: readonly Intent[]): CheckResult[] {
  const ids = new Set(intents.map((i) => i.intent_id));
  const count = new Map<string, number>();
  for (const o of ledger) count.set(o.key, (count.get(o.key) ?? 0) + 1);
  const dup = [...count].filter(([, n]) => n > 1).map(([k]) => k);
  const foreign = [...count.keys()].filter((k) => !ids.has(k));
  return [
    result('at most one venue order per intent', dup, `${ledger.length} venue orders, ${dup.length} duplicated keys`),
    result('no venue order without an intent', foreign, `${foreign.length} unknown keys`),
  ];
}

/** A plain table for test output: one row per check. */
export function renderChecks(checks: readonly CheckResult[]): string {
  const w = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map(
      (c) =>
        `${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(w)}  ${c.detail}${c.ok ? '' : ` e.g. ${c.examples.join(', ')}`}`,
    )
    .join('\n');
}
