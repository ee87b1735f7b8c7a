// What an asynchronous failover can lose on a sharded Redis: the order job (queue shard) written just before
// the kill, while its intent (logged after the job, on another shard) survives; or the terminal event (orders
// shard) while the queue's shard keeps the job's completion. The executor's sweep finds an intent without a
// terminal event and enqueues it again under its own id, or runs its completed job again (G3), and the venue
// still sees one order per intent (G2): the second POST carries the same idempotency key.

import {
  createRedisClient,
  createVenueClient,
  IntentContract,
  intentId,
  keys,
  OrderJobContract,
  type Retention,
  silentLogger,
  toMicro,
} from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { createSimulator, type Simulator } from '@polybot/simulator';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor, type Executor, venueFromClient } from '../../apps/executor/src/index.js';
import { readOrderEvents } from './read-orders.js';
import { terminalsOf } from './stack.js';

let r: TestRedis;
let sim: Simulator;

beforeAll(async () => {
  r = await startRedis();
  sim = await createSimulator({ seed: 3, markets: 4, tickMs: 60_000, limits: false });
});
afterAll(async () => {
  await sim?.close();
  await r?.stop();
});

/** A venue client, a market with a mid-range price, Redis clients and the orders queue for namespace `ns`. */
async function sweepRig(ns: string) {
  const k = keys(ns);
  const venueClient = createVenueClient({
    baseUrl: sim.baseUrl,
    apiKey: sim.devApiKey,
    timeoutMs: 5000,
    connections: 2,
  });
  const market = (await venueClient.markets({ limit: 10 })).find((m) => {
    const yes = m.live_price?.buy;
    return !m.closed && yes !== undefined && yes !== null && Number(yes) > 0.1 && Number(yes) < 0.9;
  });
  expect(market).toBeDefined();
  const refPrice = toMicro(String(market?.live_price?.buy), 'half-up');
  const now = Date.now();
  const redis = createRedisClient(r.url, 'command');
  const bull = createRedisClient(r.url, 'bullmq');
  const queue = new Queue(k.ordersQueue, { connection: bull, prefix: k.bullPrefix });
  return {
    k,
    now,
    redis,
    queue,
    /** A BUY intent on the market, decided on the tick `tick-${i}`. */
    intent: (i: number) => ({
      intent_id: intentId(ns, 'test', `tick-${i}`, 0),
      ns,
      strategy: 'test',
      market_id: String(market?.condition_id),
      side: 'BUY' as const,
      outcome: 'Yes',
      quantity: 5_000_000,
      ref_price: refPrice,
      tick_key: `tick-${i}`,
      tick_id: `${now + i}-0`,
      partition: 0,
      decision_index: 0,
      t_emit: now - 3,
      t_recv: now - 2,
      t_decide: now - 1,
    }),
    /** An executor on the shared venue client, sweeping every 200 ms; the caller starts and closes it. */
    executor: (retention?: Retention): Executor =>
      createExecutor({
        ns,
        redis,
        bullConnection: bull,
        venue: venueFromClient(venueClient),
        logger: silentLogger(),
        options: {
          concurrency: 2,
          writesPerSec: 100,
          maxAttempts: 5,
          slippageBps: 1000,
          sweepIntervalMs: 200,
          ...(retention ? { retention } : {}),
        },
      }),
    async close(): Promise<void> {
      await queue.close();
      await venueClient.close();
      redis.disconnect();
      bull.disconnect();
    },
  };
}

describe('executor sweep after a lost job', () => {
  it('G2+G3: an intent whose job was lost is enqueued again and placed once', async () => {
    const ns = r.ns;
    const rig = await sweepRig(ns);
    const { k, now, redis, queue } = rig;
    const kept = rig.intent(1);
    const lost = rig.intent(2);
    let executor: Executor | undefined;
    try {
      // As the strategy does: job first, then the intent. The lost intent's job never made it.
      await queue.add('order', OrderJobContract.encode({ ...kept, t_enqueue: now }), { jobId: kept.intent_id });
      for (const i of [kept, lost]) await redis.xadd(k.intents, '*', ...IntentContract.toArgs({ v: 1, ...i }));
      executor = rig.executor();
      await executor.start();
      await expect
        .poll(
          async () => {
            const events = await readOrderEvents(redis, ns);
            return [kept, lost].map((i) => terminalsOf(events, i.intent_id).map((e) => e.event));
          },
          { timeout: 30_000, interval: 200 },
        )
        .toEqual([['acked'], ['acked']]);
      const ledger = sim.ledger();
      for (const i of [kept, lost]) expect(ledger.filter((o) => o.client_order_id === i.intent_id)).toHaveLength(1);
      expect(ledger).toHaveLength(2);
    } finally {
      await executor?.close();
      await rig.close();
    }
  });
});

