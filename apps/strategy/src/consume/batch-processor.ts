// One batch of a partition: decode (garbage → dead letter), run the strategy per market in stream order from
// the checkpointed state, pass the decisions through the risk gate, enqueue what passed, then checkpoint the
// new states and ack the entries in one fenced script. Nothing is acked before its intents are in Redis, and
// the in-memory state only moves forward once the checkpoint is written, so a failed batch is redone from
// exactly the same state (same decisions, same intent ids).

import type { RedisClient } from '@polybot/shared';
import {
  type Clock,
  decodeTickEntries,
  type Gap,
  type Intent,
  intentId,
  type Keys,
  type Logger,
  runScript,
  type StreamEntry,
  type Tick,
  writeDeadLetter,
} from '@polybot/shared';
import {
  type AnyStrategy,
  FLAT,
  gapKey,
  type MarketSlot,
  newSlot,
  type OutcomePosition,
  type PositionView,
  type RiskRequest,
  readPositionViews,
  reservationPrice,
  stepGap,
  stepTick,
} from '@polybot/strategy-kit';
import { z } from 'zod';
import type { IntentSink, SinkItem } from '../enqueue/intent-sink.js';
import type { WorkerMetrics } from '../ops/metrics.js';
import type { Lease } from '../ownership/lease-manager.js';
import { CHECKPOINT_ACK } from '../ownership/lease-scripts.js';
import type { RiskGate } from '../risk/risk-gate.js';

/** A market's checkpoint: its runner slot, the last entry id applied to it and the last tick key. */
export interface SlotRecord {
  slot: MarketSlot;
  lastId: string;
  /** Key of the last tick applied: the same venue tick again (two ingestors, a re-append) is skipped. */
  lastKey?: string;
}

const SlotRecordSchema = z.object({
  v: z.literal(1),
  id: z.string().regex(/^\d+-\d+$/),
  k: z.string().optional(),
  slot: z.object({ state: z.unknown(), gapTs: z.number().nullable() }),
});

export function encodeSlotRecord(r: SlotRecord): string {
  return JSON.stringify({ v: 1, id: r.lastId, ...(r.lastKey !== undefined ? { k: r.lastKey } : {}), slot: r.slot });
}

/** Compares two stream ids (`ms-seq`, canonical decimal parts) numerically, without allocating numbers. */
export function compareStreamIds(a: string, b: string): number {
  const ai = a.indexOf('-');
  const bi = b.indexOf('-');
  const am = ai < 0 ? a : a.slice(0, ai);
  const bm = bi < 0 ? b : b.slice(0, bi);
  const byDigits = (x: string, y: string) => (x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0);
  const ms = byDigits(am, bm);
  if (ms !== 0) return ms;
  return byDigits(ai < 0 ? '0' : a.slice(ai + 1), bi < 0 ? '0' : b.slice(bi + 1));
}

/** Where a partition is: its lease and its markets' slots (the committed in-memory copy of the state hash). */
export interface PartitionContext {
  readonly partition: number;
  readonly lease: Lease;
  readonly slots: Map<string, SlotRecord>;
}

export type BatchOutcome = { fenced: false; acked: number } | { fenced: true };

export type ClockMode = 'live' | 'recording';

export interface BatchProcessorDeps {
  redis: RedisClient;
  keys: Keys;
  strategy: AnyStrategy;
  params: unknown;
  gate: RiskGate;
  sink: IntentSink;
  /** Timings (t_decide) and, in live mode, the risk gate's "now". */
  clock: Clock;
  /** `recording`: the risk gate's "now" is the entry's recorded time (replay). */
  clockMode: () => ClockMode;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Fault injection (tests): awaited after the intents are enqueued, before the fenced ack. */
  beforeAck?: (partition: number) => Promise<void>;
  /** The executor's slippage cap (EXECUTOR_SLIPPAGE_BPS): a BUY reserves exposure at its worst price. Default 0. */
  slippageBps?: number;
}

type Decoded = { id: string; entry: Tick | Gap };

interface Pending {
  /** The stream entry the decision came from (its tally). */
  entryId: string;
  req: RiskRequest;
  now: number;
  intent: Intent;
}

type MutablePosition = Record<'Yes' | 'No', OutcomePosition>;

function mutableView(v: PositionView): MutablePosition {
  return { Yes: { ...v.Yes }, No: { ...v.No } };
}

export class BatchProcessor {
  readonly #d: BatchProcessorDeps;

  constructor(deps: BatchProcessorDeps) {
    this.#d = deps;
  }

