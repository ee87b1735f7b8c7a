// A master failover on a real Redis Cluster (3 masters, 1 replica each) in the middle of trading: the master
// that holds the order queue (and the tick partitions in its slots) is killed with SIGKILL, its replica is
// promoted, and the whole pipeline follows the new slot map by itself. The chaos invariants hold: no
// duplicate order in the venue's ledger (G2), exactly one terminal event per intent in {ns}:orders (G3).

import { keys, partition } from '@polybot/shared';
import { startRedisCluster, type TestCluster } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossSlotLines, PARTITIONS, startTopologyStack, type TopologyStack, terminalsOf } from './stack.js';

let cluster: TestCluster;
let stack: TopologyStack | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await cluster?.stop();
}, 60_000);

async function ackedIds(s: TopologyStack): Promise<Set<string>> {
  return new Set((await s.orderEvents()).filter((e) => e.event === 'acked').map((e) => e.intent_id));
}

describe('full pipeline on Redis Cluster, master failover', () => {
  it('G2+G3 across a cluster failover of the queue’s master: the pipeline goes on, no duplicate, one terminal each', async () => {
    // A namespace whose queue shares its master with the partition of a streamed market: that master is the
    // victim, so the failover hits the queue and a live tick partition at once.
    let victim = 0;
    let partitionsOnVictim: number[] = [];
    const pick = async (markets: readonly string[]) => {
      const used = [...new Set(markets.map((m) => partition(m, PARTITIONS)))];
      for (let i = 0; ; i++) {
        const candidate = `${cluster.ns}${i}`;
        const kk = keys(candidate);
        victim = await cluster.masterFor(`${kk.bullPrefix}:${kk.ordersQueue}:meta`);
        partitionsOnVictim = [];
        for (const p of used) if ((await cluster.masterFor(kk.ticks(p))) === victim) partitionsOnVictim.push(p);
        if (partitionsOnVictim.length > 0) return candidate;
      }
    };
    const s = await startTopologyStack(cluster.url, pick);
    stack = s;
    const ns = s.ns;
    const k = keys(ns);
    const queueKey = `${k.bullPrefix}:${k.ordersQueue}:meta`;
    await expect.poll(async () => (await ackedIds(s)).size, { timeout: 60_000, interval: 250 }).toBeGreaterThan(2);

    // startRedisCluster returned only once every replica was online and in sync, so the victim's replica may
    // take over at once (a replica still in its initial sync may not: cluster-replica-validity-factor).
    await cluster.killNode(victim);
    await expect.poll(() => cluster.masterFor(queueKey), { timeout: 30_000, interval: 250 }).not.toBe(victim);

    // It goes on by itself: new acks after the failover.
    let before = new Set<string>();
    await expect
      .poll(
        async () => {
          before = await ackedIds(s);
          return before.size;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBeGreaterThan(0);
    await expect
      .poll(async () => [...(await ackedIds(s))].filter((id) => !before.has(id)).length, {
        timeout: 60_000,
        interval: 250,
      })
      .toBeGreaterThan(2);
    // Partitions that lived on the dead master stream again.
    for (const p of partitionsOnVictim) {
      const len = await s.redis.xlen(k.ticks(p));
      await expect.poll(() => s.redis.xlen(k.ticks(p)), { timeout: 30_000, interval: 250 }).toBeGreaterThan(len);
    }
    await expect.poll(() => s.ingestor.lifecycle.state, { timeout: 30_000, interval: 250 }).toBe('running');
    for (const w of s.workers) {
      await expect.poll(() => w.lifecycle.state, { timeout: 30_000, interval: 250 }).toBe('running');
    }
    expect(s.executor.lifecycle.state).toBe('running');
    await s.stopFeed();

    // Settled: every intent terminal, and no new intent between two reads (the workers may still drain the
    // ticks written before the feed stopped). The checks below use that same snapshot.
    let intents: Awaited<ReturnType<typeof s.intents>> = [];
    let events: Awaited<ReturnType<typeof s.orderEvents>> = [];
    let lastCount = -1;
    await expect
      .poll(
        async () => {
          [intents, events] = await Promise.all([s.intents(), s.orderEvents()]);
          const open = intents.filter((i) => terminalsOf(events, i.intent_id).length === 0).map((i) => i.intent_id);
          const stable = intents.length === lastCount;
          lastCount = intents.length;
          return open.length === 0 && stable ? 'settled' : `${open.length} open of ${intents.length}`;
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toBe('settled');
    for (const i of intents) expect(terminalsOf(events, i.intent_id)).toHaveLength(1);
    const perId = new Map<string, number>();
    for (const o of s.sim.ledger()) {
      perId.set(String(o.client_order_id), (perId.get(String(o.client_order_id)) ?? 0) + 1);
    }
    expect([...perId.values()].filter((n) => n > 1)).toEqual([]);
    for (const i of intents) {
      if (terminalsOf(events, i.intent_id)[0]?.event === 'acked') expect(perId.get(i.intent_id)).toBe(1);
    }
    expect(crossSlotLines(s.lines)).toEqual([]);
  }, 300_000);
});
