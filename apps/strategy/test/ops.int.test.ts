// The worker behind the shared ops server, wired as main.ts wires it: /readyz turns ready once the worker
// runs and not before; /metrics carries the worker's counters; close() makes it unready again.

import { keys, startOpsServer } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StrategyWorker } from '../src/index.js';
import { drained, makeWorker, market, T0, writeTicks } from './helpers.js';

let redis: TestRedis;
const workers: StrategyWorker[] = [];
beforeEach(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await redis.stop();
});

describe('ops endpoints', () => {
  it('readyz follows the worker lifecycle and metrics count entries, intents and lease changes', async () => {
    const registry = new Registry();
    const w = makeWorker(redis, { registry });
    workers.push(w);
    const ops = await startOpsServer({ port: 0, registry, components: () => [w.lifecycle] });
    try {
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(503);
      await w.start();
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
      const k = keys(redis.ns);
      const c = redis.client();
      await writeTicks(c, k, 4, [
        { market: market(1), yes: 300_000, emit: T0 },
        { market: market(2), yes: 700_000, emit: T0 },
      ]);
      await vi.waitFor(async () => expect(await drained(c, k, 4)).toBe(true), { timeout: 10_000, interval: 20 });
      const body = await (await fetch(`${ops.url}/metrics`)).text();
      const total = (name: string) =>
        body
          .split('\n')
          .filter((l) => l.startsWith(name))
          .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
      expect(total('polybot_strategy_entries_total')).toBe(2);
      expect(total('polybot_strategy_intents_total')).toBe(1);
      expect(total('polybot_strategy_lease_changes_total{change="acquired"}')).toBe(4);
      expect(total('polybot_strategy_partitions_owned')).toBe(4);
      await w.close();
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(503);
      expect(await c.zscore(k.workers, w.id)).toBeNull();
    } finally {
      await ops.close();
    }
  });
});
