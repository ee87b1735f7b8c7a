// createStrategyWorker: one horizontally scalable strategy worker. It holds a fair share of the tick
// partitions through leases, consumes each held partition in stream order, runs the pure strategy from the
// checkpointed state, gates every decision atomically in Redis and enqueues what passed (BullMQ job with
// jobId = intent id, plus `{ns}:intents`), then acks. Tests import this factory directly.

import { randomBytes } from 'node:crypto';
import {
  type Clock,
  createRedisClient,
  ensurePartitions,
  type Keys,
  keys as keysOf,
  Lifecycle,
  type Logger,
  PartitionsMismatchError,
  type RedisClient,
  type Retention,
  silentLogger,
  systemClock,
} from '@polybot/shared';
import type { AnyStrategy, RiskLimits } from '@polybot/strategy-kit';
import type { JobsOptions } from 'bullmq';
import { Registry } from 'prom-client';
import { BatchProcessor, type ClockMode } from './consume/batch-processor.js';
import { PartitionConsumer } from './consume/partition-consumer.js';
import { createIntentSink, type IntentSink } from './enqueue/intent-sink.js';
import { createWorkerMetrics, type WorkerMetrics } from './ops/metrics.js';
import { type Lease, LeaseManager } from './ownership/lease-manager.js';
import { createRiskGate } from './risk/risk-gate.js';

export interface StrategyWorkerDeps {
  /** REDIS_URL of any topology (one node, Sentinel, Cluster). The worker opens its own connections and closes them. */
  redisUrl: string;
  /** REDIS_CLUSTER_NODES (`h1:p1,h2:p2`): a Cluster whatever redisUrl says. */
  clusterNodes?: string;
  ns: string;
  /** Tick partitions P (POLYBOT_PARTITIONS). */
  partitions: number;
  strategy: AnyStrategy;
  /** Parsed parameters of the strategy (loadStrategy). */
  params: unknown;
  limits: RiskLimits;
  /** Lease TTL (LEASE_TTL_MS); a dead worker's partitions move after about this long. Default 5000. */
  leaseTtlMs?: number;
  /** Heartbeat period; default leaseTtlMs / 3. */
  heartbeatMs?: number;
  /** Entries per XREADGROUP / XAUTOCLAIM (STRATEGY_BATCH). Default 512. */
  batch?: number;
  /** XREADGROUP BLOCK ms. Default 1000 (graceful stops unblock the reader at once). */
  blockMs?: number;
  /** Wall clock for timings and the live risk gate. Default systemClock. */
  clock?: Clock;
  logger?: Logger;
  /** Metrics registry; default a private one (see `worker.registry`). */
  registry?: Registry;
  /** Consumer name and registry id; default `<hostname-ish>-<random>`. Must be unique per live worker. */
  workerId?: string;
  /** Extra BullMQ job options (jobId is always the intent id). */
  jobOptions?: JobsOptions;
  /** What Redis keeps per intent (jobs, `{ns}:intents`, markers); default DEFAULT_RETENTION. */
  retention?: Retention;
  /**
   * Fault injection for tests: awaited after a batch's intents are enqueued and before its ack, so a test can
   * hold a worker between the two and kill it there. Never set in production.
   */
  beforeAck?: (partition: number) => Promise<void>;
  /** EXECUTOR_SLIPPAGE_BPS: a BUY reserves exposure at the executor's worst price. Default 0. */
  slippageBps?: number;
  /** How often the replay clock mode (`clock=recording` in keys.meta) is re-read, ms. Default 1000. */
  metaRefreshMs?: number;
}

export interface StrategyWorker {
  readonly id: string;
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  readonly keys: Keys;
  /** Partitions currently held. */
  partitions(): number[];
  /**
   * Waits for Redis, checks POLYBOT_PARTITIONS against the namespace (PartitionsMismatchError: refused),
   * registers, takes its share of partitions and starts consuming. Resolves once running.
   */
  start(): Promise<void>;
  /** Graceful: finishes batches, acks, releases leases, leaves the registry, closes connections. Idempotent. */
  close(): Promise<void>;
  /**
   * Crash simulation (tests, and the path of a fatal error): stops timers and loops, drops every
   * connection at once. Nothing is acked or released; leases expire and others claim the pending entries.
   */
  crash(): void;
}