describe('executor sweep after a lost terminal event', () => {
  it('G2+G3: a completed job whose terminal event was lost runs again, and the venue replays the order', async () => {
    const ns = `${r.ns}t`;
    const rig = await sweepRig(ns);
    const { k, now, redis, queue } = rig;
    const intent = rig.intent(9);
    const id = intent.intent_id;
    let executor: Executor | undefined;
    try {
      await queue.add('order', OrderJobContract.encode({ ...intent, t_enqueue: now }), { jobId: id });
      await redis.xadd(k.intents, '*', ...IntentContract.toArgs({ v: 1, ...intent }));
      executor = rig.executor();
      await executor.start();
      await expect
        .poll(async () => (await queue.getJob(id))?.isCompleted(), { timeout: 30_000, interval: 100 })
        .toBe(true);
      await executor.close();
      expect(sim.ledger().filter((o) => o.client_order_id === id)).toHaveLength(1);

      // The orders shard fails over and comes back without the terminal event and its marker; the queue's
      // shard kept the completed job.
      const events = (await redis.xrange(k.orders, '-', '+')) as [string, string[]][];
      const terminalIds = events.filter(([, f]) => f.includes('acked')).map(([entryId]) => entryId);
      expect(terminalIds).toHaveLength(1);
      await redis.xdel(k.orders, ...terminalIds);
      await redis.del(`${ns}:exec:{${k.orders}}:term:${id}`);
      expect(terminalsOf(await readOrderEvents(redis, ns), id)).toHaveLength(0);

      executor = rig.executor();
      await executor.start();
      await expect
        .poll(async () => terminalsOf(await readOrderEvents(redis, ns), id).map((e) => e.event), {
          timeout: 30_000,
          interval: 200,
        })
        .toEqual(['acked']);
      // Still one order at the venue: the second POST was a replay of the first.
      expect(sim.ledger().filter((o) => o.client_order_id === id)).toHaveLength(1);
      expect(await (await queue.getJob(id))?.isCompleted()).toBe(true);
    } finally {
      await executor?.close();
      await rig.close();
    }
  });
});

describe('executor sweep and retention', () => {
  it('an intent older than half the records’ lifetime is past its retention: the sweep does not run it again', async () => {
    const ns = `${r.ns}o`;
    const rig = await sweepRig(ns);
    const { k, redis } = rig;
    const retention: Retention = { recordsTtlMs: 120_000, jobsKept: 100, ordersMaxlen: 1000, intentsMaxlen: 1000 };
    // Both intents lack a job and a terminal record. The old one was appended 70 s ago (the sweep looks back
    // 60 s): its records may have expired by design, so running it would be a late duplicate.
    const old = rig.intent(20);
    const young = rig.intent(21);
    let executor: Executor | undefined;
    try {
      await redis.xadd(k.intents, `${Date.now() - 70_000}-0`, ...IntentContract.toArgs({ v: 1, ...old }));
      await redis.xadd(k.intents, '*', ...IntentContract.toArgs({ v: 1, ...young }));
      executor = rig.executor(retention);
      await executor.start();
      await expect
        .poll(async () => terminalsOf(await readOrderEvents(redis, ns), young.intent_id).map((e) => e.event), {
          timeout: 30_000,
          interval: 200,
        })
        .toEqual(['acked']);
      // Several more sweeps (every 200 ms) pass.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await rig.queue.getJob(old.intent_id)).toBeUndefined();
      expect(terminalsOf(await readOrderEvents(redis, ns), old.intent_id)).toHaveLength(0);
      expect(sim.ledger().filter((o) => o.client_order_id === old.intent_id)).toHaveLength(0);
      expect(sim.ledger().filter((o) => o.client_order_id === young.intent_id)).toHaveLength(1);
    } finally {
      await executor?.close();
      await rig.close();
    }
  });
});
