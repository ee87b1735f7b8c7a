// Guarantees 2 and 6 across a Redis crash: the server is killed (SIGKILL) and restarted from its AOF while a
// worker is consuming. The worker does not crash; once Redis is back it resumes from the pending list, and
// every tick ends as exactly one job.

import { keys, partition } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StrategyWorker } from '../src/index.js';
import {
  drained,
  jobIds,
  makeWorker,
  market,
  ordersQueue,
  readIntents,
  T0,
  type TickSpec,
  tickArgs,
  writeTicks,
} from './helpers.js';

let redis: TestRedis | undefined;
const workers: StrategyWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await redis?.stop();
});

describe('redis restart', () => {
  it('guarantee 2: a Redis crash and AOF restart mid-stream loses no tick and duplicates no job', async () => {
    redis = await startRedis({ own: true, aof: true });
    const k = keys(redis.ns);
    const c = redis.client();
    const w = makeWorker(redis, { batch: 32 });
    workers.push(w);
    await w.start();
    const ticks: TickSpec[] = [];
    for (let i = 0; i < 300; i++)
      for (let m = 1; m <= 10; m++) ticks.push({ market: market(m), yes: 300_000, emit: T0 + i });
    await writeTicks(c, k, 4, ticks.slice(0, 1500));
    await vi.waitFor(async () => expect((await readIntents(c, k)).length).toBeGreaterThan(100), {
      timeout: 20_000,
      interval: 10,
    });
    await redis.restart({ downMs: 300 });
    await writeTicks(c, k, 4, ticks.slice(1500));
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 45_000, interval: 50 });
    const q = ordersQueue(redis.url, k);
    try {
      const jobs = await jobIds(q);
      expect(jobs).toHaveLength(ticks.length);
      const ids = new Set((await readIntents(c, k)).map((i) => i.intent_id));
      expect(ids).toEqual(new Set(jobs));
    } finally {
      await q.close();
    }
    expect(w.lifecycle.state).toBe('running');
  }, 120_000);

  it('guarantee 2: entries delivered by a read whose reply was lost are decided first, before newer ones', async () => {
    // The crash case, made deterministic: Redis hands entries to this worker's consumer but the reply never
    // reaches it (here: another connection reads them under the worker's consumer name), and the worker's own
    // blocked read is cut and sent again by ioredis. The worker must take them from its pending list, in
    // stream order, before anything newer.
    redis = await startRedis({ own: true });
    const k = keys(redis.ns);
    const c = redis.client();
    const w = makeWorker(redis);
    workers.push(w);
    await w.start();
    const m = market(7);
    const p = partition(m, 4);
    await writeTicks(c, k, 4, [{ market: m, yes: 300_000, emit: T0 }]);
    await vi.waitFor(async () => expect(await readIntents(c, k)).toHaveLength(1), { timeout: 10_000 });
    const consumer = String(await c.get(k.lease(p))).split('|')[0] as string;
    // Two ticks delivered to the worker's consumer in one step, as the lost reply would have delivered them.
    const tx = c.multi();
    for (const t of [1, 2]) tx.xadd(k.ticks(p), '*', ...tickArgs({ market: m, yes: 300_000, emit: T0 + t }));
    tx.xreadgroup('GROUP', k.strategyGroup, consumer, 'COUNT', 10, 'STREAMS', k.ticks(p), '>');
    await tx.exec();
    // Cut the worker's reader for that partition while it is blocked: ioredis reconnects and resends its read.
    const list = String(await c.client('LIST'));
    const line = list.split('\n').find((l) => l.includes(`name=polybot:strategy-p${p} `));
    expect(line).toBeDefined();
    const id = /id=(\d+)/.exec(line ?? '')?.[1];
    await c.client('KILL', 'ID', String(id));
    await writeTicks(c, k, 4, [{ market: m, yes: 300_000, emit: T0 + 3 }]);
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 15_000, interval: 50 });
    // Every tick decided once, in emit order (the checkpoint never passed the lost ones).
    const intents = (await readIntents(c, k)).filter((i) => i.market_id === m);
    expect(intents.map((i) => i.t_emit)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3]);
    expect(w.lifecycle.state).toBe('running');
  }, 60_000);

  it('guarantee 6: a worker started while Redis is down waits for it instead of exiting', async () => {
    // Regression (chaos suite, seeds 1 and 3): start() failed on its first Redis read and the process exited 1.
    redis = await startRedis({ own: true, aof: true });
    const k = keys(redis.ns);
    await redis.kill();
    const w = makeWorker(redis);
    workers.push(w);
    let started = false;
    const starting = w.start().then(() => {
      started = true;
    });
    // The outage lasts 2 s: longer than a command's own retries (maxRetriesPerRequest) take to give up.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(started).toBe(false);
    await redis.start();
    await starting;
    expect(started).toBe(true);
    expect(w.lifecycle.state).toBe('running');
    const c = redis.client();
    await writeTicks(c, k, 4, [{ market: market(1), yes: 300_000, emit: T0 }]);
    await vi.waitFor(async () => expect(await readIntents(c, k)).toHaveLength(1), { timeout: 15_000 });
  });

  it('guarantee 6: a worker whose first heartbeat fails after Redis answered retries instead of exiting', async () => {
    // Regression (20-minute chaos run, seed 1701): Redis went down between the start-up's first read and the
    // first lease heartbeat; only the first read was retried, so the heartbeat's error ended the process.
    // A wrong-typed registry key makes the heartbeat fail deterministically while every other read works.
    redis = await startRedis({ own: true });
    const k = keys(redis.ns);
    const c = redis.client();
    await c.set(k.workers, 'not a sorted set');
    const w = makeWorker(redis);
    workers.push(w);
    let started = false;
    const starting = w.start().then(() => {
      started = true;
    });
    await vi.waitFor(async () => expect(await c.get(k.workers)).toBe('not a sorted set'), { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(started).toBe(false);
    await c.del(k.workers);
    await starting;
    expect(w.lifecycle.state).toBe('running');
    await writeTicks(c, k, 4, [{ market: market(1), yes: 300_000, emit: T0 }]);
    await vi.waitFor(async () => expect(await readIntents(c, k)).toHaveLength(1), { timeout: 15_000 });
  });
});
