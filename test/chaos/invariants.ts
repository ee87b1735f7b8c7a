// The guarantees of ARCHITECTURE.md as checks over what the system left behind: the intents and orders
// streams and the venue's ledger. Used by the end-to-end and chaos suites.

import type { Intent, OrderEvent } from '@polybot/shared';
import { intentIdWithoutNs, TERMINAL_ORDER_EVENTS } from '@polybot/shared';

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

// ---- Checks of the chaos suite. Each takes plain data, so a unit test can show it fails. ----

/** A venue order as `GET /_sim/ledger` reports it (amounts as the venue's decimal strings, parsed to micro). */
export interface VenueOrder extends LedgerOrder {
  marketId: string;
  side: 'BUY' | 'SELL';
  outcome: string;
  status: string;
  /** Filled quantity for FILLED orders, requested otherwise; micro-units. */
  quantity: number;
  /** Fill notional, micro-USD (0 when not filled). */
  notional: number;
  /** Fill price, micro-units (absent when not filled). */
  price?: number;
  createdMs: number;
}

/**
 * Guarantees 2 and 3 together: the order log tells the venue's truth. Every filled venue order's intent
 * ends acked (not rejected: a "rejected" order that the venue filled is a position nobody accounts for), and
 * every intent acked as FILLED has its venue order.
 */
export function checkLedgerMatchesLog(ledger: readonly VenueOrder[], events: readonly OrderEvent[]): CheckResult[] {
  const terminal = new Map<string, OrderEvent>();
  for (const e of events) if (TERMINAL_ORDER_EVENTS.has(e.event)) terminal.set(e.intent_id, e);
  const placed = new Map(ledger.map((o) => [o.key, o]));
  const untold = ledger
    .filter((o) => o.status === 'FILLED' && terminal.get(o.key)?.event !== 'acked')
    .map((o) => `${o.key} (${terminal.get(o.key)?.event ?? 'no terminal'})`);
  const phantom = [...terminal.values()]
    .filter((e) => e.event === 'acked' && e.status === 'FILLED' && !placed.has(e.intent_id))
    .map((e) => e.intent_id);
  return [
    result('every filled venue order is acked in the log', untold, `${untold.length} filled but not acked`),
    result('every acked fill has its venue order', phantom, `${phantom.length} acked without a venue order`),
  ];
}

export interface GroupState {
  stream: string;
  group: string;
  /** Entries delivered to a consumer and not acknowledged. */
  pending: number;
  lastDeliveredId: string;
  /** The stream's last entry id. */
  lastGeneratedId: string;
}

/** Guarantee 1: every entry of every tick stream was delivered and acknowledged. */
export function checkGroupsDrained(groups: readonly GroupState[]): CheckResult[] {
  const pending = groups.filter((g) => g.pending > 0).map((g) => `${g.stream} pending ${g.pending}`);
  const behind = groups
    .filter((g) => compareStreamIds(g.lastDeliveredId, g.lastGeneratedId) < 0)
    .map((g) => `${g.stream} at ${g.lastDeliveredId} < ${g.lastGeneratedId}`);
  return [
    result('no tick entry left pending', pending, `${groups.length} groups, ${pending.length} with pending entries`),
    result('every tick entry was delivered', behind, `${behind.length} groups behind their stream`),
  ];
}

export interface QueueCounts {
  wait: number;
  active: number;
  delayed: number;
  prioritized: number;
  paused: number;
}

