// Guarantees 1 and 2 with real processes: three strategy workers (their built dist/main.js) consume a
// deterministic stream of 50k ticks, and one of them is SIGKILLed while it holds unacked entries. Every tick
// is processed, and the intents, the order jobs and the per-tick counts are exactly those of a single worker
// process on the same stream in a namespace of its own.

import { intentIdWithoutNs, type Keys, keys, readTallies, sumTallies } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { drained, jobIds, market, ordersQueue, readIntents, T0, writeTicks } from '../../apps/strategy/test/helpers.js';
import { type Stack, startStack } from '../chaos/stack.js';
import { buildWorkspace } from '../support/build.js';

const P = 6;
const MARKETS = 100;
const PER_MARKET = 500;
const CHUNKS = 20;

/** Prices spread over 0.40–0.60 by an LCG; the buy-only threshold at 0.42 orders on about one tick in ten. */
function ticks() {
  const out: { market: string; yes: number; emit: number }[] = [];
  let x = 11;
  for (let i = 0; i < PER_MARKET; i++) {
    for (let m = 1; m <= MARKETS; m++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      out.push({ market: market(m), yes: 400_000 + (x % 200) * 1000, emit: T0 + i * 10 });
    }
  }
  return out;
}

// Open limits: a test of flow, not of risk. The namespace runs on the recording's clock, so the stale guard
// and the budget window see the ticks' own times.
const ENV = {
  POLYBOT_PARTITIONS: String(P),
  LEASE_TTL_MS: '2000',
  STRATEGY: 'threshold',
  STRATEGY_PARAMS: JSON.stringify({ low: '0.42', high: '0.9', sell: false }),
  RISK_MAX_POSITION: '1000000000',
  RISK_MAX_EXPOSURE: '1000000000',
  RISK_COOLDOWN_MS: '0',
  RISK_ORDERS_PER_MIN: '1000000000',
  LOG_LEVEL: 'warn',
};

interface Outcome {
  intents: string[];
  intentEntries: number;
  jobs: string[];
  tally: ReturnType<typeof sumTallies>;
  perPartition: [number, number][];
}

async function outcome(c: Redis, url: string, k: Keys): Promise<Outcome> {
  const intents = await readIntents(c, k);
  const tallies = await readTallies(c, k, P);
  const q = ordersQueue(url, k);
  try {
    return {
      intents: [...new Set(intents.map((i) => intentIdWithoutNs(i.intent_id)))].sort(),
      intentEntries: intents.length,
      jobs: (await jobIds(q)).map(intentIdWithoutNs).sort(),
      tally: sumTallies(tallies),
      perPartition: tallies.map((t) => [t.accounted, t.entriesAdded]),
    };
  } finally {
    await q.close();
  }
}

/** Entries delivered to the worker process `pid` (consumer `w-<pid>-…`) and not yet acked. */
async function pendingOf(c: Redis, k: Keys, pid: number): Promise<number> {
  let n = 0;
  for (let p = 0; p < P; p++) {
    const summary = (await c.xpending(k.ticks(p), k.strategyGroup).catch(() => [0, null, null, null])) as unknown[];
    const consumers = (summary[3] ?? []) as [string, string][];
    for (const [name, count] of consumers) if (name.startsWith(`w-${pid}-`)) n += Number(count);
  }
  return n;
}

describe('strategy workers as processes, one SIGKILLed mid-stream', () => {
  let redis: TestRedis;
  const stacks: Stack[] = [];
  beforeAll(async () => {
    await buildWorkspace();
    redis = await startRedis({ own: true });
  }, 600_000);
  afterAll(async () => {
    for (const s of stacks) await s.stopAll();
    await redis?.stop();
  });

  async function run(ns: string, workers: number, kill: boolean): Promise<Outcome> {
    const k = keys(ns);
    const c = redis.client();
    await c.hset(k.meta, 'clock', 'recording');
    const stack = await startStack({
      redisUrl: redis.url,
      ns,
      apiKey: 'ps_test_unused',
      simSeed: 1,
      ingestors: 0,
      strategies: workers,
      executors: 0,
      env: ENV,
    });
    stacks.push(stack);
    const all = ticks();
    const size = all.length / CHUNKS;
    for (let i = 0; i < CHUNKS; i++) {
      await writeTicks(c, k, P, all.slice(i * size, (i + 1) * size));
      if (kill && i === CHUNKS / 2) {
        // SIGKILL while entries are delivered and not yet acked: the victim's pending entries must be
        // claimed by the survivors, decided again into the same intent ids, and counted once.
        const pid = stack.pid('strategy-2') ?? -1;
        await vi.waitFor(async () => expect(await pendingOf(c, k, pid)).toBeGreaterThan(0), {
          timeout: 20_000,
          interval: 2,
        });
        await stack.kill('strategy-2');
      }
    }
    await vi.waitFor(async () => expect(await drained(c, k, P)).toBe(true), { timeout: 240_000, interval: 250 });
    const result = await outcome(c, redis.url, k);
    await stack.stopAll();
    expect(stack.exits.filter((e) => e.cause === 'unexpected')).toEqual([]);
    expect(stack.exits.filter((e) => e.cause === 'stop' && e.code !== 0)).toEqual([]);
    return result;
  }

  it('loses no tick, duplicates no job, and decides exactly what one worker decides', async () => {
    const reference = await run('kill9ref', 1, false);
    expect(reference.tally.entriesAdded).toBe(MARKETS * PER_MARKET);
    expect(reference.intents.length).toBeGreaterThan(MARKETS * PER_MARKET * 0.05);
    expect(reference.jobs).toEqual(reference.intents);

    const killed = await run('kill9', 3, true);
    expect(killed.tally.entriesAdded).toBe(MARKETS * PER_MARKET);
    for (const [accounted, added] of killed.perPartition) expect(accounted).toBe(added);
    expect(killed.intents).toEqual(reference.intents);
    expect(killed.intentEntries).toBe(killed.intents.length);
    expect(killed.jobs).toEqual(reference.intents);
    expect(killed.tally.entries).toEqual(reference.tally.entries);
    expect(killed.tally.decisions).toEqual(reference.tally.decisions);
  }, 600_000);
});
