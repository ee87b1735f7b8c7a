// The whole pipeline in one process on any Redis topology: the embedded simulator as the venue, one
// ingestor, two strategy workers and one executor, built through their factories and connected only by a
// REDIS_URL (one node, `redis+sentinel://`, `redis+cluster://`). Every log line is kept, so a test can show
// that no cross-slot error happened anywhere.

import {
  createLogger,
  createRedisClient,
  createVenueClient,
  type Intent,
  IntentContract,
  keys,
  type OrderEvent,
  OrderEventContract,
  parseEntries,
  parseServerFrame,
  type RedisClient,
  type VenueClient,
  wsUrl,
} from '@polybot/shared';
import { createSimulator, type Simulator } from '@polybot/simulator';
import { loadStrategy, type RiskLimits } from '@polybot/strategy-kit';
import { createExecutor, type Executor, venueFromClient } from '../../apps/executor/src/index.js';
import { createIngestor, type Ingestor } from '../../apps/ingestor/src/index.js';
import { createStrategyWorker, type StrategyWorker } from '../../apps/strategy/src/index.js';

export const PARTITIONS = 6;

const LIMITS: RiskLimits = {
  staleMs: 600_000,
  maxPosition: 1e15,
  maxExposure: 1e15,
  cooldownMs: 0,
  ordersPerMinute: 1_000_000_000,
};

export interface TopologyStack {
  readonly ns: string;
  readonly sim: Simulator;
  readonly ingestor: Ingestor;
  readonly workers: readonly StrategyWorker[];
  readonly executor: Executor;
  /** A command connection of the test's own (same topology). */
  readonly redis: RedisClient;
  /** Every log line of every component (JSON). */
  readonly lines: readonly string[];
  intents(): Promise<Intent[]>;
  orderEvents(): Promise<OrderEvent[]>;
  /** Stops the feed (ingestor), then the workers, then the executor once every intent is terminal. */
  stopFeed(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `ns` is the namespace, or a function that picks one knowing the markets that will be streamed (a test can
 * choose where their partitions land).
 */
export async function startTopologyStack(
  redisUrl: string,
  nsOrPick: string | ((markets: readonly string[]) => Promise<string>),
): Promise<TopologyStack> {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'topology',
    level: 'debug',
    destination: { write: (s: string) => lines.push(s) },
  });
  // Slow price walk and a generous slippage: the venue fills what the strategy decided.
  const sim = await createSimulator({ seed: 5, markets: 8, tickMs: 20, limits: false });
  const feedVenue: VenueClient = createVenueClient({
    baseUrl: sim.baseUrl,
    apiKey: sim.devApiKey,
    timeoutMs: 5000,
    connections: 2,
  });
  const orderVenue: VenueClient = createVenueClient({
    baseUrl: sim.baseUrl,
    apiKey: sim.devApiKey,
    timeoutMs: 5000,
    connections: 4,
  });
  const markets = sim.marketIds.slice(0, 6);
  const ns = typeof nsOrPick === 'string' ? nsOrPick : await nsOrPick(markets);
  const redis = createRedisClient(redisUrl, 'command', { name: 'test' });
  const exRedis = createRedisClient(redisUrl, 'command', { name: 'executor' });
  const exBull = createRedisClient(redisUrl, 'bullmq', { name: 'executor-bullmq' });
  for (const c of [redis, exRedis, exBull]) c.on('error', () => {});

  const ingestor = createIngestor({
    options: {
      ns,
      partitions: PARTITIONS,
      markets: markets.join(','),
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      stallMs: 5_000,
      subscribeTimeoutMs: 5_000,
      batchSize: 64,
    },
    venue: feedVenue,
    wsUrl: (t) => wsUrl(sim.baseUrl, '/v1/ws/prices', t),
    parseFrame: parseServerFrame,
    redis: { url: redisUrl },
    logger: logger.child({ app: 'ingestor' }),
  });
  // Every 25th tick of a market is one order: a steady trickle of intents, all of them fillable.
  const { strategy, params } = loadStrategy('every-nth', { n: 25, size: '5' });
  const workers = [1, 2].map((i) =>
    createStrategyWorker({
      redisUrl,
      ns,
      partitions: PARTITIONS,
      strategy,
      params,
      limits: LIMITS,
      leaseTtlMs: 3000,
      blockMs: 200,
      batch: 64,
      workerId: `w${i}`,
      logger: logger.child({ app: `strategy-${i}` }),
    }),
  );
  const executor = createExecutor({
    ns,
    redis: exRedis,
    bullConnection: exBull,
    venue: venueFromClient(orderVenue),
    logger: logger.child({ app: 'executor' }),
    options: {
      concurrency: 4,
      writesPerSec: 1000,
      maxAttempts: 10,
      slippageBps: 1000,
      backoffBaseMs: 50,
      backoffMaxMs: 500,
      driftCheckIntervalMs: 0,
      sweepIntervalMs: 1000,
    },
  });

  const k = keys(ns);
  let feedStopped = false;
  let closed: Promise<void> | undefined;
  await executor.start();
  await Promise.all(workers.map((w) => w.start()));
  await ingestor.start();

  const stack: TopologyStack = {
    ns,
    sim,
    ingestor,
    workers,
    executor,
    redis,
    lines,
    async intents() {
      const { entries } = parseEntries(await redis.xrange(k.intents, '-', '+'));
      return entries.map((e) => IntentContract.decode(e.fields));
    },
    async orderEvents() {
      const { entries } = parseEntries(await redis.xrange(k.orders, '-', '+'));
      return entries.map((e) => OrderEventContract.decode(e.fields));
    },
    async stopFeed() {
      if (feedStopped) return;
      feedStopped = true;
      await ingestor.close();
    },
    close() {
      closed ??= (async () => {
        await stack.stopFeed().catch(() => {});
        await Promise.all(workers.map((w) => w.close().catch(() => {})));
        await executor.close().catch(() => {});
        await Promise.all([feedVenue.close(), orderVenue.close()]);
        for (const c of [redis, exRedis, exBull]) c.disconnect();
        await sim.close();
      })();
      return closed;
    },
  };
  return stack;
}

/** Terminal events (acked or rejected) of one intent. */
export function terminalsOf(events: readonly OrderEvent[], id: string): OrderEvent[] {
  return events.filter((e) => e.intent_id === id && (e.event === 'acked' || e.event === 'rejected'));
}

/** Log lines that show a command spanning slots (what a Cluster refuses). */
export function crossSlotLines(lines: readonly string[]): string[] {
  return lines.filter((l) => /CROSSSLOT|should belong to the same slot|same slots allocation group/i.test(l));
}
