// The full pipeline (simulator → ingestor → 2 strategy workers → executor) on a real 3-master Redis Cluster,
// connected by nothing but a `redis+cluster://` URL. Proves: every script, MULTI and pipeline stays in one
// slot (no CROSSSLOT anywhere), tick partitions spread over the masters, and each intent is one venue order
// with exactly one terminal event (G2, G3).

import { keys } from '@polybot/shared';
import { startRedisCluster, type TestCluster } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossSlotLines, PARTITIONS, startTopologyStack, type TopologyStack, terminalsOf } from './stack.js';

let cluster: TestCluster;
let stack: TopologyStack | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 90_000);
afterAll(async () => {
  await stack?.close();
  await cluster?.stop();
}, 60_000);

describe('full pipeline on Redis Cluster', () => {
  it('G2+G3 on a cluster: ticks → intents → one acked venue order per intent, no cross-slot command', async () => {
    const s = await startTopologyStack(cluster.url, cluster.ns);
    stack = s;
    const k = keys(s.ns);

    // Ticks reach partitions that live on different masters.
    await expect
      .poll(
        async () => {
          const filled: number[] = [];
          for (let p = 0; p < PARTITIONS; p++) if ((await s.redis.xlen(k.ticks(p))) > 0) filled.push(p);
          return new Set(await Promise.all(filled.map((p) => cluster.masterFor(k.ticks(p))))).size;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBeGreaterThan(1);
    // Both workers hold partitions (each reads its own with a blocking reader).
    await expect
      .poll(() => s.workers.map((w) => w.partitions().length > 0), { timeout: 20_000, interval: 250 })
      .toEqual([true, true]);

    await expect.poll(async () => (await s.intents()).length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(8);
    await s.stopFeed();

    // Every intent ends with exactly one terminal event.
    await expect
      .poll(
        async () => {
          const [intents, events] = await Promise.all([s.intents(), s.orderEvents()]);
          return intents.filter((i) => terminalsOf(events, i.intent_id).length === 0).length;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(0);
    const intents = await s.intents();
    const events = await s.orderEvents();
    const ids = new Set(intents.map((i) => i.intent_id));
    expect(ids.size).toBe(intents.length);
    const acked: string[] = [];
    for (const id of ids) {
      const t = terminalsOf(events, id);
      expect(t).toHaveLength(1);
      // An ack, or the venue's own refusal of a fill past the worst price: on a loaded machine the simulator's
      // 20 ms price walk can outrun an order. Any other terminal is a pipeline fault.
      if (t[0]?.event === 'acked') acked.push(id);
      else expect(t[0]?.code, id).toBe('FOK_ORDER_NOT_FILLED_ERROR');
    }
    expect(acked.length).toBeGreaterThan(ids.size / 2);
    // The venue's own ledger: one order per acked intent, none other.
    const ledger = s.sim.ledger();
    for (const id of acked) expect(ledger.filter((o) => o.client_order_id === id)).toHaveLength(1);
    expect(ledger).toHaveLength(acked.length);

    expect(crossSlotLines(s.lines)).toEqual([]);
    expect(s.ingestor.stats().writer.ticksLost).toBe(0);
    expect(await s.redis.xlen(k.dead)).toBe(0);
  }, 180_000);
});
