// The dashboard on a Redis Cluster: the namespace's streams live in different slots, so the tail reads each
// slot's streams with its own XREAD; entries from every partition still reach the page, and the status
// (leases, queue counts, halt switch) is read through the same cluster client.

import { FeedEventContract, keys } from '@polybot/shared';
import { startRedisCluster, type TestCluster } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardFixture, dashboardFixture, tickArgs } from './support/fixture.js';

let cluster: TestCluster;
let fx: DashboardFixture;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  fx = await dashboardFixture(cluster.url, { 'index.html': '<!doctype html><title>polybot</title>' });
}, 120_000);

afterAll(async () => {
  await fx?.close();
  await cluster?.stop();
});

describe('dashboard on Redis Cluster', () => {
  it('streams entries of every partition and the status to the page', async () => {
    const ns = cluster.ns;
    const k = keys(ns);
    const partitions = 4;
    // the tick partitions really are spread over several masters
    const masters = new Set(await Promise.all([0, 1, 2, 3].map((p) => cluster.masterFor(k.ticks(p)))));
    expect(masters.size).toBeGreaterThan(1);

    const { d: dashboard, base, blocking } = await fx.start({ ns, partitions, cluster: true });
    // one reader per stream: 4 partitions + feed, intents, orders, dead
    expect(blocking()).toBe(partitions + 4);

    const ac = new AbortController();
    const res = await fetch(`${base}/api/events`, { signal: ac.signal });
    const reader = res.body?.getReader();
    expect(reader).toBeDefined();
    await expect.poll(() => dashboard.hub.size, { timeout: 10_000 }).toBe(1);

    const writer = fx.client('command', 'writer');
    const markets = [0, 1, 2, 3].map((i) => `0x${String(i).repeat(64)}`);
    for (const [i, m] of markets.entries()) await writer.xadd(k.ticks(i), '*', ...tickArgs(m, 100_000 * (i + 1)));
    await writer.xadd(
      k.feed,
      '*',
      ...FeedEventContract.toArgs({ event: 'connected', conn_id: 7, conn_epoch: 1, ts_ms: Date.now() }),
    );
    await writer.set(k.halt, JSON.stringify({ reason: 'cluster test', at: new Date().toISOString() }));

    let text = '';
    const dec = new TextDecoder();
    const done = () =>
      markets.every((m) => text.includes(`"m":"${m}"`)) && text.includes('"conn":7') && text.includes('"halted":true');
    const deadline = Date.now() + 20_000;
    while (!done() && Date.now() < deadline && reader) {
      const { value, done: end } = await reader.read();
      if (end) break;
      text += dec.decode(value, { stream: true });
    }
    ac.abort();
    expect(markets.filter((m) => !text.includes(`"m":"${m}"`))).toEqual([]);
    expect(text).toContain('"conn":7');
    expect(text).toContain('"haltReason":"cluster test"');
  });
});
