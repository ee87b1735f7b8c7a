// The order log's terminal guard, the positions projection and invalid jobs, against a real Redis.

import { keys, OrderJobContract } from '@polybot/shared';
import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrderLog, type OrderEventInput } from '../src/events/order-log.js';
import { applyFill, type Projection, projectFill } from '../src/projection/positions.js';
import { type FakeVenue, startFakeVenue } from './support/fake-venue.js';
import {
  MARKET,
  makeJob,
  POLL,
  type RunningExecutor,
  readOrderEvents,
  startExecutor,
  terminalsOf,
} from './support/harness.js';

let r: TestRedis;
let venue: FakeVenue | undefined;
let running: RunningExecutor[] = [];

beforeAll(async () => {
  r = await startRedis();
});
afterAll(async () => {
  await r?.stop();
});
afterEach(async () => {
  await Promise.all(running.map((x) => x.stop()));
  running = [];
  await venue?.close();
  venue = undefined;
});

function ackedEvent(ns: string): OrderEventInput {
  const j = makeJob(ns, 1);
  return {
    intent_id: j.intent_id,
    event: 'acked',
    attempt: 1,
    market_id: j.market_id,
    side: j.side,
    outcome: j.outcome,
    quantity: j.quantity,
    venue_order_id: '7',
    status: 'FILLED',
    t_emit: j.t_emit,
    t_recv: j.t_recv,
    t_decide: j.t_decide,
    t_enqueue: j.t_enqueue,
    t_start: j.t_enqueue + 1,
  };
}

describe('order log', () => {
  it('G3: racing terminal writes for one intent append exactly one terminal event', async () => {
    const ns = randomNamespace('ex');
    const log = createOrderLog(r.client(), keys(ns).orders, ns);
    const acked = ackedEvent(ns);
    const settlement = {
      event: 'acked' as const,
      market_id: MARKET,
      outcome: 'Yes',
      side: 'BUY' as const,
      status: 'FILLED',
      filled: 1,
      price: 1,
      notional: 1,
      fee: 0,
    };
    const results = await Promise.all([
      log.writeTerminal(acked, settlement),
      log.writeTerminal({ ...acked, event: 'rejected', code: 'X' }, { event: 'rejected', code: 'X' }),
      log.writeTerminal(acked, settlement),
    ]);
    expect(results.filter((x) => x.written)).toHaveLength(1);
    // Every caller learns the one settlement that stands.
    const standing = results.find((x) => x.written)?.settlement;
    for (const x of results) expect(x.settlement).toEqual(standing);
    expect(terminalsOf(await readOrderEvents(r.client(), ns), acked.intent_id)).toHaveLength(1);
    expect(await log.readTerminal(acked.intent_id)).toEqual(standing);
  });
});

describe('positions projection', () => {
  it('applies a fill once, and a SELL moves average cost into realised P&L', async () => {
    const ns = randomNamespace('ex');
    const k = keys(ns);
    const buy = {
      intentId: 'b1',
      marketId: MARKET,
      outcome: 'Yes',
      side: 'BUY' as const,
      filled: 10_000_000,
      notional: 4_000_000,
      fee: 10_000,
    };
    expect(await applyFill(r.client(), k.positions, ns, buy)).toBe(true);
    expect(await applyFill(r.client(), k.positions, ns, buy)).toBe(false);
    const sell = { ...buy, intentId: 's1', side: 'SELL' as const, filled: 4_000_000, notional: 2_000_000, fee: 5_000 };
    expect(await applyFill(r.client(), k.positions, ns, sell)).toBe(true);
    const pos = await r.client().hgetall(k.positions);
    expect(pos).toMatchObject({
      [`qty:${MARKET}|Yes`]: '6000000',
      // 4 of 10 shares sold: 40 % of the 4.00 cost leaves the basis
      [`cost:${MARKET}|Yes`]: '2400000',
      realised: '400000',
      cash: String(-4_010_000 + 1_995_000),
      fees: '15000',
      fills: '2',
    });
    // The in-memory projection (used to rebuild from the order log) does the same arithmetic.
    const mem: Projection = {};
    projectFill(mem, buy);
    projectFill(mem, sell);
    expect(mem).toEqual(pos);
  });
});

describe('invalid jobs', () => {
  it('G6: a job that fails its contract is dead-lettered, and the worker keeps going', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    const ex = await startExecutor(r.url, ns, venue.url);
    running.push(ex);
    const k = keys(ns);
    const q = new Queue(k.ordersQueue, { connection: ex.bull, prefix: k.bullPrefix });
    const good = makeJob(ns, 2);
    await q.add('order', { intent_id: 'bad', quantity: 'NaN' }, { jobId: 'bad' });
    await q.add('order', OrderJobContract.encode(good), { jobId: good.intent_id });
    await q.close();

    await expect.poll(async () => r.client().xlen(k.dead), POLL).toBe(1);
    await expect
      .poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), good.intent_id).length, POLL)
      .toBe(1);
    const [[, fields] = ['', []]] = (await r.client().xrange(k.dead, '-', '+')) as [string, string[]][];
    expect(fields).toContain('OrderJob');
    expect(venue.posts.map((p) => p.clientOrderId)).toEqual([good.intent_id]);
  });
});