export function createStrategyWorker(deps: StrategyWorkerDeps): StrategyWorker {
  const k = keysOf(deps.ns);
  const id = deps.workerId ?? `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  const logger = (deps.logger ?? silentLogger()).child({ component: 'strategy-worker', worker: id });
  const registry = deps.registry ?? new Registry();
  const metrics: WorkerMetrics = createWorkerMetrics(registry);
  const clock = deps.clock ?? systemClock;
  const ttl = deps.leaseTtlMs ?? 5000;
  const batch = deps.batch ?? 512;
  const blockMs = deps.blockMs ?? 1000;
  const lifecycle = new Lifecycle(`strategy-worker:${id}`);

  const connections: RedisClient[] = [];
  const open = (role: 'command' | 'blocking' | 'bullmq', name: string): RedisClient =>
    createRedisClient(deps.redisUrl, role, {
      name: `strategy-${name}`,
      ...(deps.clusterNodes !== undefined ? { clusterNodes: deps.clusterNodes } : {}),
    });
  const connect = (role: 'command' | 'blocking' | 'bullmq', name: string): RedisClient => {
    const c = open(role, name);
    c.on('error', (err: unknown) => logger.debug({ err, conn: name }, 'redis connection error'));
    connections.push(c);
    return c;
  };
  const redis = connect('command', 'cmd');
  const queueConnection = connect('bullmq', 'queue');
  let sink: IntentSink | undefined;
  let clockMode: ClockMode = 'live';
  const consumers = new Map<number, PartitionConsumer>();
  let processor: BatchProcessor | undefined;
  let metaTimer: NodeJS.Timeout | undefined;
  let crashed = false;

  const refreshClockMode = async () => {
    const mode = await redis.hget(k.meta, 'clock');
    const next: ClockMode = mode === 'recording' ? 'recording' : 'live';
    if (next !== clockMode) logger.info({ clockMode: next }, 'clock mode changed');
    clockMode = next;
  };

  const dropConsumer = (p: number) => {
    const c = consumers.get(p);
    if (!c) return;
    consumers.delete(p);
    c.abort();
    metrics.owned.set(consumers.size);
    metrics.lag.remove({ partition: String(p) });
  };

  const leases: LeaseManager = new LeaseManager({
    // Renewals on a connection of their own: they never queue behind a batch's pipelines.
    redis: connect('command', 'lease'),
    keys: k,
    workerId: id,
    partitions: deps.partitions,
    ttlMs: ttl,
    ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}),
    logger,
    onChange: (_p, change) => metrics.leaseChanges.inc({ change }),
    onHeartbeat: ({ live }) => {
      metrics.liveWorkers.set(live.length);
      if (lifecycle.state === 'degraded') lifecycle.transition('running', 'heartbeat ok');
      void updateLag();
    },
    onHeartbeatError: () => {
      if (lifecycle.state === 'running') lifecycle.transition('degraded', 'heartbeat failed: Redis unreachable?');
    },
    handlers: {
      acquired: (lease: Lease) => {
        if (!processor || crashed) return;
        const c = new PartitionConsumer({
          lease,
          keys: k,
          consumer: id,
          // A blocking reader per held partition: on a Cluster its own Cluster client, so XREADGROUP BLOCK
          // ties up only this partition's connection to the shard that holds the stream.
          reader: open('blocking', `p${lease.partition}`),
          redis,
          processor,
          batch,
          blockMs,
          metrics,
          logger: logger.child({ partition: lease.partition }),
          onFenced: (c) => {
            logger.warn({ partition: c.partition }, 'fenced: the lease is gone or expired; dropping the partition');
            if (consumers.get(c.partition) === c) dropConsumer(c.partition);
            else c.abort();
            leases.drop(c.lease);
          },
        });
        consumers.set(lease.partition, c);
        metrics.owned.set(consumers.size);
        c.start();
      },
      lost: (p) => dropConsumer(p),
      surrender: async (p) => {
        const c = consumers.get(p);
        if (!c) return;
        await c.stop();
        if (consumers.get(p) === c) consumers.delete(p);
        metrics.owned.set(consumers.size);
        metrics.lag.remove({ partition: String(p) });
      },
    },
  });

  const updateLag = async () => {
    for (const p of consumers.keys()) {
      try {
        const groups = (await redis.xinfo('GROUPS', k.ticks(p))) as unknown[][];
        for (const g of groups) {
          const rec: Record<string, unknown> = {};
          for (let i = 0; i + 1 < g.length; i += 2) rec[String(g[i])] = g[i + 1];
          if (rec.name === k.strategyGroup && rec.lag !== null && rec.lag !== undefined) {
            metrics.lag.set({ partition: String(p) }, Number(rec.lag));
          }
        }
      } catch {
        // The stream may not exist yet; lag is best effort.
      }
    }
  };

  let starting: Promise<void> | undefined;
  return {
    id,
    lifecycle,
    registry,
    keys: k,
    partitions: () => [...consumers.keys()].sort((a, b) => a - b),
    start() {
      starting ??= (async () => {
        sink = createIntentSink({
          queueConnection,
          redis,
          keys: k,
          clock,
          ...(deps.jobOptions ? { jobOptions: deps.jobOptions } : {}),
          ...(deps.retention ? { retention: deps.retention } : {}),
        });
        processor = new BatchProcessor({
          redis,
          keys: k,
          strategy: deps.strategy,
          params: deps.params,
          gate: createRiskGate(redis, deps.ns, deps.limits),
          sink,
          clock,
          clockMode: () => clockMode,
          metrics,
          logger,
          ...(deps.beforeAck ? { beforeAck: deps.beforeAck } : {}),
          ...(deps.slippageBps !== undefined ? { slippageBps: deps.slippageBps } : {}),
        });
        // Redis may be down while we start, or go down half-way (a restart, a failover): every Redis step of
        // start-up is retried until it holds, instead of exiting.
        for (let attempt = 1; ; attempt++) {
          try {
            await refreshClockMode();
            // POLYBOT_PARTITIONS must be the namespace's own: a mismatch is refused, never retried.
            await ensurePartitions(redis, deps.ns, deps.partitions);
            await leases.start();
            break;
          } catch (err) {
            if (err instanceof PartitionsMismatchError) throw err;
            if (lifecycle.state === 'stopping' || lifecycle.state === 'stopped') throw err;
            const delay = Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
            if (attempt === 1 || attempt % 10 === 0) {
              logger.warn({ err, attempt }, 'redis not reachable at start-up: retrying');
            }
            await new Promise((r) => setTimeout(r, delay));
          }
        }
        const refresh = () => {
          metaTimer = setTimeout(() => {
            refreshClockMode()
              .catch((err: unknown) => logger.debug({ err }, 'meta refresh failed'))
              .finally(() => {
                if (lifecycle.state === 'running' || lifecycle.state === 'degraded') refresh();
              });
          }, deps.metaRefreshMs ?? 1000);
        };
        lifecycle.transition('running');
        refresh();
        logger.info({ partitions: leases.held(), strategy: deps.strategy.name }, 'strategy worker running');
      })();
      return starting;
    },
    close() {
      return lifecycle.close(async () => {
        if (metaTimer) clearTimeout(metaTimer);
        if (!crashed) {
          await starting?.catch(() => {});
          await leases.stop();
          await Promise.all([...consumers.values()].map((c) => c.stop()));
          await sink?.close();
        }
        for (const c of connections) {
          if (crashed) c.disconnect();
          else await c.quit().catch(() => c.disconnect());
        }
      });
    },
    crash() {
      if (crashed) return;
      crashed = true;
      if (metaTimer) clearTimeout(metaTimer);
      leases.abort();
      for (const c of consumers.values()) c.abort();
      consumers.clear();
      for (const c of connections) c.disconnect();
      void sink?.close().catch(() => {});
      void lifecycle.close(async () => {});
    },
  };
}
