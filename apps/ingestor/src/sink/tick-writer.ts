// The ingestor's only path into Redis: an ordered in-memory queue drained by pipelined batches. A batch's ticks
// go through the dedup script, one call per partition (its ticks in queue order), gaps and feed events through
// plain XADD, dead letters through writeDeadLetter.
// While Redis is unreachable (a fail-fast connection errors at once) the queue is the outage buffer:
// bounded, drained in order when Redis is back, and what does not fit is refused so the caller covers it
// with a Gap. Nothing here throws into the caller, and memory never grows past the bounds.

import { performance } from 'node:perf_hooks';
import {
  type DeadLetterInput,
  FeedEventContract,
  GapContract,
  type Logger,
  type RedisClient,
  TickContract,
  writeDeadLetter,
} from '@polybot/shared';
import type { ChainableCommander } from 'ioredis';
import { DEDUP_BATCH_COMMAND, DEDUP_BATCH_MAX, defineDedupCommand, encodeDedupBatch } from './dedup-script.js';
import type { FeedEventValue, GapValue, TickValue } from './entry-values.js';

export type FeedEventInput = FeedEventValue;

export interface TickWriterOptions {
  /** One node, Sentinel or a Cluster (on a Cluster a batch is split into one pipeline per slot). */
  redis: RedisClient;
  logger: Logger;
  /** Stream key of partition p. */
  ticksKey: (p: number) => string;
  /** Last-emit hash of partition p (same hash tag as ticksKey(p)). */
  lastEmitKey: (p: number) => string;
  feedKey: string;
  deadKey: string;
  /**
   * Entries per batch (INGEST_BATCH): a dedup script call takes at most this many ticks of one partition. While a
   * backlog drains, one pipelined round trip carries everything queued, up to max(batchSize, ROUND_MAX) entries.
   */
  batchSize: number;
  /** Most ticks held in memory (INGEST_BUFFER_MAX); further ticks are refused. */
  bufferMax: number;
  /** Most gaps, feed events and dead letters held in memory. Default max(1000, bufferMax / 10). */
  controlMax?: number;
  /** XADD MAXLEN ~ of tick partitions (STREAM_MAXLEN). */
  streamMaxlen: number;
  /** XADD MAXLEN ~ of the feed stream. Default 100000. */
  feedMaxlen?: number;
  /** Wall clock (epoch ms) of dead letters written here. Default Date.now. */
  now?: () => number;
  /** First retry delay after a failed write (doubles to 2 s). Default 100 ms. */
  retryMs?: number;
  /** Called for each tick appended (not deduplicated), after the batch is acknowledged. */
  onTickWritten?: (tick: TickValue, partition: number) => void;
  /** Called for each tick the dedup script dropped (already written, by another ingestor or a retry). */
  onTickDeduped?: (tick: TickValue, partition: number) => void;
  /** Called for ticks that could not be written for a non-transient reason (they are lost). */
  onTickLost?: (tick: TickValue, partition: number, reason: string) => void;
}

type Entry =
  | { k: 'tick'; p: number; tick: TickValue }
  | { k: 'gap'; p: number; gap: GapValue }
  | { k: 'feed'; ev: FeedEventInput }
  | { k: 'dead'; d: DeadLetterInput };

/** Consecutive ticks of one partition within a batch, written by one dedup script call (values: TICK_FIELDS order). */
type Run = { p: number; key: string; ticks: TickValue[]; entries: (string | null)[][] };

/** One command of a batch's pipeline: a partition's run of ticks, a gap or a feed event. */
type Cmd = { k: 'ticks'; p: number; ticks: TickValue[] } | Extract<Entry, { k: 'gap' | 'feed' }>;

/** The dedup script's pipeline method. */
type BatchCall = (stream: string, hash: string, maxlen: number, ticks: string, fields: string) => ChainableCommander;

/** ARGV[3] of the dedup script: the tick fields its value lists follow. */
const TICK_FIELDS = JSON.stringify(TickContract.fields);

