// Every Redis key polybot uses, built in one place. Keys that one command, MULTI or script touches together
// share a hash tag, so the layout runs unchanged on Redis Cluster:
//   - a tick partition, its dedup index, lease, strategy state and tallies share `{ns:pN}`;
//   - the risk gate's keys and the halt switch share `{ns:risk}`;
//   - the orders stream and the executor's per-intent keys (terminal marker, attempt state) share the
//     orders stream's slot, so the executor's pre-POST step is one script;
//   - the BullMQ queue lives under the braced prefix `{ns:bull}`.

export interface Keys {
  readonly ns: string;
  /** Hash tag of partition p. */
  partitionTag(p: number): string;
  /** Tick stream of partition p: Tick and Gap entries. */
  ticks(p: number): string;
  /** Per-partition hash market_id → last written emit_ts_ms (atomic dedup across ingestors). */
  lastEmit(p: number): string;
  /** Lease of partition p: value = owner id + fencing token. */
  lease(p: number): string;
  /** Fencing counter of partition p (INCR on every acquisition). */
  fence(p: number): string;
  /** Strategy checkpoints of partition p: hash market_id → state JSON + last entry id. */
  state(p: number): string;
  /**
   * Per-tick accounting of partition p (hash field → count), written by the fenced checkpoint+ack script, so
   * every entry is counted exactly once however often it is delivered: `t:<class>` per entry (none, decided,
   * gap, dup, skip, dead) and `d:<outcome>` per decision (intent, blocked:<reason>, repeat, invalid).
   */
  tally(p: number): string;
  /** Consumer group of the strategy workers on every tick stream. */
  readonly strategyGroup: string;
  /** Live strategy workers: sorted set worker id → last heartbeat ms. */
  readonly workers: string;
  readonly feed: string;
  readonly intents: string;
  readonly orders: string;
  /** Executor: the intent's terminal marker (settlement JSON); same slot as `orders`. */
  execTerminal(intentId: string): string;
  /** Executor: the intent's attempt state (attempts, sent); same slot as `orders`. */
  execState(intentId: string): string;
  readonly dead: string;
  /** Halt switch (in the risk slot, so the gate script reads it atomically). */
  readonly halt: string;
  /** Risk gate key `name` (exposure, positions, cooldowns, budget), all in one slot. */
  risk(name: string): string;
  /** Projection of positions and cash, rebuilt from the orders stream. */
  readonly positions: string;
  /** BullMQ queue name of order jobs. */
  readonly ordersQueue: string;
  /** BullMQ key prefix (braced: one slot for the whole queue). */
  readonly bullPrefix: string;
  /** Namespace metadata (hash): `partitions` (POLYBOT_PARTITIONS, recorded on first start), `clock=recording` for a replay namespace. */
  readonly meta: string;
  /** Every key of this namespace matches one of these SCAN patterns (cleanup by prefix). */
  readonly patterns: readonly string[];
}

const NS_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function keys(ns: string): Keys {
  if (!NS_RE.test(ns)) throw new Error(`invalid namespace ${JSON.stringify(ns)}`);
  const riskTag = `{${ns}:risk}`;
  const tag = (p: number) => {
    if (!Number.isInteger(p) || p < 0) throw new Error(`invalid partition ${p}`);
    return `{${ns}:p${p}}`;
  };
  return Object.freeze({
    ns,
    partitionTag: tag,
    ticks: (p: number) => `${ns}:ticks:${tag(p)}`,
    lastEmit: (p: number) => `${ns}:last:${tag(p)}`,
    lease: (p: number) => `${ns}:lease:${tag(p)}`,
    fence: (p: number) => `${ns}:fence:${tag(p)}`,
    state: (p: number) => `${ns}:state:${tag(p)}`,
    tally: (p: number) => `${ns}:tally:${tag(p)}`,
    strategyGroup: `${ns}-strategy`,
    workers: `${ns}:workers`,
    feed: `${ns}:feed`,
    intents: `${ns}:intents`,
    orders: `${ns}:orders`,
    // The hash tag is the whole orders key: a key without braces hashes on its whole name.
    execTerminal: (id: string) => `${ns}:exec:{${ns}:orders}:term:${id}`,
    execState: (id: string) => `${ns}:exec:{${ns}:orders}:state:${id}`,
    dead: `${ns}:dead`,
    halt: `${ns}:halt:${riskTag}`,
    risk: (name: string) => `${ns}:risk:${riskTag}:${name}`,
    positions: `${ns}:positions`,
    ordersQueue: `${ns}-orders`,
    bullPrefix: `{${ns}:bull}`,
    meta: `${ns}:meta`,
    patterns: [`${ns}:*`, `${ns}-*`, `{${ns}:*`],
  });
}