  /**
   * Processes one XREADGROUP/XAUTOCLAIM entry list of the partition. Rejects on Redis errors (nothing acked).
   * `whileAcking` is called once the fenced checkpoint-and-ack is sent, before its reply: the consumer starts
   * reading the next batch there, so that read overlaps this round trip (the next batch is still processed
   * only after this one is checkpointed).
   */
  async process(ctx: PartitionContext, rawEntries: unknown, whileAcking?: () => void): Promise<BatchOutcome> {
    const d = this.#d;
    const p = ctx.partition;
    const streamKey = d.keys.ticks(p);
    const { entries, bad } = decodeTickEntries(rawEntries);
    // Entry id → its tally fields (keys.tally): every acked entry gets exactly one `t:` class.
    // The fields of an entry are kept joined with ',' (its group code below): one string per entry.
    const tally = new Map<string, string>();
    const mark = (id: string, field: string) => {
      const l = tally.get(id);
      tally.set(id, l === undefined ? field : `${l},${field}`);
    };
    for (const b of bad) {
      await this.#dead(streamKey, b.id, 'StreamEntry', b.error.message, undefined);
      if (b.id !== '?') mark(b.id, 't:dead');
    }
    const decoded: Decoded[] = [];
    for (const e of entries) {
      if (e.ok) decoded.push({ id: e.id, entry: e.value });
      else {
        await this.#dead(streamKey, e.id, 'TickStreamEntry', e.error.message, e.entry);
        mark(e.id, 't:dead');
      }
    }

    // Slots of the markets in this batch: committed copy, else the checkpoint, else a fresh one.
    const markets = [...new Set(decoded.map((x) => x.entry.market_id))];
    await this.#loadSlots(ctx, markets);
    const positions = new Map<string, MutablePosition>();
    if (decoded.length > 0) {
      const views = await readPositionViews(d.redis, d.keys.ns, markets);
      for (const m of markets) positions.set(m, mutableView(views.get(m) ?? FLAT));
    }

    const working = new Map<string, SlotRecord>();
    const pending: Pending[] = [];
    const seen = new Set<string>();
    const recording = d.clockMode() === 'recording';
    let decisions = 0;
    let invalid = 0;
    for (const { id, entry } of decoded) {
      const m = entry.market_id;
      const current = working.get(m) ?? ctx.slots.get(m) ?? { slot: newSlot(d.strategy, m), lastId: '0-0' };
      // Already applied (checkpointed) entries are only acked: their intents were enqueued before.
      if (compareStreamIds(id, current.lastId) <= 0) {
        mark(id, 't:skip');
        continue;
      }
      // The same venue tick twice in a row is one event: the copy is acked, not decided again.
      if (entry.type === 'tick' && entry.key === current.lastKey) {
        working.set(m, { ...current, lastId: id });
        mark(id, 't:dup');
        continue;
      }
      const position = positions.get(m) ?? mutableView(FLAT);
      let step: ReturnType<typeof stepTick>;
      try {
        step =
          entry.type === 'tick'
            ? stepTick(d.strategy, current.slot, entry, position, d.params)
            : stepGap(d.strategy, current.slot, entry, position, d.params);
      } catch (err) {
        // A strategy that throws on an entry must not wedge the partition: the entry is dead-lettered,
        // the market's state is left as it was, and the stream moves on (deterministically, on re-runs too).
        await this.#dead(streamKey, id, 'StrategyError', String((err as Error)?.message ?? err), undefined);
        working.set(m, { ...current, lastId: id });
        mark(id, 't:dead');
        continue;
      }
      // This batch's own record is updated in place; a committed one (ctx.slots) is never touched.
      const w = working.get(m);
      if (w === undefined) {
        working.set(m, { slot: step.slot, lastId: id, ...(entry.type === 'tick' ? { lastKey: entry.key } : {}) });
      } else {
        w.slot = step.slot;
        w.lastId = id;
        if (entry.type === 'tick') w.lastKey = entry.key;
        else delete w.lastKey;
      }
      invalid += step.invalid;
      for (let j = 0; j < step.invalid; j++) mark(id, 'd:invalid');
      if (step.decisions.length === 0) {
        mark(id, entry.type === 'tick' ? 't:none' : 't:gap');
        continue;
      }
      mark(id, 't:decided');
      const tDecide = d.clock.now();
      const key = entry.type === 'tick' ? entry.key : gapKey(entry);
      const tEmit = entry.type === 'tick' ? entry.emit_ts_ms : entry.ts_ms;
      const tRecv = entry.type === 'tick' ? entry.recv_ts_ms : entry.ts_ms;
      step.decisions.forEach((dec, i) => {
        decisions++;
        const iid = intentId(d.keys.ns, d.strategy.name, key, i);
        // A tick seen again later in the batch decides the same intent: it is gated and enqueued once.
        if (seen.has(iid)) {
          mark(id, 'd:repeat');
          return;
        }
        seen.add(iid);
        pending.push({
          entryId: id,
          req: {
            intentId: iid,
            marketId: m,
            side: dec.side,
            outcome: dec.outcome,
            quantity: dec.quantity,
            refPrice: reservationPrice(dec.side, dec.refPrice, d.slippageBps ?? 0),
            emitTsMs: tEmit,
            // A gap's own decisions are blocked as untrusted (the runner marks them so), not as untradable.
            tradable: entry.type === 'tick' ? entry.tradable : true,
            untrusted: step.untrusted,
          },
          now: recording ? tRecv : 0,
          intent: {
            v: 1,
            intent_id: iid,
            ns: d.keys.ns,
            strategy: d.strategy.name,
            market_id: m,
            side: dec.side,
            outcome: dec.outcome,
            quantity: dec.quantity,
            ref_price: dec.refPrice,
            tick_key: key,
            tick_id: id,
            partition: p,
            decision_index: i,
            t_emit: tEmit,
            t_recv: tRecv,
            t_decide: tDecide,
            ...(dec.reason.length > 0 ? { reason: dec.reason } : {}),
          },
        });
        // Later ticks of this batch see the reservation the gate is about to make (optimistically).
        const o = position[dec.outcome];
        if (dec.side === 'BUY') o.pendingBuy += dec.quantity;
        else o.pendingSell += dec.quantity;
      });
    }
    if (decisions > 0) d.metrics.decisions.inc({ strategy: d.strategy.name }, decisions);
    if (invalid > 0) d.metrics.invalidDecisions.inc(invalid);

    // Marking intents as logged only spares a re-run's append (itself idempotent): it runs alongside the ack.
    let marking: Promise<void> = Promise.resolve();
    if (pending.length > 0) {
      const now = d.clock.now();
      const verdicts = await d.gate.decide(
        pending.map((x) => x.req),
        pending.map((x) => (recording ? x.now : now)),
      );
      const items: SinkItem[] = [];
      verdicts.forEach((v, i) => {
        const x = pending[i] as Pending;
        if (v.ok) items.push({ intent: x.intent, logged: v.logged });
        else if (!v.replayed) d.metrics.blocks.inc({ reason: v.reason });
        mark(x.entryId, v.ok ? 'd:intent' : `d:blocked:${v.reason}`);
      });
      if (items.length > 0) {
        if (!ctx.lease.valid()) return { fenced: true };
        await d.sink.enqueue(items);
        const fresh = items.filter((x) => !x.logged).map((x) => x.intent.intent_id);
        marking = d.gate.markLogged(fresh);
        marking.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
        d.metrics.intents.inc({ strategy: d.strategy.name }, items.length);
        const tDone = d.clock.now();
        for (const x of items) d.metrics.tickToEnqueue.observe(Math.max(0, tDone - x.intent.t_recv));
      }
    }

    if (tally.size === 0) {
      await marking;
      return { fenced: false, acked: 0 };
    }
    if (d.beforeAck) await d.beforeAck(p);
    const fields: string[] = [];
    for (const [m, r] of working) fields.push(m, encodeSlotRecord(r));
    // Entries with the same tally code are acked (and counted) together.
    const groups = new Map<string, string[]>();
    for (const [id, code] of tally) {
      const g = groups.get(code);
      if (g) g.push(id);
      else groups.set(code, [id]);
    }
    const acks: (string | number)[] = [groups.size];
    for (const [code, ids] of groups) acks.push(code, ids.length, ...ids);
    const ack = runScript(
      d.redis,
      CHECKPOINT_ACK,
      [d.keys.lease(p), d.keys.state(p), streamKey, d.keys.tally(p)],
      [ctx.lease.value, d.keys.strategyGroup, working.size, ...fields, ...acks],
    );
    whileAcking?.();
    const [acked] = await Promise.all([ack, marking]);
    const reply = Number(acked);
    if (reply < 0) return { fenced: true };
    for (const [m, r] of working) ctx.slots.set(m, r);
    d.metrics.entries.inc({ partition: String(p) }, tally.size);
    return { fenced: false, acked: reply };
  }

