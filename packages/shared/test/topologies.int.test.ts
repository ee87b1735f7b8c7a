// The connection factory on a real Redis Cluster (3 masters) and a real Sentinel group (1 master,
// 1 replica, 3 sentinels), including a master failover.
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, createRedisClient } from '../src/redis/connection.js';
import { keys } from '../src/redis/keys.js';
import {
  startRedisCluster,
  startRedisSentinel,
  type TestCluster,
  type TestSentinel,
} from '../src/testing/start-topologies.js';

describe('Redis Cluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('routes every key pattern, and scripts over a partition’s keys run without CROSSSLOT', async () => {
    const c = createRedisClient(cluster.url, 'command', { name: 'test' });
    c.on('error', () => {});
    const k = keys(cluster.ns);
    try {
      for (let p = 0; p < 8; p++) {
        await c.xadd(k.ticks(p), '*', 'type', 'tick');
        // the ingestor's dedup shape: one script touching the stream and its index
        const res = await c.eval(
          "redis.call('HSET', KEYS[2], 'm', ARGV[1]); return redis.call('XLEN', KEYS[1])",
          2,
          k.ticks(p),
          k.lastEmit(p),
          '1',
        );
        expect(res).toBe(1);
      }
      await c.eval("redis.call('SET', KEYS[1], '1'); return redis.call('GET', KEYS[2])", 2, k.risk('exposure'), k.halt);
      const masters = new Set(await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((p) => cluster.masterFor(k.ticks(p)))));
      expect(masters.size).toBe(3);
    } finally {
      c.disconnect();
    }
  });

  it('runs a BullMQ queue under the braced prefix', async () => {
    const k = keys(cluster.ns);
    const conns = [createRedisClient(cluster.url, 'bullmq'), createRedisClient(cluster.url, 'bullmq')];
    for (const c of conns) c.on('error', () => {});
    const queue = new Queue(k.ordersQueue, { connection: conns[0] as never, prefix: k.bullPrefix });
    const seen: string[] = [];
    const worker = new Worker(
      k.ordersQueue,
      async (job) => {
        seen.push(String(job.id));
      },
      { connection: conns[1] as never, prefix: k.bullPrefix },
    );
    try {
      await queue.add('order', { a: 1 }, { jobId: 'intent-a' });
      await queue.add('order', { a: 1 }, { jobId: 'intent-a' });
      await queue.add('order', { a: 2 }, { jobId: 'intent-b' });
      await expect.poll(() => [...seen].sort(), { timeout: 20_000 }).toEqual(['intent-a', 'intent-b']);
    } finally {
      await worker.close();
      await queue.close();
      for (const c of conns) c.disconnect();
    }
  });

  it('createRedis refuses a cluster URL with a clear message', () => {
    expect(() => createRedis(cluster.url, 'command')).toThrow(/createRedisClient/);
  });
});

describe('Redis Sentinel', () => {
  let sentinel: TestSentinel;
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 60_000);
  afterAll(async () => {
    await sentinel?.stop();
  });

  it('follows the master through a failover', async () => {
    const c = createRedis(sentinel.url, 'command', { name: 'test' });
    c.on('error', () => {});
    const key = `${sentinel.ns}:x`;
    try {
      await c.set(key, 'before');
      // let the write reach the replica before the master dies
      await expect.poll(async () => c.call('WAIT', '1', '1000'), { timeout: 10_000 }).toBe(1);
      const old = await sentinel.killMaster();
      await expect.poll(async () => sentinel.masterPort(), { timeout: 30_000, interval: 250 }).not.toBe(old);
      await expect
        .poll(async () => c.set(key, 'after').catch(() => 'retry'), { timeout: 30_000, interval: 250 })
        .toBe('OK');
      expect(await c.get(key)).toBe('after');
    } finally {
      c.disconnect();
    }
  }, 90_000);
});
