// The raw floors every pipeline stage is compared with: what Redis and BullMQ cost with no polybot code.

import { keys, TickContract, tickKey, xaddBatch } from '@polybot/shared';
import { startRedis } from '@polybot/shared/testing';
import { Queue, Worker } from 'bullmq';
import { type BenchCase, type BenchContext, now } from '../context.js';
import { fmtMs, fmtRate, summarize } from '../stats.js';

const M = `0x${'ab'.repeat(32)}`;

export function sampleTickArgs(i: number): string[] {
  const t = {
    type: 'tick' as const,
    market_id: M,
    yes: 400_000 + (i % 1000),
    no: 600_000 - (i % 1000),
    best_bid: 390_000,
    best_ask: 410_000,
    emit_ts_ms: 1_700_000_000_000 + i,
    recv_ts_ms: 1_700_000_000_000.5 + i,
    conn_epoch: 1,
    source: 'websocket',
    tradable: true,
  };
  return TickContract.toArgs({ ...t, key: tickKey(t) });
}

export async function xaddThroughput(url: string, ns: string, n: number, batch: number): Promise<number> {
  const { createRedisClient } = await import('@polybot/shared');
  // One stream key: one slot, so the same pipeline runs on a Cluster too.
  const redis = createRedisClient(url, 'command');
  const key = keys(ns).ticks(0);
  const args = Array.from({ length: 1000 }, (_, i) => sampleTickArgs(i));
  const t0 = now();
  for (let sent = 0; sent < n; sent += batch) {
    const entries = [];
    for (let j = 0; j < batch && sent + j < n; j++)
      entries.push({ key, args: args[(sent + j) % 1000] as string[], maxlen: 1_000_000 });
    await xaddBatch(redis, entries);
  }
  const rate = n / ((now() - t0) / 1000);
  redis.disconnect();
  return rate;
}

/**
 * Bare XREADGROUP COUNT 512 + XACK over `n` pre-filled entries: entries/s, and this process's CPU time (ms, user +
 * system) per entry read.
 */
