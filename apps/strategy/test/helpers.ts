// Shared fixtures of the strategy integration tests: markets, ticks written to their partitions, workers
// with permissive risk limits, and readers of what came out (intents stream, order jobs).

import {
  GapContract,
  type Intent,
  IntentContract,
  type Keys,
  ManualClock,
  parseEntries,
  partition,
  TickContract,
  tickKey,
} from '@polybot/shared';
import type { TestRedis } from '@polybot/shared/testing';
import { loadStrategy, type RiskLimits } from '@polybot/strategy-kit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createStrategyWorker, type StrategyWorker, type StrategyWorkerDeps } from '../src/index.js';

export const T0 = 1_750_000_000_000;
/** Lease TTL of the test workers: short, with room for a loaded 2-core machine. */
export const TEST_TTL_MS = 2000;

export function market(i: number): string {
  return `0x${i.toString(16).padStart(64, '0')}`;
}

export interface TickSpec {
  market: string;
  /** Yes price, micro-units. */
  yes: number;
  emit: number;
  /** Ingestor receive time; default emit + 1. */
  recv?: number;
  tradable?: boolean;
}

export function tickArgs(t: TickSpec): string[] {
  const base = {
    type: 'tick' as const,
    market_id: t.market,
    yes: t.yes,
    no: 1_000_000 - t.yes,
    emit_ts_ms: t.emit,
    recv_ts_ms: t.recv ?? t.emit + 1,
    conn_epoch: 1,
    source: 'test',
    tradable: t.tradable ?? true,
  };
  return TickContract.toArgs({ ...base, key: tickKey(base) });
}

/** Appends ticks to their partitions in order (one pipeline). */
export async function writeTicks(redis: Redis, k: Keys, partitions: number, ticks: readonly TickSpec[]) {
  const pipe = redis.pipeline();
  for (const t of ticks) pipe.xadd(k.ticks(partition(t.market, partitions)), '*', ...tickArgs(t));
  await pipe.exec();
}

export async function writeGap(redis: Redis, k: Keys, partitions: number, m: string, ts: number) {
  await redis.xadd(
    k.ticks(partition(m, partitions)),
    '*',
    ...GapContract.toArgs({ type: 'gap', market_id: m, conn_epoch: 1, reason: 'disconnect', ts_ms: ts }),
  );
}

/** Limits that let every buy through (tests of flow, not of risk). */
export const OPEN_LIMITS: RiskLimits = {
  staleMs: 1_000_000_000,
  maxPosition: 1e15,
  maxExposure: 1e15,
  cooldownMs: 0,
  ordersPerMinute: 1_000_000_000,
};

/** A buy-only threshold worker (every tick with yes < 0.5 is one BUY intent), with a fixed clock. */
export function makeWorker(
  redis: Pick<TestRedis, 'url' | 'ns'>,
  over: Partial<StrategyWorkerDeps> = {},
): StrategyWorker {
  const { strategy, params } = loadStrategy('threshold', { low: '0.5', high: '0.9', sell: false });
  return createStrategyWorker({
    redisUrl: redis.url,
    ns: redis.ns,
    partitions: 4,
    strategy,
    params,
    limits: OPEN_LIMITS,
    leaseTtlMs: TEST_TTL_MS,
    blockMs: 100,
    batch: 64,
    clock: new ManualClock(T0 + 60_000),
    ...over,
  });
}

export async function readIntents(redis: Redis, k: Keys): Promise<Intent[]> {
  const { entries } = parseEntries(await redis.xrange(k.intents, '-', '+'));
  return entries.map((e) => IntentContract.decode(e.fields));
}

/** Every entry of every partition acked and delivered (no pending, no lag). */
export async function drained(redis: Redis, k: Keys, partitions: number): Promise<boolean> {
  for (let p = 0; p < partitions; p++) {
    const groups = (await redis.xinfo('GROUPS', k.ticks(p)).catch(() => [])) as unknown[][];
    const g = groups
      .map((x) => {
        const rec: Record<string, unknown> = {};
        for (let i = 0; i + 1 < x.length; i += 2) rec[String(x[i])] = x[i + 1];
        return rec;
      })
      .find((r) => r.name === k.strategyGroup);
    const last = await redis.xrevrange(k.ticks(p), '+', '-', 'COUNT', 1);
    if (last.length === 0) continue;
    // `lag` is null when Redis cannot compute it (e.g. after a restart): compare the delivered id instead.
    if (!g || Number(g.pending) !== 0 || g['last-delivered-id'] !== last[0]?.[0]) return false;
  }
  return true;
}

/** A read-only view of the orders queue on a connection of its own (closed by `queue.close()`). */
export function ordersQueue(url: string, k: Keys): Queue {
  return new Queue(k.ordersQueue, {
    connection: { url, maxRetriesPerRequest: null },
    prefix: k.bullPrefix,
  });
}

export async function jobIds(q: Queue): Promise<string[]> {
  const jobs = await q.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized', 'paused']);
  return jobs.map((j) => String(j.id));
}
