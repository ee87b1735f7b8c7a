// Guarantees 2 and 6 across a Redis crash: the server is killed (SIGKILL) and restarted from its AOF while a
// worker is consuming. The worker does not crash; once Redis is back it resumes from the pending list, and
// every tick ends as exactly one job.

import { keys } from '@polybot/shared';
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
