// Partition ownership: registers the worker, renews its leases on a heartbeat and rebalances so that the
// partitions spread evenly over the live workers. A lease that cannot be renewed is lost at once (its
// consumer is aborted, nothing more is acked: the fenced ack refuses it anyway); surplus partitions are
// handed back gracefully (the consumer finishes its batch and acks, then the lease is deleted).

import { performance } from 'node:perf_hooks';
import type { Keys, Logger, RedisClient } from '@polybot/shared';
import { runScript } from '@polybot/shared';
import { ACQUIRE, HEARTBEAT, RELEASE, RENEW } from './lease-scripts.js';
import { acquisitionOrder, surplus, targetShare } from './share.js';

/** A held partition lease. `valid()` is false once it may have expired or is known lost. */
export interface Lease {
  readonly partition: number;
  /** `<worker id>|<fencing token>`, compared by every fenced write. */
  readonly value: string;
  readonly fence: number;
  valid(): boolean;
}

export type LeaseChange = 'acquired' | 'released' | 'lost';

export interface LeaseHandlers {
  /** The partition is ours: start consuming it. */
  acquired(lease: Lease): void;
  /** The lease is gone (expired, taken): stop processing at once. */
  lost(partition: number): void;
  /** Rebalancing gives the partition up: finish the batch, ack, resolve; the lease is deleted after. */
  surrender(partition: number): Promise<void>;
}

export interface LeaseManagerOptions {
  redis: RedisClient;
  keys: Keys;
  workerId: string;
  partitions: number;
  /** Lease TTL and registry liveness window (ms). */
  ttlMs: number;
  /** Heartbeat period; default ttl / 3. */
  heartbeatMs?: number;
  logger: Logger;
  handlers: LeaseHandlers;
  /** Called on every lease change (metrics). */
  onChange?: (partition: number, change: LeaseChange) => void;
  /** Called when a heartbeat fails (Redis unreachable): the worker reports itself degraded. */
  onHeartbeatError?: (err: unknown) => void;
  /** Called after every heartbeat with the live workers and the share (metrics, tests). */
  onHeartbeat?: (info: { live: readonly string[]; target: number; held: readonly number[] }) => void;
}

interface Held {
  lease: Lease;
  validUntil: number;
  lost: boolean;
  releasing: boolean;
}

/** Safety margin: a lease is treated as expired this long before its TTL runs out locally. */
const MARGIN_FRACTION = 0.1;

export class LeaseManager {
  readonly #o: LeaseManagerOptions;
  readonly #held = new Map<number, Held>();
  readonly #releases = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #beat: Promise<void> | undefined;
  #stopped = false;
  #live: readonly string[] = [];
  #lastBeat: number | undefined;

  constructor(opts: LeaseManagerOptions) {
    this.#o = opts;
  }

  get heartbeatMs(): number {
    return this.#o.heartbeatMs ?? Math.max(10, Math.floor(this.#o.ttlMs / 3));
  }

