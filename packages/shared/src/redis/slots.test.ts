// Redis Cluster readiness: keys one command, MULTI or script touches together share a slot, and tick
// partitions spread over many slots (so a cluster spreads the load). Slots are computed with the same
// CRC16 ioredis uses for routing.
import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { keys } from './keys.js';

const k = keys('polybot');

describe('cluster slots of every key pattern', () => {
  it('a partition, its dedup index, lease, fence and strategy state share one slot', () => {
    for (let p = 0; p < 64; p++) {
      const slots = new Set(
        [k.ticks(p), k.lastEmit(p), k.lease(p), k.fence(p), k.state(p)].map((x) => calculateSlot(x)),
      );
      expect(slots.size, `partition ${p}`).toBe(1);
    }
  });

  it('the risk keys and the halt switch share one slot', () => {
    const names = ['exposure', 'positions', 'cooldown', 'budget', 'reservations', 'reservation:abc'];
    const slots = new Set([k.halt, ...names.map((n) => k.risk(n))].map((x) => calculateSlot(x)));
    expect(slots.size).toBe(1);
  });

  it("the orders stream and the executor's per-intent keys share one slot", () => {
    const slots = new Set(
      [k.orders, k.execTerminal('polybot-x-1'), k.execState('polybot-x-1'), k.execState('other')].map((x) =>
        calculateSlot(x),
      ),
    );
    expect(slots.size).toBe(1);
  });

  it('every BullMQ key of the orders queue lands in one slot', () => {
    const suffixes = [
      'wait',
      'active',
      'delayed',
      'completed',
      'failed',
      'id',
      'meta',
      'events',
      'limiter',
      'marker',
      '123',
    ];
    const slots = new Set(suffixes.map((s) => calculateSlot(`${k.bullPrefix}:${k.ordersQueue}:${s}`)));
    expect(slots.size).toBe(1);
  });

  it('tick partitions spread over distinct slots', () => {
    for (const P of [8, 16, 64]) {
      const slots = new Set(Array.from({ length: P }, (_, p) => calculateSlot(k.ticks(p))));
      expect(slots.size, `P=${P}`).toBe(P);
    }
    // and over the three masters of a 3-shard cluster (slots 0–5460, 5461–10922, 10923–16383)
    const shard = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
    const shards = new Set(Array.from({ length: 8 }, (_, p) => shard(calculateSlot(k.ticks(p)))));
    expect(shards.size).toBe(3);
  });

  it('namespaces keep their own slots for the same partition', () => {
    expect(calculateSlot(keys('a').ticks(0))).not.toBe(calculateSlot(keys('b').ticks(0)));
  });
});
