// Regression (chaos suite, seed 20261126, in CI): after a Redis restart forgot a lease, another worker took the
// partition and claimed its pending entries; the old consumer, not yet aware, claimed them back into its own
// pending list and was then fenced at its ack. The new owner, reading new entries by then, never looked at
// them again: 2 entries pending for good, one decision lost. Later runs lost decisions the same way through
// new entries a stale consumer read (`>`) into its own pending list while the new owner read past them. The
// claim and the read are now fenced like the ack.

import { keys, runScript } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FENCED_CLAIM, FENCED_READ } from '../src/ownership/lease-scripts.js';
import { market, T0, tickArgs } from './helpers.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe('fenced claim', () => {
  it('a consumer whose lease is gone claims nothing; the lease holder claims the pending entries', async () => {
    const k = keys(`${redis.ns}fc`);
    const c = redis.client();
    const stream = k.ticks(0);
    await c.xgroup('CREATE', stream, k.strategyGroup, '0', 'MKSTREAM');
    for (const t of [0, 1, 2])
      await c.xadd(stream, '*', ...tickArgs({ market: market(1), yes: 300_000, emit: T0 + t }));
    // Delivered to the new owner, which holds the lease now.
    await c.xreadgroup('GROUP', k.strategyGroup, 'new', 'COUNT', 10, 'STREAMS', stream, '>');
    await c.set(k.lease(0), 'new|2', 'PX', 60_000);

    const stale = await runScript(c, FENCED_CLAIM, [k.lease(0), stream], ['old|1', k.strategyGroup, 'old', '0-0', 10]);
    expect(stale).toBeNull();
    const pending = (await c.xpending(stream, k.strategyGroup)) as [number, string, string, [string, string][]];
    expect(pending[0]).toBe(3);
    expect(pending[3]).toEqual([['new', '3']]);

    const own = (await runScript(
      c,
      FENCED_CLAIM,
      [k.lease(0), stream],
      ['new|2', k.strategyGroup, 'new', '0-0', 10],
    )) as [string, unknown[]];
    expect(own[0]).toBe('0-0');
    expect(own[1]).toHaveLength(3);
  });

  it('a consumer whose lease is gone reads nothing new; the holder reads, or learns the newest id to wait after', async () => {
    const k = keys(`${redis.ns}fr`);
    const c = redis.client();
    const stream = k.ticks(0);
    await c.xgroup('CREATE', stream, k.strategyGroup, '0', 'MKSTREAM');
    await c.set(k.lease(0), 'new|2', 'PX', 60_000);
    const read = (lease: string, consumer: string) =>
      runScript(c, FENCED_READ, [k.lease(0), stream], [lease, k.strategyGroup, consumer, 10]);
    expect(await read('new|2', 'new')).toEqual([0, '0-0']);
    const ids: string[] = [];
    for (const t of [0, 1])
      ids.push(String(await c.xadd(stream, '*', ...tickArgs({ market: market(1), yes: 300_000, emit: T0 + t }))));

    expect(await read('old|1', 'old')).toBeNull();
    expect(((await c.xpending(stream, k.strategyGroup)) as [number])[0]).toBe(0);

    const got = (await read('new|2', 'new')) as [number, [string, [string, string[]][]][]];
    expect(got[0]).toBe(1);
    expect(got[1][0]?.[1].map(([id]) => id)).toEqual(ids);
    expect(await read('new|2', 'new')).toEqual([0, ids[1]]);
  });

  it('a fenced read sent behind a blocked XREAD on the same connection runs when the wait ends, with what ended it', async () => {
    const k = keys(`${redis.ns}fw`);
    const c = redis.client();
    const stream = k.ticks(0);
    await c.xgroup('CREATE', stream, k.strategyGroup, '0', 'MKSTREAM');
    await c.set(k.lease(0), 'own|1', 'PX', 60_000);
    const before = String(await c.xadd(stream, '*', ...tickArgs({ market: market(1), yes: 300_000, emit: T0 })));
    await c.xreadgroup('GROUP', k.strategyGroup, 'own', 'COUNT', 10, 'STREAMS', stream, '>');
    const reader = c.duplicate();
    try {
      // What the consumer sends when the stream was drained: the wait, and the fenced read right behind it.
      const wait = reader.xread('COUNT', 1, 'BLOCK', 10_000, 'STREAMS', stream, before);
      const read = runScript(reader, FENCED_READ, [k.lease(0), stream], ['own|1', k.strategyGroup, 'own', 10]);
      await new Promise((r) => setTimeout(r, 100));
      const id = String(await c.xadd(stream, '*', ...tickArgs({ market: market(1), yes: 310_000, emit: T0 + 1 })));
      const woke = (await wait) as [string, [string, string[]][]][];
      expect(woke[0]?.[1].map(([x]) => x)).toEqual([id]);
      // Had it run before the wait ended, it would have found nothing new ([0, newest id]).
      const got = (await read) as [number, [string, [string, string[]][]][]];
      expect(got[0]).toBe(1);
      expect(got[1][0]?.[1].map(([x]) => x)).toEqual([id]);
    } finally {
      reader.disconnect();
    }
  });
});
