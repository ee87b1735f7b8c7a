// The tick → intent pipeline on a real Redis: duplicate ticks give one job (guarantee 2), garbage entries are
// dead-lettered without stopping the partition (guarantee 6), strategy state is checkpointed and resumed on
// takeover, and the risk caps hold across two workers racing (guarantee 5).

import { DeadLetterContract, keys, parseEntries, partition } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { type AnyStrategy, loadStrategy, riskLedgerKeys } from '@polybot/strategy-kit';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StrategyWorker } from '../src/index.js';
import {
  drained,
  jobIds,
  makeWorker,
  market,
  OPEN_LIMITS,
  ordersQueue,
  readIntents,
  T0,
  type TickSpec,
  tickArgs,
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

describe('strategy pipeline', () => {
  it('guarantee 2: the same tick delivered twice gives one job and one intent', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const tick: TickSpec = { market: market(7), yes: 300_000, emit: T0 };
    // Two ingestors both wrote it (or a redelivery): two entries with the same venue identity.
    await writeTicks(c, k, 4, [tick, tick]);
    const w = spawn();
    await w.start();
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 25 });
    // And again later, after another tick of the market: decided again, the same intent id → no new job.
    const other: TickSpec = { market: market(7), yes: 310_000, emit: T0 + 5 };
    await writeTicks(c, k, 4, [other, tick]);
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 25 });
    const q = ordersQueue(redis.url, k);
    try {
      const jobs = await jobIds(q);
      expect(jobs).toHaveLength(2);
      const intents = await readIntents(c, k);
      expect(intents.map((i) => i.intent_id).sort()).toEqual([...jobs].sort());
      expect(intents.map((i) => i.t_emit)).toEqual([T0, T0 + 5]);
      const first = intents[0]?.intent_id as string;
      const job = await q.getJob(first);
      expect(job?.data).toMatchObject({
        intent_id: first,
        side: 'BUY',
        outcome: 'Yes',
        quantity: '5',
        ref_price: '0.3',
      });
    } finally {
      await q.close();
    }
  });

  it('guarantee 6: garbage stream entries are dead-lettered and processing continues', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const m = market(3);
    const stream = k.ticks(partition(m, 4));
    const good = tickArgs({ market: m, yes: 200_000, emit: T0 + 2 });
    await writeTicks(c, k, 4, [{ market: m, yes: 200_000, emit: T0 + 1 }]);
    await c.xadd(stream, '*', 'type', 'weird', 'x', '1');
    await c.xadd(stream, '*', ...good.map((v, i) => (good[i - 1] === 'yes' ? '1.5' : v)));
    await c.xadd(stream, '*', 'garbage', '{{{');
    await writeTicks(c, k, 4, [{ market: m, yes: 200_000, emit: T0 + 2 }]);
    const w = spawn();
    await w.start();
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 25 });
    const dead = parseEntries(await c.xrange(k.dead, '-', '+')).entries.map((e) => DeadLetterContract.decode(e.fields));
    expect(dead).toHaveLength(3);
    expect(dead.every((d) => d.source === 'strategy' && d.origin?.startsWith(stream))).toBe(true);
    expect((await readIntents(c, k)).map((i) => i.t_emit)).toEqual([T0 + 1, T0 + 2]);
    expect(w.lifecycle.state).toBe('running');
  });

  it('guarantee 6: a strategy that throws on one tick has it dead-lettered, and the partition continues', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const { strategy: base, params } = loadStrategy('threshold', { low: '0.5', high: '0.9', sell: false });
    const strategy: AnyStrategy = {
      ...base,
      onTick: (state, tick, ctx) => {
        if (tick.yes === 123_000) throw new Error('strategy bug');
        return base.onTick(state, tick, ctx);
      },
    };
    const m = market(5);
    await writeTicks(c, k, 4, [
      { market: m, yes: 200_000, emit: T0 + 1 },
      { market: m, yes: 123_000, emit: T0 + 2 },
      { market: m, yes: 200_000, emit: T0 + 3 },
    ]);
    const w = spawn({ strategy, params });
    await w.start();
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 25 });
    const dead = parseEntries(await c.xrange(k.dead, '-', '+')).entries.map((e) => DeadLetterContract.decode(e.fields));
    expect(dead.map((d) => [d.kind, d.reason])).toEqual([['StrategyError', 'strategy bug']]);
    expect((await readIntents(c, k)).map((i) => i.t_emit)).toEqual([T0 + 1, T0 + 3]);
  });

  it('checkpoints strategy state, so a takeover resumes it (zscore carries a window across ticks)', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const { strategy, params } = loadStrategy('zscore', { window: 4, entry: '1', exit: '0.5' });
    const m = market(9);
    const prices = [500_000, 510_000, 490_000];
    await writeTicks(
      c,
      k,
      4,
      prices.map((yes, i) => ({ market: m, yes, emit: T0 + i })),
    );
    const a = spawn({ strategy, params });
    await a.start();
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 25 });
    const saved = JSON.parse((await c.hget(k.state(partition(m, 4)), m)) as string);
    expect(saved.slot.state.prices).toEqual(prices);
    await a.close();
    // The window is full only with the old prices: a fresh state would not trade on this tick.
    const b = spawn({ strategy, params });
    await b.start();
    await writeTicks(c, k, 4, [{ market: m, yes: 400_000, emit: T0 + 10 }]);
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 25 });
    const intents = await readIntents(c, k);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ market_id: m, side: 'BUY', strategy: 'zscore', t_emit: T0 + 10 });
  });

  it('guarantee 5: two workers racing on one exposure cap never exceed it together', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    // Each buy is 5 shares × 0.30 = 1.5 USD; the cap of 30 USD admits exactly 20 of the 80 decisions.
    const limits = { ...OPEN_LIMITS, maxExposure: 30_000_000 };
    const ticks: TickSpec[] = [];
    for (let m = 1; m <= 80; m++) ticks.push({ market: market(m), yes: 300_000, emit: T0 });
    const regs = [new Registry(), new Registry()];
    const a = spawn({ partitions: 8, limits, registry: regs[0] as Registry });
    const b = spawn({ partitions: 8, limits, registry: regs[1] as Registry });
    await Promise.all([a.start(), b.start()]);
    await vi.waitFor(() => expect([a.partitions().length, b.partitions().length]).toEqual([4, 4]), {
      timeout: 10_000,
      interval: 20,
    });
    await writeTicks(c, k, 8, ticks);
    await vi.waitFor(async () => expect(await drained(c, k, 8)).toBe(true), { timeout: 10_000, interval: 25 });
    const q = ordersQueue(redis.url, k);
    try {
      expect(await jobIds(q)).toHaveLength(20);
    } finally {
      await q.close();
    }
    expect(Number(await c.get(riskLedgerKeys(redis.ns).gross))).toBe(30_000_000);
    let blocked = 0;
    for (const r of regs) {
      const metric = await r.getSingleMetric('polybot_strategy_blocks_total')?.get();
      for (const v of metric?.values ?? []) if (v.labels.reason === 'exposure_cap') blocked += v.value;
    }
    expect(blocked).toBe(60);
    // Both workers decided (the race was real).
    for (const r of regs) {
      const metric = await r.getSingleMetric('polybot_strategy_decisions_total')?.get();
      expect(metric?.values.reduce((s, v) => s + v.value, 0)).toBeGreaterThan(0);
    }
  });
});