export async function readAckThroughput(
  url: string,
  ns: string,
  n: number,
): Promise<{ rate: number; cpuPerEntry: number }> {
  const { createRedis } = await import('@polybot/shared');
  const redis = createRedis(url, 'command');
  const key = keys(ns).ticks(1);
  const group = 'floor';
  const args = sampleTickArgs(0);
  for (let sent = 0; sent < n; sent += 1000) {
    const pipe = redis.pipeline();
    for (let j = 0; j < 1000 && sent + j < n; j++) pipe.xadd(key, '*', ...args);
    await pipe.exec();
  }
  await redis.xgroup('CREATE', key, group, '0');
  const t0 = now();
  const cpu0 = process.cpuUsage();
  let read = 0;
  while (read < n) {
    const res = (await redis.xreadgroup('GROUP', group, 'c1', 'COUNT', 512, 'STREAMS', key, '>')) as
      | [string, [string, string[]][]][]
      | null;
    const entries = res?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    read += entries.length;
    await redis.xack(key, group, ...entries.map((e) => e[0]));
  }
  const rate = read / ((now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  redis.disconnect();
  return { rate, cpuPerEntry: (cpu.user + cpu.system) / 1000 / Math.max(1, read) };
}

/** Waits `gapMs` (0: not at all): a paced floor lets the processes go idle between messages, as at a fixed rate. */
const pause = (gapMs: number) => (gapMs > 0 ? new Promise<void>((r) => setTimeout(r, gapMs)) : undefined);

/**
 * One XADD → blocking XREADGROUP hop at a time. `gapMs` > 0 leaves that much idle time between hops (the pace of a
 * fixed-rate feed); 0 is the closed loop, back to back.
 */
export async function xaddReadHop(url: string, ns: string, n: number, gapMs = 0): Promise<number[]> {
  const { createRedis } = await import('@polybot/shared');
  const producer = createRedis(url, 'command');
  const consumer = createRedis(url, 'blocking');
  const key = keys(ns).ticks(2);
  const group = `hop${gapMs}`;
  await producer.xgroup('CREATE', key, group, '$', 'MKSTREAM');
  const samples: number[] = [];
  const args = sampleTickArgs(0);
  for (let i = 0; i < n; i++) {
    await pause(gapMs);
    const t0 = now();
    const read = consumer.xreadgroup('GROUP', group, 'c', 'COUNT', 16, 'BLOCK', 1000, 'STREAMS', key, '>');
    await producer.xadd(key, '*', ...args);
    const res = (await read) as [string, [string, string[]][]][] | null;
    samples.push(now() - t0);
    const ids = res?.[0]?.[1].map((e) => e[0]) ?? [];
    if (ids.length > 0) await producer.xack(key, group, ...ids);
  }
  producer.disconnect();
  consumer.disconnect();
  return samples;
}

/**
 * One BullMQ queue.add → worker start hop at a time; `gapMs` as for xaddReadHop. `concurrency` is the
 * worker's: above 1, BullMQ's fetch loop asks Redis for a second job before it starts the first.
 */
export async function queueHop(url: string, ns: string, n: number, gapMs = 0, concurrency = 1): Promise<number[]> {
  const { createRedis } = await import('@polybot/shared');
  const k = keys(ns);
  const connection = createRedis(url, 'bullmq');
  const queue = new Queue(`${k.ordersQueue}-floor`, { connection, prefix: k.bullPrefix });
  const samples: number[] = [];
  let resolveJob: (() => void) | undefined;
  const workerConnection = createRedis(url, 'bullmq');
  const worker = new Worker(
    `${k.ordersQueue}-floor`,
    async (job) => {
      samples.push(now() - (job.data as { t: number }).t);
      resolveJob?.();
    },
    { connection: workerConnection, prefix: k.bullPrefix, concurrency },
  );
  await worker.waitUntilReady();
  for (let i = 0; i < n; i++) {
    await pause(gapMs);
    const done = new Promise<void>((r) => (resolveJob = r));
    await queue.add('floor', { t: now() }, { jobId: `floor-${gapMs}-${concurrency}-${i}`, removeOnComplete: true });
    await done;
  }
  await worker.close();
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return samples;
}

export const redisFloors: BenchCase = {
  name: 'redis-floors',
  description: 'raw Redis Streams and BullMQ costs, the floor under every polybot stage',
  async run(ctx: BenchContext) {
    const redis = await startRedis({ own: true });
    try {
      const n = ctx.smoke ? 20_000 : 200_000;
      const hops = ctx.smoke ? 500 : 10_000;
      ctx.progress(`pipelined XADD × ${n}`);
      const xadd = await xaddThroughput(redis.url, redis.ns, n, 256);
      ctx.progress(`XREADGROUP COUNT 512 + XACK × ${n}`);
      const { rate: readAck } = await readAckThroughput(redis.url, redis.ns, n);
      ctx.progress(`XADD → XREADGROUP hop × ${hops}`);
      const hop = summarize(await xaddReadHop(redis.url, redis.ns, hops));
      ctx.progress(`queue.add → worker hop × ${hops}`);
      const qhop = summarize(await queueHop(redis.url, redis.ns, hops));
      return [
        {
          title: 'Throughput floors (one connection, tick-shaped entries)',
          columns: ['operation', 'entries', 'rate'],
          rows: [
            ['pipelined XADD, batches of 256, MAXLEN ~', String(n), fmtRate(xadd)],
            ['XREADGROUP COUNT 512 + XACK', String(n), fmtRate(readAck)],
          ],
        },
        {
          title: 'Hop latency floors (closed loop, one message in flight)',
          columns: ['hop', 'samples', 'p50', 'p90', 'p99', 'max'],
          rows: [
            [
              'XADD → XREADGROUP (blocking reader)',
              String(hop.n),
              fmtMs(hop.p50),
              fmtMs(hop.p90),
              fmtMs(hop.p99),
              fmtMs(hop.max),
            ],
            [
              'BullMQ queue.add → worker start',
              String(qhop.n),
              fmtMs(qhop.p50),
              fmtMs(qhop.p90),
              fmtMs(qhop.p99),
              fmtMs(qhop.max),
            ],
          ],
          notes: ['These are the raw floors the pipeline benchmarks compare against.'],
        },
      ];
    } finally {
      await redis.stop();
    }
  },
};
