// `polybot status` and `halt`/`resume` against a real Redis.
import {
  collectStatus,
  FeedEventContract,
  keys,
  OrderEventContract,
  partition,
  renderStatus,
  TickContract,
  tickKey,
} from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setHalt } from '../src/commands/halt.js';

let r: TestRedis;
beforeAll(async () => {
  r = await startRedis();
});
afterAll(async () => {
  await r?.stop();
});

const M = `0x${'cd'.repeat(32)}`;

describe('status', () => {
  it('reports ticks, feed, orders, latency and the halt switch', async () => {
    const k = keys(r.ns);
    const c = r.client();
    const now = Date.now();
    const p = partition(M, 4);
    for (let i = 0; i < 10; i++) {
      const t = {
        type: 'tick' as const,
        market_id: M,
        yes: 400_000,
        no: 600_000,
        emit_ts_ms: now + i,
        recv_ts_ms: now + i + 0.5,
        conn_epoch: 1,
        source: 'websocket',
        tradable: true,
      };
      await c.xadd(k.ticks(p), '*', ...TickContract.toArgs({ ...t, key: tickKey(t) }));
    }
    await c.xgroup('CREATE', k.ticks(p), k.strategyGroup, '0');
    await c.xadd(
      k.feed,
      '*',
      ...FeedEventContract.toArgs({ event: 'subscribed', conn_id: 0, conn_epoch: 3, ts_ms: now, markets: 1 }),
    );
    const base = {
      market_id: M,
      side: 'BUY' as const,
      outcome: 'Yes',
      quantity: 5_000_000,
      attempt: 1,
      t_emit: now,
      t_recv: now,
      t_decide: now + 0.1,
      t_enqueue: now + 0.2,
      t_start: now + 0.3,
    };
    for (let i = 0; i < 4; i++) {
      await c.xadd(
        k.orders,
        '*',
        ...OrderEventContract.toArgs({
          ...base,
          intent_id: `i${i}`,
          event: 'acked',
          status: 'FILLED',
          t_sent: now + 1 + i,
          t_ack: now + 5,
        }),
      );
    }
    await c.xadd(
      k.orders,
      '*',
      ...OrderEventContract.toArgs({ ...base, intent_id: 'r', event: 'rejected', code: 'INSUFFICIENT_BALANCE' }),
    );

    let s = await collectStatus({ redis: c, ns: r.ns, partitions: 4 });
    expect(s.ticks.total).toBe(10);
    expect(s.partitions[p]).toMatchObject({ length: 10, lag: 10, pending: 0 });
    expect(s.connections).toEqual([expect.objectContaining({ connId: 0, epoch: 3, lastEvent: 'subscribed' })]);
    expect(s.orders).toMatchObject({ acked: 4, rejected: 1, filled: 4 });
    expect(s.orders.tickToOrderMs.samples).toBe(4);
    expect(s.orders.tickToOrderMs.p50).toBeCloseTo(2, 5);
    expect(s.orders.tickToOrderMs.p99).toBeCloseTo(4, 5);
    expect(s.halted).toBe(false);
    expect(renderStatus(s).join('\n')).toContain('trading');

    await setHalt(r.url, r.ns, true, 'test');
    s = await collectStatus({ redis: c, ns: r.ns, partitions: 4 });
    expect(s.halted).toBe(true);
    expect(renderStatus(s)[0]).toContain('HALTED');
    expect(await setHalt(r.url, r.ns, false, '')).toBe(true);
    expect(await setHalt(r.url, r.ns, false, '')).toBe(false);
    expect((await collectStatus({ redis: c, ns: r.ns, partitions: 4 })).halted).toBe(false);
  });
});