/**
 * Most entries one pipelined round trip carries while a backlog drains (one pipeline is in flight at a time).
 * A busy price socket hands the process many frames per event-loop turn (libuv reads up to 32 chunks of 64 KiB
 * in one go) and a round trip spans a few turns, so the writer takes everything queued, not a fixed few batches:
 * with rounds of at most 4,096 entries the buffer overflowed at 50k ticks/s while Redis was two-thirds idle.
 */
export const ROUND_MAX = 16_384;

const CHAR_0 = 48;
const CHAR_1 = 49;

export interface TickWriterStats {
  /** Ticks waiting in memory (the outage buffer depth). */
  bufferedTicks: number;
  bufferedControl: number;
  ticksWritten: number;
  ticksDeduped: number;
  /** Ticks refused because the buffer was full. */
  ticksOverflowed: number;
  /** Gaps, feed events or dead letters refused because the buffer was full. */
  controlDropped: number;
  ticksLost: number;
  writeFailures: number;
  redisUp: boolean;
}

const TRANSIENT = [
  'Connection is closed',
  "Stream isn't writeable",
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'LOADING',
  'MaxRetriesPerRequest',
  'READONLY',
  // Redis refusing writes for now (maxmemory reached with noeviction, too few replicas): held and retried like an
  // outage, within the buffer's bound, instead of dropped.
  'OOM command not allowed',
  'NOREPLICAS',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'NOSCRIPT',
  'BUSY',
  'Command timed out',
  'socket',
];

type Replies = [Error | null, unknown][];

/** Runs per-slot pipelines at once and puts their replies back in batch order (a failed exec → no reply). */
async function execGrouped(groups: { pipe: ChainableCommander; idx: number[] }[], n: number): Promise<Replies> {
  const out: Replies = new Array(n);
  await Promise.all(
    groups.map(async (g) => {
      let rs: Replies | null;
      try {
        rs = await g.pipe.exec();
      } catch (err) {
        rs = g.idx.map(() => [err instanceof Error ? err : new Error(String(err)), null]);
      }
      g.idx.forEach((at, i) => {
        const r = rs?.[i];
        if (r) out[at] = r;
      });
    }),
  );
  return out;
}

type DedupOutcome = { marks: string; error?: Error | undefined };

/**
 * A dedup script call's reply read: the marks of every tick when it succeeded; when it stopped part-way, the
 * marks of the ticks before the failure and the failure (dedup-script.ts); any other reply marks nothing.
 */
function dedupOutcome(err: Error | null, reply: unknown, n: number): DedupOutcome {
  if (err) return { marks: '', error: err };
  if (typeof reply === 'string' && reply.length === n) return { marks: reply };
  if (Array.isArray(reply) && reply.length === 2) {
    const [marks, message] = reply as unknown[];
    if (typeof marks === 'string' && typeof message === 'string' && marks.length < n) {
      return { marks, error: new Error(message) };
    }
  }
  return { marks: '', error: new Error(`unexpected dedup script reply ${String(reply).slice(0, 40)}`) };
}

function isTransient(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return TRANSIENT.some((t) => msg.includes(t));
}

