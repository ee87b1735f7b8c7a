// The executor against a real Redis and a scripted venue on loopback: placing, retrying, rejecting.
// Every failure test names the guarantee of ARCHITECTURE.md it proves:
//   G2 = no duplicate orders (at most one venue order per intent id);
//   G3 = no lost intents (exactly one terminal event per intent in {ns}:orders).

import { createMetricsRegistry, keys, startOpsServer } from '@polybot/shared';
import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { readReservation } from '@polybot/strategy-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVenue, startFakeVenue } from './support/fake-venue.js';
import {
  enqueue,
  eventsOf,
  MARKET,
  makeJob,
  POLL,
  type RunningExecutor,
  readOrderEvents,
  reserve,
  startExecutor,
  terminalsOf,
} from './support/harness.js';

let r: TestRedis;
let venue: FakeVenue;
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
});

async function setup(opts: Parameters<typeof startExecutor>[3] = {}) {
  const ns = randomNamespace('ex');
  venue = await startFakeVenue();
  const ex = await startExecutor(r.url, ns, venue.url, opts);
  running.push(ex);
  return { ns, ex };
}

describe('executor: placing orders', () => {
  it('happy path: each intent is posted once, acked once, projected and its reservation committed', async () => {
    const { ns, ex } = await setup();
    const jobs = [0, 1, 2].map((i) => makeJob(ns, i));
    for (const j of jobs) await reserve(r.client(), ns, j);
    await enqueue(ex.bull, ns, jobs);

    await expect
      .poll(async () => (await readOrderEvents(r.client(), ns)).filter((e) => e.event === 'acked').length)
      .toBe(3);
    const events = await readOrderEvents(r.client(), ns);
    for (const j of jobs) {
      expect(eventsOf(events, j.intent_id)).toEqual(['submitted', 'acked']);
      expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
      const acked = terminalsOf(events, j.intent_id)[0];
      expect(acked).toMatchObject({
        status: 'FILLED',
        fill_price: 400_000,
        filled_qty: 10_000_000,
        notional: 4_000_000,
        fee: 10_000,
        attempt: 1,
      });
      expect(acked?.request_id).toBeTruthy();
      expect(acked?.t_sent).toBeGreaterThanOrEqual(acked?.t_start ?? Number.POSITIVE_INFINITY);
      expect(acked?.t_ack).toBeGreaterThanOrEqual(acked?.t_sent ?? Number.POSITIVE_INFINITY);
      await expect
        .poll(async () => (await readReservation(r.client(), ns, j.intent_id))?.status, POLL)
        .toBe('committed');
    }
    // Market order, worst price 0.40 × 1.02 → 0.41 on the 0.01 tick, 4 dp quantity, key = client_order_id.
    expect(venue.posts[0]?.body).toMatchObject({ order_type: 'market', price: '0.41', quantity: '10', outcome: 'Yes' });
    const pos = await r.client().hgetall(keys(ns).positions);
    expect(pos[`qty:${MARKET}|Yes`]).toBe('30000000');
    expect(pos[`cost:${MARKET}|Yes`]).toBe('12000000');
    expect(pos.fees).toBe('30000');
    expect(pos.cash).toBe('-12030000');
  });

  it('G2+G3: 503 SERVER_BUSY with Retry-After is retried with the same key and ends in one order', async () => {
    const { ns, ex } = await setup();
    venue.script((p) =>
      p.n <= 2 ? { kind: 'error', status: 503, code: 'SERVER_BUSY', retryAfter: '0.05' } : undefined,
    );
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(eventsOf(events, j.intent_id)).toEqual([
      'submitted',
      'retrying',
      'submitted',
      'retrying',
      'submitted',
      'acked',
    ]);
    expect(terminalsOf(events, j.intent_id)[0]).toMatchObject({ event: 'acked', attempt: 3 });
    expect(venue.posts.map((p) => p.idempotencyKey)).toEqual([j.intent_id, j.intent_id, j.intent_id]);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });

  it('G2+G3: a 429 storm pauses the worker, costs no attempt, and every intent ends in one order', async () => {
    const { ns, ex } = await setup();
    venue.script((p) =>
      p.n <= 8 ? { kind: 'error', status: 429, code: 'RATE_LIMIT_EXCEEDED', retryAfter: '0.05' } : undefined,
    );
    const jobs = [0, 1, 2, 3].map((i) => makeJob(ns, i));
    await enqueue(ex.bull, ns, jobs);

    await expect
      .poll(async () => (await readOrderEvents(r.client(), ns)).filter((e) => e.event === 'acked').length, {
        timeout: 20_000,
      })
      .toBe(4);
    const events = await readOrderEvents(r.client(), ns);
    for (const j of jobs) {
      expect(terminalsOf(events, j.intent_id)).toHaveLength(1);
      // 429s are not attempts: the ack is attempt 1 whatever the storm did.
      expect(terminalsOf(events, j.intent_id)[0]?.attempt).toBe(1);
      expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
    }
    expect(events.filter((e) => e.event === 'retrying' && e.code === 'RATE_LIMIT_EXCEEDED')).toHaveLength(8);
    expect(Number((await ex.executor.metrics.rateLimited.get()).values[0]?.value)).toBe(8);
  });

  it('G3: a definite 400 ends the intent rejected at once and releases its reservation', async () => {
    const { ns, ex } = await setup();
    venue.script(() => ({ kind: 'error', status: 400, code: 'INSUFFICIENT_BALANCE' }));
    const j = makeJob(ns, 1);
    await reserve(r.client(), ns, j);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(eventsOf(events, j.intent_id)).toEqual(['submitted', 'rejected']);
    expect(terminalsOf(events, j.intent_id)[0]).toMatchObject({ code: 'INSUFFICIENT_BALANCE', http_status: 400 });
    expect(venue.posts).toHaveLength(1);
    expect(venue.ledger.size).toBe(0);
    await expect.poll(async () => (await readReservation(r.client(), ns, j.intent_id))?.status, POLL).toBe('released');
  });

  it('G6+G3: a plain-text edge error (no JSON, no code header) is a definite rejection, not a crash', async () => {
    const { ns, ex } = await setup();
    venue.script(() => ({ kind: 'raw', status: 403, text: 'error code: 1020' }));
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    expect(terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id)[0]).toMatchObject({
      event: 'rejected',
      http_status: 403,
    });
    expect(ex.executor.lifecycle.state).toBe('running');
  });

  it('G3: when attempts run out the intent ends rejected with the last code, never silently dropped', async () => {
    const { ns, ex } = await setup({ maxAttempts: 3 });
    venue.script(() => ({ kind: 'error', status: 503, code: 'SERVER_BUSY', retryAfter: '0.02' }));
    const j = makeJob(ns, 1);
    await reserve(r.client(), ns, j);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const term = terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id)[0];
    expect(term).toMatchObject({ event: 'rejected', code: 'SERVER_BUSY', attempt: 3 });
    expect(term?.reason).toMatch(/attempts exhausted/);
    expect(venue.posts).toHaveLength(3);
    await expect.poll(async () => (await readReservation(r.client(), ns, j.intent_id))?.status, POLL).toBe('released');
  });

  it('G2+G3: an intent enqueued again after it finished is neither posted nor terminated twice', async () => {
    const { ns, ex } = await setup();
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);
    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    // The completed job is removed (retention), then the same intent arrives again.
    const k = keys(ns);
    await expect.poll(async () => ex.bull.exists(`${k.bullPrefix}:${k.ordersQueue}:${j.intent_id}`), POLL).toBe(1);
    await ex.bull.del(`${k.bullPrefix}:${k.ordersQueue}:${j.intent_id}`);
    await ex.bull.zrem(`${k.bullPrefix}:${k.ordersQueue}:completed`, j.intent_id);
    await enqueue(ex.bull, ns, [j]);
    await expect
      .poll(async () => ex.bull.zscore(`${k.bullPrefix}:${k.ordersQueue}:completed`, j.intent_id))
      .not.toBeNull();
    expect(venue.posts).toHaveLength(1);
    expect(terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id)).toHaveLength(1);
  });

  it('serves /metrics with outcomes and latencies, and /readyz while running', async () => {
    const registry = createMetricsRegistry({ app: 'executor' }, false);
    const { ns, ex } = await setup({ registry });
    const ops = await startOpsServer({ port: 0, registry, components: () => [ex.executor.lifecycle] });
    try {
      const j = makeJob(ns, 1);
      await enqueue(ex.bull, ns, [j]);
      await expect
        .poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL)
        .toBe(1);
      // The outcome is counted once settling is done, just after the terminal event.
      await expect
        .poll(async () => (await fetch(`${ops.url}/metrics`)).text())
        .toMatch(/polybot_executor_orders_total\{[^}]*outcome="acked"[^}]*\} 1/);
      const metrics = await (await fetch(`${ops.url}/metrics`)).text();
      expect(metrics).toContain('polybot_executor_orders_total{outcome="acked",code="FILLED",app="executor"} 1');
      expect(metrics).toContain('polybot_executor_venue_latency_ms_count{app="executor"} 1');
      expect(metrics).toContain('polybot_executor_tick_to_order_ms_count{app="executor"} 1');
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
      await ex.stop();
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(503);
    } finally {
      await ops.close();
    }
  });
});
