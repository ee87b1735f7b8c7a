// The read loop of one held partition. On takeover it first claims and processes the group's pending
// entries (XAUTOCLAIM from 0-0, in id order: what a dead owner read but never acked), then reads new ones
// with XREADGROUP COUNT n in a script that checks the lease first, behind a plain XREAD BLOCK when the stream
// was drained. It owns a blocking connection of its own, so partitions never wait on each other. `stop()` finishes the batch in hand (acked) and returns; `abort()` stops at once.

import { setTimeout as delay } from 'node:timers/promises';
import { type Keys, type Logger, type RedisClient, runScript } from '@polybot/shared';
import type { Cluster, Redis } from 'ioredis';
import type { WorkerMetrics } from '../ops/metrics.js';
import type { Lease } from '../ownership/lease-manager.js';
import { FENCED_CLAIM, FENCED_READ } from '../ownership/lease-scripts.js';
import type { BatchProcessor, SlotRecord } from './batch-processor.js';

export interface PartitionConsumerOptions {
  lease: Lease;
  keys: Keys;
  /** Consumer name in the group (the worker id). */
  consumer: string;
  /** A fresh `blocking`-role connection; the consumer closes it. */
  reader: RedisClient;
  /** The worker's command connection (CLIENT UNBLOCK, group creation). */
  redis: RedisClient;
  processor: BatchProcessor;
  batch: number;
  blockMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
  /** Called when the consumer finds its lease gone or expired (fenced): the worker drops the partition. */
  onFenced: (consumer: PartitionConsumer) => void;
}

/** A read spanned a reconnect of the reader: its entries (and any whose reply was lost) are taken from pending. */
export class ReaderReconnectedError extends Error {
  constructor() {
    super('the reader reconnected during a read: taking the pending entries first');
    this.name = 'ReaderReconnectedError';
  }
}

/** A fenced read or claim found the lease held by someone else: the partition is no longer ours. */
class LeaseGoneError extends Error {
  constructor() {
    super('the lease is no longer ours');
    this.name = 'LeaseGoneError';
  }
}

export class PartitionConsumer {
  readonly partition: number;
  readonly lease: Lease;
  readonly #o: PartitionConsumerOptions;
  readonly #slots = new Map<string, SlotRecord>();
  #mode: 'run' | 'stop' | 'abort' = 'run';
  #blocked = false;
  #readerId: number | undefined;
  /** Bumped whenever the reader's connection closes (see readNew). */
  #readerEpoch = 0;
  #done: Promise<void> | undefined;