  async #loadSlots(ctx: PartitionContext, markets: readonly string[]): Promise<void> {
    const missing = markets.filter((m) => !ctx.slots.has(m));
    if (missing.length === 0) return;
    const raw = await this.#d.redis.hmget(this.#d.keys.state(ctx.partition), ...missing);
    missing.forEach((m, i) => {
      const text = raw[i];
      if (text === null || text === undefined) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const r = SlotRecordSchema.safeParse(parsed);
      if (r.success) {
        ctx.slots.set(m, {
          slot: { state: r.data.slot.state, gapTs: r.data.slot.gapTs },
          lastId: r.data.id,
          ...(r.data.k !== undefined ? { lastKey: r.data.k } : {}),
        });
      } else {
        // A corrupt checkpoint restarts the market's strategy state; it never stops the partition.
        this.#d.logger.warn({ partition: ctx.partition, market_id: m }, 'corrupt strategy checkpoint: starting fresh');
      }
    });
  }

  async #dead(streamKey: string, id: string, kind: string, reason: string, e: StreamEntry | undefined) {
    this.#d.metrics.deadLetters.inc({ kind });
    this.#d.logger.debug({ origin: streamKey, id, reason }, 'dead-lettered a stream entry');
    await writeDeadLetter(this.#d.redis, this.#d.keys.dead, {
      source: 'strategy',
      kind,
      reason,
      tsMs: this.#d.clock.now(),
      origin: `${streamKey} ${id}`,
      ...(e ? { raw: JSON.stringify(e.fields) } : {}),
    });
  }
}
