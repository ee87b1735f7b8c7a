// Test harness: an executor wired to a test Redis and a fake venue, order jobs, risk reservations, and
// readers of `{ns}:orders`.

import {
  createRedis,
  createVenueClient,
  intentId,
  keys,
  type OrderEvent,
  OrderEventContract,
  OrderJobContract,
  parseEntries,
  silentLogger,
} from '@polybot/shared';
import { riskLedgerKeys } from '@polybot/strategy-kit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { createExecutor, type Executor, type ExecutorOptions } from '../../src/executor.js';
import { venueFromClient } from '../../src/venue/shared-venue.js';

export const MARKET = `0x${'ab'.repeat(32)}`;
export const API_KEY = 'ps_test_0123456789abcdef';

export interface RunningExecutor {
  executor: Executor;
  redis: Redis;
  bull: Redis;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** As close to kill -9 as one process allows: no graceful close, connections cut, requests dropped. */
  kill(): Promise<void>;
}

export async function startExecutor(
  redisUrl: string,
  ns: string,
  venueUrl: string,
  opts: Partial<ExecutorOptions> & { timeoutMs?: number; apiKey?: string; registry?: Registry } = {},
): Promise<RunningExecutor> {
  const redis = createRedis(redisUrl, 'command');
  const bull = createRedis(redisUrl, 'bullmq');
  redis.on('error', () => {});
  bull.on('error', () => {});
  const { timeoutMs, apiKey, registry, ...options } = opts;
  const client = createVenueClient({
    baseUrl: venueUrl,
    apiKey: apiKey ?? API_KEY,
    timeoutMs: timeoutMs ?? 2000,
    connections: 8,
  });
  const venue = venueFromClient(client);
  const executor = createExecutor({
    ns,
    redis,
    bullConnection: bull,
    venue,
    logger: silentLogger(),
    ...(registry !== undefined ? { registry } : {}),
    options: {
      concurrency: 4,
      writesPerSec: 1000,
      maxAttempts: 5,
      slippageBps: 200,
      lockDurationMs: 1000,
      stalledIntervalMs: 300,
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      driftCheckIntervalMs: 0,
      ...options,
    },
  });
  await executor.start();
  let stopped: Promise<void> | undefined;
  return {
    executor,
    redis,
    bull,
    stop() {
      stopped ??= (async () => {
        await executor.close();
        await client.close();
        redis.disconnect();
        bull.disconnect();
      })();
      return stopped;
    },
    kill() {
      stopped ??= (async () => {
        const aborted = executor.abort().catch(() => {});
        redis.disconnect();
        bull.disconnect();
        // In-flight requests are left hanging, as a dead process leaves them; the venue drops them later.
        void client.close();
        await aborted;
      })();
      return stopped;
    },
  };
}

export function makeJob(
  ns: string,
  i: number,
  over: { side?: 'BUY' | 'SELL'; quantity?: number; marketId?: string; refPrice?: number; outcome?: string } = {},
) {
  const tickKey = `${MARKET.slice(0, 10)}-${1_700_000_000_000 + i}-abcd`;
  const now = Date.now();
  return {
    intent_id: intentId(ns, 'test', tickKey, 0),
    ns,
    strategy: 'test',
    market_id: over.marketId ?? MARKET,
    side: over.side ?? ('BUY' as const),
    outcome: over.outcome ?? 'Yes',
    quantity: over.quantity ?? 10_000_000,
    ref_price: over.refPrice ?? 400_000,
    tick_key: tickKey,
    tick_id: `${1_700_000_000_000 + i}-0`,
    partition: 0,
    decision_index: 0,
    t_emit: now - 3,
    t_recv: now - 2,
    t_decide: now - 1,
    t_enqueue: now,
  };
}

export type TestJob = ReturnType<typeof makeJob>;

/** Enqueues jobs as the strategy does: data = OrderJob wire fields, jobId = intent id. */
export async function enqueue(bull: Redis, ns: string, jobs: readonly TestJob[]): Promise<void> {
  const k = keys(ns);
  const q = new Queue(k.ordersQueue, { connection: bull, prefix: k.bullPrefix });
  try {
    for (const j of jobs) await q.add('order', OrderJobContract.encode(j), { jobId: j.intent_id });
  } finally {
    await q.close();
  }
}

/** Seeds a BUY reservation for the intent as the strategy's risk gate would have. */
export async function reserve(redis: Redis, ns: string, j: TestJob): Promise<void> {
  const rk = riskLedgerKeys(ns);
  const pk = `${j.market_id}|${j.outcome}`;
  const notional = Math.ceil((j.quantity * j.ref_price) / 1_000_000);
  await redis
    .multi()
    .hset(
      rk.intent(j.intent_id),
      'st',
      'reserved',
      'm',
      j.market_id,
      'o',
      j.outcome,
      's',
      j.side,
      'q',
      j.quantity,
      'n',
      notional,
    )
    .hincrby(rk.pendingBuy, pk, j.quantity)
    .hincrby(rk.marketPosition, j.market_id, j.quantity)
    .incrby(rk.gross, notional)
    .exec();
}

export async function readOrderEvents(redis: Redis, ns: string): Promise<OrderEvent[]> {
  const { entries } = parseEntries(await redis.xrange(keys(ns).orders, '-', '+'));
  return entries.map((e) => OrderEventContract.decode(e.fields));
}

export function terminalsOf(events: readonly OrderEvent[], id: string): OrderEvent[] {
  return events.filter((e) => e.intent_id === id && (e.event === 'acked' || e.event === 'rejected'));
}

export function eventsOf(events: readonly OrderEvent[], id: string): string[] {
  return events.filter((e) => e.intent_id === id).map((e) => e.event);
}

/** Poll options for waiting on the executor: generous, because the machine is shared. */
export const POLL = { timeout: 10_000, interval: 25 } as const;
