// Partition ownership on a real Redis: even split, takeover of a killed worker's pending entries
// (guarantee 1), and rebalancing when workers join and leave mid-stream without a gap or a double decision.

import { keys } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StrategyWorker } from '../src/index.js';
import {
  drained,
  jobIds,
  makeWorker,
  market,
  ordersQueue,
  readIntents,
  T0,
  TEST_TTL_MS,
  type TickSpec,
  writeTicks,
} from './helpers.js';

let redis: TestRedis;
const workers: StrategyWorker[] = [];

beforeEach(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await redis.stop();
});

function spawn(over: Parameters<typeof makeWorker>[1] = {}): StrategyWorker {
  const w = makeWorker(redis, over);
  workers.push(w);
  return w;
}

/** n ticks per market over `markets` markets, all buys (yes < 0.5), interleaved across markets. */
function buyTicks(markets: number, perMarket: number, from = 0): TickSpec[] {
  const out: TickSpec[] = [];
  for (let i = from; i < from + perMarket; i++) {
    for (let m = 0; m < markets; m++)
      out.push({ market: market(m + 1), yes: 100_000 + (i % 300) * 1000, emit: T0 + i });
  }
  return out;
}

describe('partition ownership', () => {
  it('two workers split the partitions evenly and disjointly', async () => {
    const a = spawn({ partitions: 8 });
    const b = spawn({ partitions: 8 });
    await Promise.all([a.start(), b.start()]);
    await vi.waitFor(
      () => {
        expect(a.partitions()).toHaveLength(4);
        expect(b.partitions()).toHaveLength(4);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect([...a.partitions(), ...b.partitions()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const k = keys(redis.ns);
    const c = redis.client();
    for (const p of a.partitions()) expect(await c.get(k.lease(p))).toMatch(new RegExp(`^${a.id}\\|\\d+$`));
  });

  it('guarantee 1: a killed worker’s partitions and pending entries are taken over within the lease TTL', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const ticks = buyTicks(12, 50);
    // A processes (and enqueues) its first batch, then hangs before the ack: then it is killed there.
    let held = false;
    const a = spawn({
      beforeAck: () => {
        held = true;
        return new Promise<void>(() => {});
      },
    });
    await a.start();
    await vi.waitFor(() => expect(a.partitions()).toHaveLength(4), { timeout: 10_000, interval: 20 });
    await writeTicks(c, k, 4, ticks);
    await vi.waitFor(() => expect(held).toBe(true), { timeout: 10_000, interval: 20 });
    // Read before B starts: B may take some partitions from A by rebalancing before the crash, and those
    // change hands under a new fencing token too.
    const fencesBefore = await Promise.all([0, 1, 2, 3].map((p) => c.get(k.fence(p))));
    const b = spawn();
    await b.start();
    const pendingOfA = (await Promise.all([0, 1, 2, 3].map((p) => c.xpending(k.ticks(p), k.strategyGroup)))) as [
      number,
    ][];
    expect(pendingOfA.reduce((s, x) => s + Number(x[0]), 0)).toBeGreaterThan(0);

    a.crash();
    // Takeover needs the leases to expire (TTL) plus one heartbeat; the bound is loose for a loaded machine.
    await vi.waitFor(() => expect(b.partitions()).toHaveLength(4), { timeout: 10 * TEST_TTL_MS, interval: 20 });
    // Every partition changed hands under a new fencing token.
    const fencesAfter = await Promise.all([0, 1, 2, 3].map((p) => c.get(k.fence(p))));
    for (const [p, f] of fencesAfter.entries()) expect(Number(f)).toBeGreaterThan(Number(fencesBefore[p]));
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 45_000, interval: 50 });

    // Every tick was decided: exactly one job and one intent per tick, no duplicates.
    const intents = await readIntents(c, k);
    const ids = intents.map((i) => i.intent_id);
    expect(new Set(ids).size).toBe(ticks.length);
    const q = ordersQueue(redis.url, k);
    try {
      const jobs = await jobIds(q);
      expect(jobs).toHaveLength(ticks.length);
      expect(new Set(jobs)).toEqual(new Set(ids));
    } finally {
      await q.close();
    }
  }, 120_000);

  it('guarantee 4: workers joining and leaving mid-stream keep per-market order, with no gap or double', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const over = { partitions: 6 };
    const a = spawn(over);
    const b = spawn(over);
    await Promise.all([a.start(), b.start()]);
    const all: TickSpec[] = [];
    const write = async (from: number) => {
      const t = buyTicks(10, 100, from);
      all.push(...t);
      await writeTicks(c, k, 6, t);
    };
    await write(0);
    const cw = spawn(over);
    await cw.start();
    await write(100);
    await vi.waitFor(() => expect(cw.partitions()).toHaveLength(2), { timeout: 10_000, interval: 20 });
    await write(200);
    await a.close();
    await write(300);
    await vi.waitFor(() => expect(b.partitions().length + cw.partitions().length).toBe(6), {
      timeout: 10_000,
      interval: 20,
    });
    await vi.waitFor(async () => expect(await drained(c, k, 6)).toBe(true), { timeout: 45_000, interval: 50 });

    const intents = await readIntents(c, k);
    expect(intents).toHaveLength(all.length);
    expect(new Set(intents.map((i) => i.intent_id)).size).toBe(all.length);
    const byMarket = new Map<string, number[]>();
    for (const i of intents) byMarket.set(i.market_id, [...(byMarket.get(i.market_id) ?? []), i.t_emit]);
    expect(byMarket.size).toBe(10);
    for (const emits of byMarket.values()) {
      expect(emits).toHaveLength(400);
      expect(emits).toEqual([...emits].sort((x, y) => x - y));
    }
  }, 120_000);
});