export class TickWriter {
  readonly #o: Required<Omit<TickWriterOptions, 'onTickWritten' | 'onTickDeduped' | 'onTickLost'>> &
    Pick<TickWriterOptions, 'onTickWritten' | 'onTickDeduped' | 'onTickLost'>;
  #queue: Entry[] = [];
  #head = 0;
  #ticks = 0;
  #control = 0;
  #scheduled = false;
  #flushing: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay: number;
  #redisUp = true;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  #lastWarn = 0;
  readonly #stats = {
    ticksWritten: 0,
    ticksDeduped: 0,
    ticksOverflowed: 0,
    controlDropped: 0,
    ticksLost: 0,
    writeFailures: 0,
  };
  readonly #onReady = () => this.#kick();
  /** Most entries per pipelined round trip. */
  readonly #roundMax: number;
  /** Most ticks per dedup script call. */
  readonly #callMax: number;

  constructor(opts: TickWriterOptions) {
    this.#o = {
      controlMax: Math.max(1000, Math.floor(opts.bufferMax / 10)),
      feedMaxlen: 100_000,
      retryMs: 100,
      now: Date.now,
      ...opts,
    };
    this.#retryDelay = this.#o.retryMs;
    this.#roundMax = Math.max(opts.batchSize, ROUND_MAX);
    this.#callMax = Math.min(opts.batchSize, DEDUP_BATCH_MAX);
    defineDedupCommand(opts.redis);
    opts.redis.on('ready', this.#onReady);
  }

  get redisUp(): boolean {
    return this.#redisUp;
  }

  /** Queues a tick. Returns false when the outage buffer is full: the tick is dropped and counted. */
  tick(tick: TickValue, p: number): boolean {
    if (this.#ticks >= this.#o.bufferMax) {
      this.#stats.ticksOverflowed++;
      return false;
    }
    this.#ticks++;
    this.#push({ k: 'tick', p, tick });
    return true;
  }

  gap(gap: GapValue, p: number): boolean {
    return this.#pushControl({ k: 'gap', p, gap });
  }

  feed(ev: FeedEventInput): boolean {
    return this.#pushControl({ k: 'feed', ev });
  }

  dead(d: DeadLetterInput): boolean {
    return this.#pushControl({ k: 'dead', d });
  }

  stats(): TickWriterStats {
    return { ...this.#stats, bufferedTicks: this.#ticks, bufferedControl: this.#control, redisUp: this.#redisUp };
  }

  /** Resolves when everything queued so far has been written (waits through an outage). */
  drained(): Promise<void> {
    if (this.#size() === 0 && !this.#flushing) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Flushes what is queued, waiting at most `timeoutMs` (Redis may be down), then stops. Returns the
   * number of entries left unwritten.
   */
  async close(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.drained(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#o.redis.off('ready', this.#onReady);
    if (this.#flushing) await this.#flushing;
    const left = this.#size();
    for (const w of this.#idleWaiters.splice(0)) w();
    return left;
  }

  #size(): number {
    return this.#queue.length - this.#head;
  }

  #pushControl(e: Entry): boolean {
    if (this.#control >= this.#o.controlMax) {
      this.#stats.controlDropped++;
      return false;
    }
    this.#control++;
    this.#push(e);
    return true;
  }

  #push(e: Entry): void {
    this.#queue.push(e);
    if (this.#closed) return;
    if (!this.#scheduled && !this.#flushing) {
      this.#scheduled = true;
      // Coalesce everything that arrives in this turn of the event loop into one pipeline.
      setImmediate(() => {
        this.#scheduled = false;
        this.#kick();
      });
    }
  }

  #kick(): void {
    if (this.#closed && this.#size() === 0) return;
    if (this.#flushing || this.#size() === 0) {
      if (this.#size() === 0) this.#notifyIdle();
      return;
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = undefined;
      if (this.#size() === 0) this.#notifyIdle();
    });
  }

  #notifyIdle(): void {
    if (this.#flushing) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  async #drain(): Promise<void> {
    while (this.#size() > 0) {
      if (this.#o.redis.status !== 'ready') {
        this.#down(new Error(`redis status ${this.#o.redis.status}`));
        return;
      }
      const end = Math.min(this.#queue.length, this.#head + this.#roundMax);
      const batch = this.#queue.slice(this.#head, end);
      let ok: boolean;
      try {
        ok = await this.#write(batch);
      } catch (err) {
        ok = false;
        this.#down(err);
      }
      if (!ok) return;
      this.#head = end;
      for (const e of batch) {
        if (e.k === 'tick') this.#ticks--;
        else this.#control--;
      }
      // Written entries are let go: at once when the queue is empty (the usual case), otherwise once they are
      // most of a long queue.
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (!this.#redisUp) {
        this.#redisUp = true;
        this.#o.logger.info('redis writes resumed');
      }
      this.#retryDelay = this.#o.retryMs;
      // Let socket reads interleave with a long drain after an outage.
      if (this.#size() > 0) await new Promise<void>((r) => setImmediate(r));
    }
  }

  /** Writes one batch. Returns false (and schedules a retry) on a transient failure; never throws. */
  async #write(batch: Entry[]): Promise<boolean> {
    const o = this.#o;
    const inPipe: Cmd[] = [];
    const deadWrites: Promise<void>[] = [];
    // One node: the whole batch in one pipeline. A Cluster pipeline must stay within one slot, so there
    // each partition (its stream and last-emit hash share a hash tag) and the feed stream get their own.
    const cluster = o.redis.isCluster;
    const single = cluster ? undefined : o.redis.pipeline();
    const pipes = new Map<string, { pipe: ChainableCommander; idx: number[] }>();
    const pipeFor = (slotKey: string): ChainableCommander => {
      if (single) {
        return single;
      }
      let g = pipes.get(slotKey);
      if (!g) {
        g = { pipe: o.redis.pipeline(), idx: [] };
        pipes.set(slotKey, g);
      }
      g.idx.push(inPipe.length);
      return g.pipe;
    };
    // A partition's consecutive ticks become one script call (its "run"). A gap of that partition ends the
    // run first, so the partition's stream gets ticks and gaps in queue order: one pipeline per slot keeps the
    // order of its commands.
    const runs = new Map<number, Run>();
    // Ticks the contract refuses to encode: dead-lettered and lost (retrying them could never succeed).
    const unencodable: Extract<Entry, { k: 'tick' }>[] = [];
    const endRun = (run: Run) => {
      runs.delete(run.p);
      if (run.ticks.length === 0) return;
      const pipe = pipeFor(run.key);
      const call = (pipe as unknown as Record<string, BatchCall>)[DEDUP_BATCH_COMMAND] as BatchCall;
      call.call(pipe, run.key, o.lastEmitKey(run.p), o.streamMaxlen, encodeDedupBatch(run.entries), TICK_FIELDS);
      inPipe.push({ k: 'ticks', p: run.p, ticks: run.ticks });
    };
    for (const e of batch) {
      switch (e.k) {
        case 'tick': {
          let run = runs.get(e.p);
          if (!run) {
            run = { p: e.p, key: o.ticksKey(e.p), ticks: [], entries: [] };
            runs.set(e.p, run);
          }
          const t = e.tick;
          const fields = this.#encode(TickContract.name, TickContract.toValues, t, deadWrites);
          if (!fields) {
            unencodable.push(e);
            break;
          }
          run.entries.push(fields);
          run.ticks.push(t);
          if (run.ticks.length >= this.#callMax) endRun(run);
          break;
        }
        case 'gap': {
          const run = runs.get(e.p);
          if (run) endRun(run);
          const fields = this.#encode(GapContract.name, GapContract.toArgs, e.gap, deadWrites);
          if (!fields) break;
          const key = o.ticksKey(e.p);
          pipeFor(key).xadd(key, 'MAXLEN', '~', o.streamMaxlen, '*', ...fields);
          inPipe.push(e);
          break;
        }
        case 'feed': {
          const fields = this.#encode(FeedEventContract.name, FeedEventContract.toArgs, e.ev, deadWrites);
          if (!fields) break;
          pipeFor(o.feedKey).xadd(o.feedKey, 'MAXLEN', '~', o.feedMaxlen, '*', ...fields);
          inPipe.push(e);
          break;
        }
        case 'dead':
          deadWrites.push(writeDeadLetter(o.redis, o.deadKey, e.d));
          break;
      }
    }
    for (const run of runs.values()) endRun(run);
    const [replies, deadResults] = await Promise.all([
      inPipe.length === 0
        ? Promise.resolve([] as [Error | null, unknown][])
        : single
          ? single.exec()
          : execGrouped([...pipes.values()], inPipe.length),
      Promise.allSettled(deadWrites),
    ]);
    let transient: unknown;
    for (const r of deadResults) if (r.status === 'rejected' && isTransient(r.reason)) transient = r.reason;
    const rs = replies ?? [];
    // What each command did: a dedup call's marks (every tick's when it succeeded) and why it stopped.
    const outcomes: DedupOutcome[] = new Array(inPipe.length);
    for (let i = 0; i < inPipe.length; i++) {
      const r = rs[i];
      const c = inPipe[i] as Cmd;
      const out: DedupOutcome = !r
        ? { marks: '', error: new Error('Connection is closed (no reply)') }
        : c.k === 'ticks'
          ? dedupOutcome(r[0], r[1], c.ticks.length)
          : { marks: '', error: r[0] ?? undefined };
      outcomes[i] = out;
      // A retryable error inside the script (READONLY on a replica) comes at its first write, as a script runs
      // whole: no tick of the call was appended, and the retried batch reports each tick afresh.
      if (out.error && isTransient(out.error)) transient = out.error;
    }
    if (transient !== undefined) {
      // Redis went away mid-batch: retry the whole batch. Ticks are idempotent through the dedup script;
      // a gap or feed event may be written twice, which consumers tolerate.
      this.#down(transient);
      return false;
    }
    for (const e of unencodable) {
      this.#stats.ticksLost++;
      o.onTickLost?.(e.tick, e.p, 'write_error');
    }
    for (let i = 0; i < inPipe.length; i++) {
      const c = inPipe[i] as Cmd;
      const { marks, error } = outcomes[i] as DedupOutcome;
      if (c.k !== 'ticks') {
        if (error) this.#warn('stream write failed', error);
        continue;
      }
      // A call that stopped part-way appended (or dropped) the ticks before the failure: those count as such,
      // and only the rest are lost.
      if (error) this.#warn('tick write failed', error);
      for (let j = 0; j < c.ticks.length; j++) {
        const tick = c.ticks[j] as TickValue;
        const mark = j < marks.length ? marks.charCodeAt(j) : -1;
        if (mark === CHAR_1) {
          this.#stats.ticksWritten++;
          o.onTickWritten?.(tick, c.p);
        } else if (mark === CHAR_0) {
          this.#stats.ticksDeduped++;
          o.onTickDeduped?.(tick, c.p);
        } else {
          this.#stats.ticksLost++;
          o.onTickLost?.(tick, c.p, 'write_error');
        }
      }
    }
    return true;
  }

  /**
   * The encoded entry (a field list, or a tick's values), or undefined when its contract refuses the value: then
   * the value is dead-lettered (the write joins `deadWrites`) instead of failing the whole batch again on every
   * retry.
   */
  #encode<V, R>(kind: string, encode: (value: V) => R, value: V, deadWrites: Promise<void>[]): R | undefined {
    try {
      return encode(value);
    } catch (err) {
      this.#warn(`${kind} entry refused by its contract`, err);
      deadWrites.push(
        writeDeadLetter(this.#o.redis, this.#o.deadKey, {
          source: 'ingestor',
          kind,
          reason: err instanceof Error ? err.message : String(err),
          tsMs: this.#o.now(),
          raw: JSON.stringify(value),
        }),
      );
      return undefined;
    }
  }

  #down(err: unknown): void {
    this.#stats.writeFailures++;
    if (this.#redisUp) {
      this.#redisUp = false;
      this.#o.logger.warn({ err, buffered: this.#ticks }, 'redis unreachable: buffering ticks in memory');
    }
    if (this.#closed) return;
    clearTimeout(this.#retryTimer);
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(2000, this.#retryDelay * 2);
    this.#retryTimer = setTimeout(() => this.#kick(), delay);
  }

  #warn(msg: string, err: unknown): void {
    const now = performance.now();
    if (now - this.#lastWarn < 5000) return;
    this.#lastWarn = now;
    this.#o.logger.warn({ err }, msg);
  }
}