  /** Partitions currently held (including ones being handed back). */
  held(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  liveWorkers(): readonly string[] {
    return this.#live;
  }

  /** Runs the first heartbeat (registers, acquires a share) and schedules the next ones. */
  async start(): Promise<void> {
    await this.heartbeat();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#beat = this.heartbeat()
        .catch((err: unknown) => {
          this.#o.logger.warn({ err }, 'heartbeat failed');
          this.#o.onHeartbeatError?.(err);
        })
        .finally(() => {
          this.#beat = undefined;
          this.#schedule();
        });
    }, this.heartbeatMs);
  }

  /** One heartbeat: register, renew, drop lost leases, hand back surplus, acquire up to the share. */
  async heartbeat(): Promise<void> {
    if (this.#stopped) return;
    const { redis, keys: k, workerId, partitions, ttlMs } = this.#o;
    const sentAt = performance.now();
    if (this.#lastBeat !== undefined && sentAt - this.#lastBeat > ttlMs / 2) {
      this.#o.logger.warn({ sinceLastMs: Math.round(sentAt - this.#lastBeat), ttlMs }, 'heartbeat late');
    }
    this.#lastBeat = sentAt;
    try {
      this.#live = ((await runScript(redis, HEARTBEAT, [k.workers], [workerId, ttlMs])) as string[]).map(String);
      await this.#renew(sentAt);
    } catch (err) {
      this.#expireLocally();
      throw err;
    }
    if (this.#stopped) return;
    const target = targetShare(partitions, this.#live, workerId);
    const order = acquisitionOrder(partitions, this.#live, workerId);
    const active = [...this.#held.entries()].filter(([, h]) => !h.releasing).map(([p]) => p);
    for (const p of surplus(active, target, order)) this.#surrender(p);
    let have = active.length;
    // Only partitions whose lease looks free are tried (one GET each, sent together), so a worker waiting
    // for others to hand back surplus does not run P scripts per heartbeat.
    const candidates = have >= target ? [] : order.filter((p) => !this.#held.has(p));
    const holders = await Promise.all(candidates.map((p) => redis.exists(k.lease(p))));
    const free = candidates.filter((_, i) => holders[i] === 0);
    for (const p of free) {
      if (have >= target || this.#stopped) break;
      const at = performance.now();
      const value = (await runScript(redis, ACQUIRE, [k.lease(p), k.fence(p)], [workerId, ttlMs])) as string | null;
      if (!value || this.#stopped) {
        if (value) await runScript(redis, RELEASE, [k.lease(p)], [value]);
        continue;
      }
      have++;
      const held: Held = {
        lease: {
          partition: p,
          value,
          fence: Number(value.slice(value.lastIndexOf('|') + 1)),
          valid: () => !held.lost && performance.now() < held.validUntil,
        },
        validUntil: at + ttlMs * (1 - MARGIN_FRACTION),
        lost: false,
        releasing: false,
      };
      this.#held.set(p, held);
      this.#o.logger.info({ partition: p, fence: held.lease.fence }, 'lease acquired');
      this.#o.onChange?.(p, 'acquired');
      this.#o.handlers.acquired(held.lease);
    }
    this.#o.onHeartbeat?.({ live: this.#live, target, held: this.held() });
    this.#o.logger.debug(
      { tookMs: Math.round(performance.now() - sentAt), live: this.#live.length, target, held: this.held() },
      'heartbeat',
    );
  }

  async #renew(sentAt: number): Promise<void> {
    const { redis, keys: k, ttlMs } = this.#o;
    const entries = [...this.#held.entries()];
    if (entries.length === 0) return;
    const replies = await Promise.all(
      entries.map(([p, h]) => runScript(redis, RENEW, [k.lease(p)], [h.lease.value, ttlMs])),
    );
    entries.forEach(([p, h], i) => {
      if (Number(replies[i]) === 1) h.validUntil = sentAt + ttlMs * (1 - MARGIN_FRACTION);
      else this.#lose(p, 'renewal refused');
    });
  }

  /** Redis did not answer: leases whose TTL may have run out are lost. */
  #expireLocally(): void {
    const now = performance.now();
    for (const [p, h] of this.#held) if (now >= h.validUntil) this.#lose(p, 'not renewed within the TTL');
  }

  #lose(p: number, why: string): void {
    const h = this.#held.get(p);
    if (!h || h.lost) return;
    h.lost = true;
    this.#held.delete(p);
    this.#o.logger.warn({ partition: p, fence: h.lease.fence, why }, 'lease lost');
    this.#o.onChange?.(p, 'lost');
    this.#o.handlers.lost(p);
  }

  /**
   * The partition's consumer found the lease gone or expired locally (fenced): forget it and delete it if it
   * is still ours, so the next heartbeat can acquire it afresh (new fence, pending entries claimed again).
   */
  drop(lease: Lease): void {
    const p = lease.partition;
    const h = this.#held.get(p);
    if (!h || h.lost || h.lease.value !== lease.value) return;
    h.lost = true;
    this.#held.delete(p);
    this.#o.onChange?.(p, 'lost');
    runScript(this.#o.redis, RELEASE, [this.#o.keys.lease(p)], [h.lease.value]).catch((err: unknown) =>
      this.#o.logger.debug({ err, partition: p }, 'release after fencing failed (the lease will expire)'),
    );
  }

  #surrender(p: number): void {
    const h = this.#held.get(p);
    if (!h || h.releasing) return;
    h.releasing = true;
    const done = this.#o.handlers
      .surrender(p)
      .catch((err: unknown) => this.#o.logger.warn({ err, partition: p }, 'surrender failed'))
      .then(async () => {
        if (h.lost) return;
        h.lost = true;
        this.#held.delete(p);
        await runScript(this.#o.redis, RELEASE, [this.#o.keys.lease(p)], [h.lease.value]).catch((err: unknown) =>
          this.#o.logger.warn({ err, partition: p }, 'lease release failed (it will expire)'),
        );
        this.#o.logger.info({ partition: p }, 'lease released');
        this.#o.onChange?.(p, 'released');
      })
      .finally(() => this.#releases.delete(done));
    this.#releases.add(done);
  }

  /**
   * Graceful stop: no more heartbeats, every partition is surrendered (batch finished and acked), its lease
   * deleted, and the worker leaves the registry, so others take over at once.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#beat;
    for (const p of [...this.#held.keys()]) this.#surrender(p);
    await Promise.all([...this.#releases]);
    await this.#o.redis
      .zrem(this.#o.keys.workers, this.#o.workerId)
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'could not leave the registry'));
  }

  /** Crash stop: timers off, leases left to expire, registry entry left to age out. */
  abort(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const h of this.#held.values()) h.lost = true;
    this.#held.clear();
  }
}