  constructor(opts: PartitionConsumerOptions) {
    this.#o = opts;
    this.partition = opts.lease.partition;
    this.lease = opts.lease;
    opts.reader.on('error', (err: unknown) => {
      if (this.#mode === 'run') opts.logger.debug({ err, partition: this.partition }, 'reader connection error');
    });
    // A read in flight when the connection drops is sent again after the reconnect (ioredis resends unfulfilled
    // commands). Redis may have run the first one (its entries then pend for this consumer, the reply lost), so
    // the resent `>` read would hand over newer entries before them: readNew rejects any read that spans a
    // close, and the loop takes the pending list first, in stream order.
    const closed = () => {
      this.#readerEpoch++;
    };
    opts.reader.on('close', closed);
    opts.reader.on('reconnecting', closed);
    // A Cluster client reconnects (and resends to) one node at a time without an event of its own: every node
    // connection's close counts. A close of a node that does not hold this partition only costs a pending scan.
    if (opts.reader.isCluster) {
      const cluster = opts.reader as Cluster;
      const watched = new WeakSet<object>();
      const watch = (node: Redis) => {
        if (watched.has(node)) return;
        watched.add(node);
        node.on('close', closed);
        node.on('reconnecting', closed);
      };
      for (const node of cluster.nodes('all')) watch(node);
      cluster.on('+node', watch);
    }
    // CLIENT UNBLOCK needs the reader's id on the node that holds the stream. A Cluster client spreads
    // CLIENT commands over nodes, so there the unblock is skipped and a stop waits at most blockMs.
    opts.reader.on('ready', () => {
      if (opts.reader.isCluster) return;
      opts.reader.client('ID').then(
        (id) => {
          this.#readerId = Number(id);
        },
        () => {},
      );
    });
  }

  start(): void {
    this.#done ??= this.#run().finally(() => {
      this.#o.reader.disconnect();
    });
  }

  get done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  /** Graceful: the batch in hand is finished and acked, then the loop ends. */
  async stop(): Promise<void> {
    if (this.#mode === 'run') this.#mode = 'stop';
    await this.#unblock();
    await this.done;
  }

  /** At once: no further ack or enqueue; the reader connection is dropped. */
  abort(): void {
    this.#mode = 'abort';
    this.#o.reader.disconnect();
  }

  #aborted(): boolean {
    return this.#mode === 'abort';
  }

  async #unblock(): Promise<void> {
    if (!this.#blocked || this.#readerId === undefined) return;
    await this.#o.redis.client('UNBLOCK', this.#readerId).catch(() => {});
  }

  async #ensureGroup(): Promise<void> {
    const { keys: k } = this.#o;
    try {
      await this.#o.reader.xgroup('CREATE', k.ticks(this.partition), k.strategyGroup, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const k = o.keys;
    const stream = k.ticks(this.partition);
    const ctx = { partition: this.partition, lease: o.lease, slots: this.#slots };
    let claiming = true;
    let cursor = '0-0';
    let failures = 0;
    let needGroup = true;
    let prefetched: Promise<unknown> | undefined;
    /**
     * Set when the last fenced read left nothing behind (it found nothing new, or fewer entries than it asked
     * for): the id to wait after, the stream's newest then or the last entry delivered.
     */
    let waitAfter: string | undefined;
    const fencedRead = () =>
      runScript(
        o.reader,
        FENCED_READ,
        [k.lease(this.partition), stream],
        [o.lease.value, k.strategyGroup, o.consumer, o.batch],
      ) as Promise<[number, unknown] | null>;
    const readNew = async (): Promise<unknown> => {
      // Any close from here on (during the wait too, conservatively) sends the loop to the pending list first.
      const epoch = this.#readerEpoch;
      let pending: Promise<[number, unknown] | null>;
      if (waitAfter !== undefined) {
        // Wait for an entry after waitAfter with a read that delivers nothing, and send the fenced read right
        // behind it on the same connection: Redis runs a blocked client's next command as soon as the wait
        // ends, so both replies come back together and a new tick costs one wake-up, not two round trips.
        this.#blocked = true;
        const wait = o.reader.xread('COUNT', 1, 'BLOCK', o.blockMs, 'STREAMS', stream, waitAfter);
        pending = fencedRead();
        pending.catch(() => {});
        try {
          await wait;
        } finally {
          this.#blocked = false;
        }
        waitAfter = undefined;
      } else {
        pending = fencedRead();
      }
      // On a stop the wait is unblocked; what the fenced read delivered is still processed (stop finishes the
      // batch in hand), so nothing is left pending for this consumer.
      const reply = await pending;
      if (this.#readerEpoch !== epoch) throw new ReaderReconnectedError();
      if (reply === null) throw new LeaseGoneError();
      if (reply[0] === 0) {
        waitAfter = String(reply[1]);
        return [];
      }
      const entries = (reply[1] as [string, unknown[]][])[0]?.[1] ?? [];
      // A short batch drained the stream when it was read: the next read waits after its last entry (and
      // returns at once if more came meanwhile) instead of asking the fenced script first.
      const last = entries.length < o.batch ? (entries.at(-1) as [unknown] | undefined)?.[0] : undefined;
      if (typeof last === 'string') waitAfter = last;
      return entries;
    };
    while (this.#mode === 'run') {
      try {
        if (needGroup) {
          await this.#ensureGroup();
          needGroup = false;
        }
        let entries: unknown;
        if (claiming) {
          const reply = (await runScript(
            o.reader,
            FENCED_CLAIM,
            [k.lease(this.partition), stream],
            [o.lease.value, k.strategyGroup, o.consumer, cursor, o.batch],
          )) as [string, unknown[], string[]?] | null;
          // The lease is no longer ours: the new owner has the pending list.
          if (reply === null) throw new LeaseGoneError();
          cursor = String(reply[0]);
          entries = reply[1];
          const trimmed = reply[2]?.length ?? 0;
          if (trimmed > 0) {
            o.metrics.trimmedPending.inc(trimmed);
            o.logger.warn({ partition: this.partition, trimmed }, 'pending entries were trimmed before processing');
          }
          if (Array.isArray(entries)) o.metrics.claimed.inc(entries.length);
          if (cursor === '0-0') claiming = false;
        } else {
          const next = prefetched ?? readNew();
          prefetched = undefined;
          entries = await next;
        }
        if (this.#aborted()) break;
        if (!Array.isArray(entries) || entries.length === 0) continue;
        if (!o.lease.valid()) {
          o.onFenced(this);
          break;
        }
        // Once reading new entries, the next read goes out while this batch's ack is in flight. Entries it
        // delivers are pending for this consumer: a failed or fenced batch leaves them to the claim path.
        const res = await o.processor.process(
          ctx,
          entries,
          claiming
            ? undefined
            : () => {
                if (this.#mode !== 'run') return;
                prefetched = readNew();
                prefetched.catch(() => {});
              },
        );
        if (res.fenced) {
          o.onFenced(this);
          break;
        }
        failures = 0;
      } catch (err) {
        // A read still in flight delivers into this consumer's pending list, which the claim path reads next
        // (on the same connection, so after that read).
        prefetched = undefined;
        waitAfter = undefined;
        if (this.#mode !== 'run') break;
        if (err instanceof LeaseGoneError) {
          o.onFenced(this);
          break;
        }
        // Redo from the pending list with a state reloaded from the checkpoint.
        this.#slots.clear();
        claiming = true;
        cursor = '0-0';
        if (err instanceof ReaderReconnectedError) {
          // Not a failure: the connection is back (on a Cluster, possibly another node's), the pending list is next.
          o.logger.debug({ partition: this.partition }, err.message);
          continue;
        }
        failures++;
        o.metrics.batchErrors.inc();
        const msg = String((err as Error)?.message ?? err);
        // From a script the error keeps its code but may carry a prefix: look for it anywhere.
        if (msg.includes('NOGROUP')) needGroup = true;
        o.logger.warn({ err, partition: this.partition, failures }, 'partition batch failed: retrying from pending');
        await delay(Math.min(2000, 25 * 2 ** Math.min(failures, 7)));
      }
    }
  }
}
