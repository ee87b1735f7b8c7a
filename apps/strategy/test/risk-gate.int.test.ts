// The risk gate on a real Redis: the Lua script agrees with the pure rules (risk-rules.ts) verdict for
// verdict on a long mixed sequence, it is idempotent per intent id, and through a running worker halt,
// stale, untrusted-after-gap and cooldown each block what they should.

import { keys, ManualClock } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import {
  commitReservation,
  commitRisk,
  emptyRiskState,
  evaluateRisk,
  type RiskLimits,
  type RiskRequest,
  releaseReservation,
  releaseRisk,
  riskLedgerKeys,
} from '@polybot/strategy-kit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRiskGate, type StrategyWorker } from '../src/index.js';
import { drained, makeWorker, market, OPEN_LIMITS, readIntents, T0, writeGap, writeTicks } from './helpers.js';

let redis: TestRedis;
const workers: StrategyWorker[] = [];
beforeEach(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await redis.stop();
});

const LIMITS: RiskLimits = {
  staleMs: 2000,
  maxPosition: 6_000_000,
  maxExposure: 6_000_000,
  cooldownMs: 700,
  ordersPerMinute: 40,
};

describe('risk gate script', () => {
  it('matches the pure rules verdict for verdict, ledger included, and never reserves twice', async () => {
    const c = redis.client();
    const gate = createRiskGate(c, redis.ns, LIMITS);
    const pure = emptyRiskState();
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const markets = [market(1), market(2), market(3)];
    const reserved: string[] = [];
    let now = T0;
    const reasons = new Set<string>();
    for (let i = 0; i < 600; i++) {
      now += rnd(400);
      if (i === 200) await c.set(keys(redis.ns).halt, '1');
      if (i === 220) await c.del(keys(redis.ns).halt);
      pure.halted = i >= 200 && i < 220;
      const roll = rnd(10);
      if (roll === 0 && reserved.length > 0) {
        const id = reserved.splice(rnd(reserved.length), 1)[0] as string;
        const qty = rnd(2) * 5_000_000;
        expect(await commitReservation(c, redis.ns, id, qty, 300_000)).toEqual(commitRisk(pure, id, qty, 300_000));
        continue;
      }
      if (roll === 1 && reserved.length > 0) {
        const id = reserved.splice(rnd(reserved.length), 1)[0] as string;
        expect(await releaseReservation(c, redis.ns, id)).toEqual(releaseRisk(pure, id));
        continue;
      }
      // Some ids repeat: a re-run must return the first verdict and change nothing.
      const id = roll === 2 && i > 10 ? `i${i - 1 - rnd(10)}` : `i${i}`;
      const r: RiskRequest = {
        intentId: id,
        marketId: markets[rnd(3)] as string,
        side: rnd(3) === 0 ? 'SELL' : 'BUY',
        outcome: rnd(4) === 0 ? 'No' : 'Yes',
        quantity: (1 + rnd(6)) * 1_000_000,
        refPrice: 100_000 + rnd(800) * 1000,
        emitTsMs: now - rnd(2600),
        tradable: rnd(30) !== 0,
        untrusted: rnd(25) === 0,
      };
      const expected = evaluateRisk(r, pure, LIMITS, now);
      const [got] = await gate.decide([r], now);
      const { logged: _l, ...verdict } = got as NonNullable<typeof got>;
      expect(verdict, `request ${i}`).toEqual(expected);
      if (expected.ok && !expected.replayed) reserved.push(id);
      if (!expected.ok) reasons.add(expected.reason);
      if (expected.ok) reasons.add('ok');
    }
    // The sequence exercised every rule.
    expect([...reasons].sort()).toEqual(
      [
        'ok',
        'halted',
        'not_tradable',
        'stale',
        'untrusted',
        'cooldown',
        'budget',
        'position_cap',
        'exposure_cap',
        'no_position',
      ].sort(),
    );
    const k = riskLedgerKeys(redis.ns);
    expect(Number((await c.get(k.gross)) ?? 0)).toBe(pure.gross);
    for (const m of markets) {
      expect(Number((await c.hget(k.marketPosition, m)) ?? 0)).toBe(pure.marketPosition.get(m) ?? 0);
      for (const o of ['Yes', 'No']) {
        const f = `${m}|${o}`;
        expect(Number((await c.hget(k.pendingBuy, f)) ?? 0)).toBe(pure.pendingBuy.get(f) ?? 0);
        expect(Number((await c.hget(k.pendingSell, f)) ?? 0)).toBe(pure.pendingSell.get(f) ?? 0);
        expect(Number((await c.hget(k.held, f)) ?? 0)).toBe(pure.held.get(f) ?? 0);
      }
    }
  });

  it('guarantee 5: two connections racing on the same cap never exceed it together', async () => {
    const limits = { ...OPEN_LIMITS, maxExposure: 15_000_000 };
    const conns = [new Redis(redis.url), new Redis(redis.url)];
    try {
      const gates = conns.map((cn) => createRiskGate(cn, redis.ns, limits));
      const batch = (g: number) =>
        Array.from({ length: 50 }, (_, i) => ({
          intentId: `g${g}-${i}`,
          marketId: market(i + 1),
          side: 'BUY' as const,
          outcome: 'Yes',
          quantity: 5_000_000,
          refPrice: 300_000,
          emitTsMs: T0,
          tradable: true,
          untrusted: false,
        }));
      const [a, b] = await Promise.all(gates.map((g, i) => g.decide(batch(i), T0)));
      const passed = [...(a ?? []), ...(b ?? [])].filter((v) => v.ok).length;
      // 1.5 USD per buy, 15 USD cap: exactly 10 pass across both.
      expect(passed).toBe(10);
      expect(Number(await redis.client().get(riskLedgerKeys(redis.ns).gross))).toBe(15_000_000);
    } finally {
      for (const cn of conns) cn.disconnect();
    }
  });
});

