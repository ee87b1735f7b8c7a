// Guarantee 2 on a Redis Cluster: a strategy worker's blocked read whose reply is lost when its node
// connection drops. The Cluster client reconnects that one node and sends the read again; Redis may have
// delivered entries to the first one (they pend for the worker's consumer), so the worker must take its
// pending list first, in stream order, before anything newer.

import { createRedisClient, type Intent, IntentContract, keys, parseEntries, partition } from '@polybot/shared';
import { startRedisCluster, type TestCluster } from '@polybot/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StrategyWorker } from '../../apps/strategy/src/index.js';
import { makeWorker, market, T0, tickArgs } from '../../apps/strategy/test/helpers.js';

const P = 4;
let cluster: TestCluster;
let worker: StrategyWorker | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, aof: false });
}, 90_000);
afterAll(async () => {
  await worker?.close();
  await cluster?.stop();
}, 60_000);

describe('strategy reader on a Redis Cluster', () => {
  it('guarantee 2: entries delivered by a read whose reply was lost on one node are decided first', async () => {
    const ns = `${cluster.ns}sr`;
    const k = keys(ns);
    const c = createRedisClient(cluster.url, 'command');
    worker = makeWorker({ url: cluster.url, ns }, { partitions: P });
    const intents = async (): Promise<Intent[]> =>
      parseEntries(await c.xrange(k.intents, '-', '+')).entries.map((e) => IntentContract.decode(e.fields));
    try {
      await worker.start();
      const m = market(7);
      const p = partition(m, P);
      const stream = k.ticks(p);
      await c.xadd(stream, '*', ...tickArgs({ market: m, yes: 300_000, emit: T0 }));
      await vi.waitFor(async () => expect(await intents()).toHaveLength(1), { timeout: 15_000 });
      const consumer = String(await c.get(k.lease(p))).split('|')[0] as string;
      // Two ticks delivered to the worker's consumer in one step, as the lost reply would have delivered them.
      const tx = c.multi();
      for (const t of [1, 2]) tx.xadd(stream, '*', ...tickArgs({ market: m, yes: 300_000, emit: T0 + t }));
      tx.xreadgroup('GROUP', k.strategyGroup, consumer, 'COUNT', 10, 'STREAMS', stream, '>');
      await tx.exec();
      // Cut the worker's reader connection on the master that holds the partition, while it is blocked.
      const node = new Redis({ port: await cluster.masterFor(stream), lazyConnect: true });
      try {
        await node.connect();
        const list = String(await node.client('LIST'));
        const line = list.split('\n').find((l) => l.includes(`name=polybot:strategy-p${p} `));
        expect(line).toBeDefined();
        await node.client('KILL', 'ID', String(/id=(\d+)/.exec(line ?? '')?.[1]));
      } finally {
        node.disconnect();
      }
      await c.xadd(stream, '*', ...tickArgs({ market: m, yes: 300_000, emit: T0 + 3 }));
      // Every tick decided once, in emit order (the checkpoint never passed the lost ones).
      await vi.waitFor(
        async () =>
          expect((await intents()).filter((i) => i.market_id === m).map((i) => i.t_emit)).toEqual([
            T0,
            T0 + 1,
            T0 + 2,
            T0 + 3,
          ]),
        { timeout: 15_000, interval: 100 },
      );
      expect(worker.lifecycle.state).toBe('running');
    } finally {
      c.disconnect();
    }
  }, 90_000);
});
