// Guarantee 8 on the live path: a live run against the simulator (ingestor → streams → strategy worker),
// recorded with `polybot record`, replayed with `polybot replay` into a namespace of its own and decided again
// by a strategy worker, gives exactly the same intents (`polybot diff` finds nothing). The strategy decides
// without reading fills (no executor runs), so its decisions depend on the ticks alone.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, createVenueClient, keys, parseServerFrame, silentLogger, wsUrl } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { createSimulator, type Simulator } from '@polybot/simulator';
import { loadStrategy, type RiskLimits } from '@polybot/strategy-kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runDiff } from '../../apps/cli/src/commands/diff.js';
import { runRecord } from '../../apps/cli/src/commands/record.js';
import { runReplay } from '../../apps/cli/src/commands/replay.js';
import { createIngestor } from '../../apps/ingestor/src/index.js';
import { createStrategyWorker, type StrategyWorker } from '../../apps/strategy/src/index.js';

const P = 4;
const LIMITS: RiskLimits = {
  staleMs: 600_000,
  maxPosition: 1e15,
  maxExposure: 1e15,
  cooldownMs: 0,
  ordersPerMinute: 1_000_000_000,
};

let r: TestRedis;
let sim: Simulator;
let c: Redis;

beforeAll(async () => {
  r = await startRedis();
  sim = await createSimulator({ seed: 9, markets: 6, tickMs: 15, limits: false });
  c = createRedis(r.url, 'command');
});
afterAll(async () => {
  c?.disconnect();
  await sim?.close();
  await r?.stop();
});

function worker(ns: string): StrategyWorker {
  const { strategy, params } = loadStrategy('every-nth', { n: 3, size: '5' });
  return createStrategyWorker({ redisUrl: r.url, ns, partitions: P, strategy, params, limits: LIMITS, blockMs: 100 });
}

/** Every entry of every partition read and acked by the strategy group. */
async function drained(ns: string): Promise<boolean> {
  const k = keys(ns);
  for (let p = 0; p < P; p++) {
    if ((await c.xlen(k.ticks(p))) === 0) continue;
    const groups = (await c.xinfo('GROUPS', k.ticks(p)).catch(() => [])) as unknown[][];
    const g = groups.find((x) => x[1] === k.strategyGroup);
    if (!g) return false;
    const rec: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) rec[String(g[i])] = g[i + 1];
    if (Number(rec.pending) !== 0 || Number(rec.lag) !== 0) return false;
  }
  return true;
}

describe('live run → record → replay → diff', () => {
  it('guarantee 8: the replay of a live run’s recording decides exactly the live intents', async () => {
    const live = `${r.ns}live`;
    const venue = createVenueClient({ baseUrl: sim.baseUrl, apiKey: sim.devApiKey, timeoutMs: 5000, connections: 2 });
    const ingestor = createIngestor({
      options: { ns: live, partitions: P, markets: 'auto:6' },
      venue,
      wsUrl: (t) => wsUrl(sim.baseUrl, '/v1/ws/prices', t),
      parseFrame: parseServerFrame,
      redis: { url: r.url },
      logger: silentLogger(),
    });
    const w1 = worker(live);
    await ingestor.start();
    await w1.start();
    await vi.waitFor(async () => expect(await c.xlen(keys(live).intents)).toBeGreaterThan(40), { timeout: 30_000 });
    // The feed stops (its shutdown gaps go into the streams too); the worker decides what is left.
    await ingestor.close();
    await venue.close();
    await vi.waitFor(async () => expect(await drained(live)).toBe(true), { timeout: 30_000 });
    await w1.close();

    const dir = await mkdtemp(join(tmpdir(), 'polybot-live-replay-'));
    const file = join(dir, 'live.jsonl.gz');
    const rec = await runRecord({
      redisUrl: r.url,
      ns: live,
      partitions: P,
      out: file,
      follow: false,
      tty: false,
      write: () => {},
      producer: 'live-replay.int.test',
    });
    expect(rec.ticks).toBeGreaterThan(100);

    const replay = `${r.ns}replay`;
    await runReplay({
      redisUrl: r.url,
      file,
      speed: 'max',
      ns: replay,
      partitions: P,
      streamMaxlen: 1_000_000,
      tty: false,
      write: () => {},
    });
    const w2 = worker(replay);
    await w2.start();
    await vi.waitFor(async () => expect(await drained(replay)).toBe(true), { timeout: 30_000 });
    await w2.close();

    const d = await runDiff(r.url, live, replay);
    expect(d.trimmed).toEqual([]);
    expect(await c.xlen(keys(replay).intents)).toBe(await c.xlen(keys(live).intents));
    expect({ missing: d.missing, extra: d.extra, differing: d.differing }).toEqual({
      missing: [],
      extra: [],
      differing: [],
    });
  }, 120_000);
});