/** Guarantee 3 (the queue side): no order job is left behind. */
export function checkQueueEmpty(q: QueueCounts): CheckResult {
  const left = Object.entries(q)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`);
  return result('order queue drained', left, left.length === 0 ? 'no waiting/active/delayed jobs' : left.join(' '));
}

export interface ProcessExit {
  name: string;
  code: number | null;
  signal: string | null;
  cause: 'driver-kill' | 'stop' | 'unexpected';
  tail: readonly string[];
}

/** Guarantee 6: no process ended except by the driver's SIGKILL or the test's clean SIGTERM stop (exit 0). */
export function checkExits(exits: readonly ProcessExit[]): CheckResult[] {
  const crashes = exits
    .filter((e) => e.cause === 'unexpected')
    .map((e) => `${e.name} code=${e.code} signal=${e.signal}: ${e.tail.slice(-3).join(' | ').slice(0, 600)}`);
  const unclean = exits
    .filter((e) => e.cause === 'stop' && e.code !== 0)
    .map((e) => `${e.name} code=${e.code} signal=${e.signal}: ${e.tail.slice(-3).join(' | ').slice(0, 600)}`);
  const kills = exits.filter((e) => e.cause === 'driver-kill').length;
  return [
    result('no process exit but the driver’s kills', crashes, `${kills} driver kills, ${crashes.length} other exits`),
    result('every clean stop exits 0', unclean, `${exits.filter((e) => e.cause === 'stop').length} stops`),
  ];
}

export interface Haystack {
  /** Where the text came from (a process name, a Redis key). */
  where: string;
  text: string;
}

/** Guarantee 7: no secret (the API key, a WS token) in any log line or Redis value. */
export function checkSecrets(
  name: string,
  haystacks: readonly Haystack[],
  secrets: readonly (string | RegExp)[],
): CheckResult {
  const found: string[] = [];
  for (const h of haystacks) {
    for (const s of secrets) {
      const hit = typeof s === 'string' ? s.length > 0 && h.text.includes(s) : s.test(h.text);
      // Name the place, never the secret itself: the report must not leak what it found.
      if (hit) found.push(`${h.where} (${typeof s === 'string' ? 'the API key' : String(s)})`);
    }
  }
  return result(name, found, `${haystacks.length} searched, ${found.length} leaks`);
}

/**
 * Guarantee 5 from the venue's side: replaying the ledger in time order, no market's position ever exceeded
 * the per-market cap (shares, micro-units).
 */
export function checkPositionCap(ledger: readonly VenueOrder[], maxPosition: number): CheckResult {
  const pos = new Map<string, number>();
  const over: string[] = [];
  let peak = 0;
  for (const o of [...ledger].sort((a, b) => a.createdMs - b.createdMs)) {
    if (o.status !== 'FILLED') continue;
    const k = `${o.marketId}|${o.outcome}`;
    const q = (pos.get(k) ?? 0) + (o.side === 'BUY' ? o.quantity : -o.quantity);
    pos.set(k, q);
    peak = Math.max(peak, q);
    if (q > maxPosition) over.push(`${k} ${q} > ${maxPosition} after ${o.key}`);
  }
  return result(
    'per-market position cap never exceeded',
    over,
    `peak ${peak / 1e6} of cap ${maxPosition / 1e6} shares`,
  );
}

/**
 * Guarantee 5, account-wide: replaying the ledger in time order, the gross exposure (cost basis of all
 * holdings; a sell removes its average cost share) never exceeded the cap (micro-USD).
 */
export function checkExposureCap(ledger: readonly VenueOrder[], maxExposure: number): CheckResult {
  const qty = new Map<string, number>();
  const cost = new Map<string, number>();
  let gross = 0;
  let peak = 0;
  const over: string[] = [];
  for (const o of [...ledger].sort((a, b) => a.createdMs - b.createdMs)) {
    if (o.status !== 'FILLED') continue;
    const k = `${o.marketId}|${o.outcome}`;
    const q = qty.get(k) ?? 0;
    const c = cost.get(k) ?? 0;
    if (o.side === 'BUY') {
      qty.set(k, q + o.quantity);
      cost.set(k, c + o.notional);
      gross += o.notional;
    } else {
      const reduce = q <= 0 ? 0 : o.quantity >= q ? c : Math.round((c / q) * o.quantity);
      qty.set(k, q - o.quantity);
      cost.set(k, c - reduce);
      gross -= reduce;
    }
    peak = Math.max(peak, gross);
    if (gross > maxExposure) over.push(`${(gross / 1e6).toFixed(2)} USD > ${maxExposure / 1e6} after ${o.key}`);
  }
  return result(
    'account exposure cap never exceeded',
    over,
    `peak ${(peak / 1e6).toFixed(2)} of cap ${maxExposure / 1e6} USD`,
  );
}

/**
 * Guarantee 8's cash half: starting balance + the projection's cash delta equals the venue's balance. The
 * venue reports its balance in cents, so half a cent of rounding is allowed.
 */
export function checkProjectedCash(
  projection: Record<string, string>,
  venue: { startingBalance: number; balance: number },
): CheckResult {
  const projected = venue.startingBalance + Number(projection.cash ?? '0');
  const diff = Math.abs(projected - venue.balance);
  const bad =
    diff > 5_000 ? [`projected ${(projected / 1e6).toFixed(6)} venue ${(venue.balance / 1e6).toFixed(2)}`] : [];
  return result(
    'projected cash equals venue balance',
    bad,
    `projected ${(projected / 1e6).toFixed(6)}, venue ${(venue.balance / 1e6).toFixed(2)} USD`,
  );
}

/** Guarantee 8's live half: the projection `{ns}:positions` equals the venue's positions (micro-units). */
export function checkProjection(projection: Record<string, string>, venue: ReadonlyMap<string, number>): CheckResult {
  const projected = new Map<string, number>();
  for (const [f, v] of Object.entries(projection)) if (f.startsWith('qty:')) projected.set(f.slice(4), Number(v));
  const diff: string[] = [];
  for (const k of new Set([...projected.keys(), ...venue.keys()])) {
    const a = projected.get(k) ?? 0;
    const b = venue.get(k) ?? 0;
    if (a !== b) diff.push(`${k} projected ${a / 1e6} venue ${b / 1e6}`);
  }
  return result('projection equals venue positions', diff, `${venue.size} venue positions, ${diff.length} differ`);
}

/** Guarantee 6: every garbage entry written into a tick stream came back as a dead letter (and was skipped). */
export function checkDeadLettered(injected: readonly string[], deadOrigins: ReadonlySet<string>): CheckResult {
  const missing = injected.filter((o) => !deadOrigins.has(o));
  return result(
    'every garbage entry was dead-lettered',
    missing,
    `${injected.length - missing.length}/${injected.length} dead-lettered`,
  );
}

/** A partition's per-tick accounting (keys.tally) next to its stream's entries-added. */
export interface TallyCounts {
  partition: number;
  entriesAdded: number;
  accounted: number;
  entries: Readonly<Record<string, number>>;
  decisions: Readonly<Record<string, number>>;
}

/**
 * Guarantee 3's per-tick accounting: every entry ever added to a tick stream was counted exactly once by the
 * workers (decided, no signal, gap, duplicate copy, dead), however many kills and redeliveries it went
 * through; every intent in `{ns}:intents` comes from a decision the gate passed; every garbage entry the driver
 * injected is among the dead ones.
 */
export function checkTickAccounting(
  tallies: readonly TallyCounts[],
  uniqueIntents: number,
  garbageInjected: number,
): CheckResult[] {
  const off = tallies
    .filter((t) => t.accounted !== t.entriesAdded)
    .map((t) => `p${t.partition} counted ${t.accounted} of ${t.entriesAdded}`);
  const added = tallies.reduce((n, t) => n + t.entriesAdded, 0);
  const passed = tallies.reduce((n, t) => n + (t.decisions.intent ?? 0), 0);
  const dead = tallies.reduce((n, t) => n + (t.entries.dead ?? 0), 0);
  return [
    result('every tick entry counted exactly once', off, `${added} entries added, ${off.length} partitions off`),
    result(
      'every intent comes from a passed decision',
      uniqueIntents > passed ? [`${uniqueIntents} intents > ${passed} passed decisions`] : [],
      `${uniqueIntents} intents, ${passed} passed decisions`,
    ),
    result(
      'every garbage entry counted dead',
      dead < garbageInjected ? [`${dead} dead < ${garbageInjected} injected`] : [],
      `${dead} dead, ${garbageInjected} injected`,
    ),
  ];
}

/** One line of counts: entries by class and decisions by outcome, summed over partitions. */
export function renderTallies(tallies: readonly TallyCounts[]): string {
  const sum = (pick: (t: TallyCounts) => Readonly<Record<string, number>>) => {
    const out: Record<string, number> = {};
    for (const t of tallies) for (const [f, n] of Object.entries(pick(t))) out[f] = (out[f] ?? 0) + n;
    return Object.entries(out)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([f, n]) => `${f} ${n}`)
      .join(', ');
  };
  return `entries: ${sum((t) => t.entries)} · decisions: ${sum((t) => t.decisions)}`;
}

/** One run's decisions: the intents it logged and what its gate blocked (intent id → reason). */
export interface RunDecisions {
  intents: readonly Intent[];
  blocked: ReadonlyMap<string, string>;
}

/** The fields of an intent that the tick and the strategy decide (not the namespace, nor when it was decided). */
function decidedFields(i: Intent): string {
  return JSON.stringify([
    i.strategy,
    i.market_id,
    i.side,
    i.outcome,
    i.quantity,
    i.ref_price,
    i.tick_key,
    i.tick_id,
    i.partition,
    i.decision_index,
    i.t_emit,
    i.t_recv,
  ]);
}

/**
 * Guarantee 3 on the whole stack: with a position-independent strategy, the chaos run's intents are those of a
 * clean single-worker run on the same tick streams, minus what the chaos run's gate blocked. Decisions are
 * matched by intent id without its namespace. Every decision either run made is accounted once: logged as an
 * intent with the same fields, or blocked with a reason.
 */
export function checkCleanRun(chaos: RunDecisions, clean: RunDecisions): CheckResult[] {
  const bare = intentIdWithoutNs;
  const cleanIntents = new Map(clean.intents.map((i) => [bare(i.intent_id), i]));
  const chaosIntents = new Map(chaos.intents.map((i) => [bare(i.intent_id), i]));
  const chaosBlocked = new Map([...chaos.blocked].map(([id, r]) => [bare(id), r]));
  const cleanBlocked = new Set([...clean.blocked.keys()].map(bare));

  const extra: string[] = [];
  const differing: string[] = [];
  for (const [id, i] of chaosIntents) {
    const twin = cleanIntents.get(id);
    if (!twin) extra.push(id);
    else if (decidedFields(twin) !== decidedFields(i)) differing.push(id);
  }
  const missing: string[] = [];
  const blockedBy = new Map<string, number>();
  for (const id of cleanIntents.keys()) {
    if (chaosIntents.has(id)) continue;
    const reason = chaosBlocked.get(id);
    if (reason === undefined) missing.push(id);
    else blockedBy.set(reason, (blockedBy.get(reason) ?? 0) + 1);
  }
  const notBlocked = [...cleanBlocked].filter((id) => !chaosBlocked.has(id));
  const both = [...chaosBlocked.keys()].filter((id) => chaosIntents.has(id));
  const unknown = [...chaosBlocked.keys()].filter((id) => !cleanIntents.has(id) && !cleanBlocked.has(id));
  const by = [...blockedBy]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  return [
    result(
      'chaos intents equal a clean single worker’s',
      [...extra.map((id) => `extra ${id}`), ...differing.map((id) => `differs ${id}`)],
      `${chaosIntents.size} chaos intents, ${cleanIntents.size} clean; ${extra.length} extra, ${differing.length} differ`,
    ),
    result(
      'every clean intent missing from chaos was blocked',
      missing,
      `${cleanIntents.size - chaosIntents.size + extra.length} missing, blocked by: ${by || 'none'}; ${missing.length} unaccounted`,
    ),
    result(
      'what the clean run blocked, chaos blocked too',
      notBlocked,
      `${cleanBlocked.size} blocked in the clean run (tick-decided reasons)`,
    ),
    result(
      'every chaos block is a clean decision, never also an intent',
      [...unknown.map((id) => `unknown ${id}`), ...both.map((id) => `also intent ${id}`)],
      `${chaosBlocked.size} chaos blocks; ${unknown.length} unknown, ${both.length} also intents`,
    ),
  ];
}