describe('risk gate in a running worker', () => {
  it('halt, stale, untrusted-after-gap and cooldown each block what they should', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    const clock = new ManualClock(T0 + 100);
    const registry = new Registry();
    const w = makeWorker(redis, {
      clock,
      registry,
      limits: { ...OPEN_LIMITS, staleMs: 2000, cooldownMs: 1000 },
    });
    workers.push(w);
    await w.start();
    const blocks = async () => {
      const out: Record<string, number> = {};
      for (const v of (await registry.getSingleMetric('polybot_strategy_blocks_total')?.get())?.values ?? []) {
        out[String(v.labels.reason)] = v.value;
      }
      return out;
    };
    const settle = () =>
      vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 20 });

    // Halt: nothing passes while the switch is on.
    await c.set(k.halt, '{"reason":"test"}');
    await writeTicks(c, k, 4, [{ market: market(1), yes: 300_000, emit: T0 }]);
    await settle();
    expect(await blocks()).toEqual({ halted: 1 });
    await c.del(k.halt);

    // Stale: emitted 5.1 s before "now" (limit 2 s).
    await writeTicks(c, k, 4, [{ market: market(2), yes: 300_000, emit: T0 - 5000 }]);
    await settle();
    expect((await blocks()).stale).toBe(1);

    // Cooldown per market and side: the second buy within 1 s is blocked, the one after it passes.
    await writeTicks(c, k, 4, [
      { market: market(3), yes: 300_000, emit: T0 + 1 },
      { market: market(3), yes: 310_000, emit: T0 + 2 },
    ]);
    await settle();
    expect((await blocks()).cooldown).toBe(1);
    clock.advance(1000);
    await writeTicks(c, k, 4, [{ market: market(3), yes: 320_000, emit: T0 + 1000 }]);
    await settle();

    // Untrusted after a gap, until a tick emitted after the gap arrives.
    const m4 = market(4);
    await writeTicks(c, k, 4, [{ market: m4, yes: 300_000, emit: T0 + 900 }]);
    await settle();
    clock.advance(1000);
    await writeGap(c, k, 4, m4, T0 + 950);
    await writeTicks(c, k, 4, [
      { market: m4, yes: 310_000, emit: T0 + 940 },
      { market: m4, yes: 320_000, emit: T0 + 960 },
    ]);
    await settle();
    expect(await blocks()).toEqual({ halted: 1, stale: 1, cooldown: 1, untrusted: 1 });

    const passed = (await readIntents(c, k)).map((i) => [i.market_id, i.t_emit]);
    expect(passed).toEqual([
      [market(3), T0 + 1],
      [market(3), T0 + 1000],
      [m4, T0 + 900],
      [m4, T0 + 960],
    ]);
  });

  it('in a replay namespace (clock=recording) the stale guard uses the recorded receive time', async () => {
    const k = keys(redis.ns);
    const c = redis.client();
    await c.hset(k.meta, 'clock', 'recording');
    const registry = new Registry();
    // The wall clock is an hour past the recording: live, every tick would be stale.
    const w = makeWorker(redis, {
      clock: new ManualClock(T0 + 3_600_000),
      registry,
      limits: { ...OPEN_LIMITS, staleMs: 2000 },
    });
    workers.push(w);
    await w.start();
    await writeTicks(c, k, 4, [
      { market: market(1), yes: 300_000, emit: T0, recv: T0 + 20 },
      { market: market(2), yes: 300_000, emit: T0, recv: T0 + 5000 },
    ]);
    await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 20 });
    expect((await readIntents(c, k)).map((i) => i.market_id)).toEqual([market(1)]);
    const blocked = (await registry.getSingleMetric('polybot_strategy_blocks_total')?.get())?.values ?? [];
    expect(blocked.map((v) => [v.labels.reason, v.value])).toEqual([['stale', 1]]);
  });
});
