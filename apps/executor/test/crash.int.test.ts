// An executor dies mid-flight (no graceful close, Redis connections cut, in-flight requests dropped: what
// kill -9 does to one process), and a second executor takes its jobs over once their locks lapse.
// Guarantees: G2 (no duplicate orders: the venue ledger holds at most one order per intent) and
// G3 (no lost intents: every intent ends in exactly one terminal event).

import { createRedis, keys } from '@polybot/shared';
import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVenue, startFakeVenue } from './support/fake-venue.js';
import {
  enqueue,
  eventsOf,
  makeJob,
  POLL,
  type RunningExecutor,
  readOrderEvents,
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

async function start(ns: string) {
  // Long request timeout: the first executor must die before its requests give up.
  const ex = await startExecutor(r.url, ns, venue.url, { timeoutMs: 30_000 });
  running.push(ex);
  return ex;
}

describe('executor: crash mid-flight, then a restart', () => {
  it('G2+G3: killed after the venue persisted the order → the successor reconciles, one order, one ack', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) => (p.n === 1 ? { kind: 'persist-then-hang' } : undefined));
    const a = await start(ns);
    const j = makeJob(ns, 1);
    await enqueue(a.bull, ns, [j]);
    await expect.poll(() => venue.ledger.get(j.intent_id)?.length ?? 0, POLL).toBe(1);

    await a.kill();
    await start(ns);

    await expect
      .poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, { timeout: 10_000 })
      .toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(eventsOf(events, j.intent_id)).toEqual(['submitted', 'ambiguous', 'reconciled', 'acked']);
    expect(events.find((e) => e.event === 'ambiguous')?.code).toBe('UNRESOLVED_ATTEMPT');
    expect(venue.posts).toHaveLength(1);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });

  it('G2+G3: killed before the venue executed → the successor finds nothing and sends once, same key', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) => (p.n === 1 ? { kind: 'hang' } : undefined));
    const a = await start(ns);
    const j = makeJob(ns, 1);
    await enqueue(a.bull, ns, [j]);
    await expect.poll(() => venue.posts.length, POLL).toBe(1);

    await a.kill();
    await start(ns);

    await expect
      .poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, { timeout: 10_000 })
      .toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(eventsOf(events, j.intent_id)).toEqual(['submitted', 'ambiguous', 'submitted', 'acked']);
    expect(venue.posts.map((p) => p.idempotencyKey)).toEqual([j.intent_id, j.intent_id]);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });

  it('G2+G3: killed with many requests in flight → every intent terminal once, no duplicate orders', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    // The first executor's requests: odd ones are executed then hang, even ones die on the way in.
    venue.script((p) => (p.n <= 4 ? (p.n % 2 === 1 ? { kind: 'persist-then-hang' } : { kind: 'hang' }) : undefined));
    const a = await start(ns);
    const jobs = Array.from({ length: 10 }, (_, i) => makeJob(ns, i));
    await enqueue(a.bull, ns, jobs);
    await expect.poll(() => venue.posts.length, POLL).toBe(4);

    await a.kill();
    await start(ns);
    await start(ns);

    await expect
      .poll(async () => (await readOrderEvents(r.client(), ns)).filter((e) => e.event === 'acked').length, {
        timeout: 20_000,
      })
      .toBe(10);
    const events = await readOrderEvents(r.client(), ns);
    for (const j of jobs) {
      expect(terminalsOf(events, j.intent_id)).toHaveLength(1);
      expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
    }
    expect(events.filter((e) => e.event === 'reconciled')).toHaveLength(2);
  });

  it('G3: a job BullMQ failed behind the executor (e.g. stalled too often) is swept back and finished', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    const k = keys(ns);
    // Something other than the executor fails the job: it ends in BullMQ's failed set with no terminal event.
    const conn = createRedis(r.url, 'bullmq');
    const rogue = new Worker(
      k.ordersQueue,
      async () => {
        throw new Error('lost');
      },
      { connection: conn, prefix: k.bullPrefix },
    );
    const j = makeJob(ns, 1);
    await enqueue(conn, ns, [j]);
    await expect
      .poll(async () => conn.zscore(`${k.bullPrefix}:${k.ordersQueue}:failed`, j.intent_id), POLL)
      .not.toBeNull();
    await rogue.close();
    conn.disconnect();

    const ex = await startExecutor(r.url, ns, venue.url, { sweepIntervalMs: 100 });
    running.push(ex);
    await expect
      .poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, { timeout: 10_000 })
      .toBe(1);
    expect(terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id)[0]?.event).toBe('acked');
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
    expect(Number((await ex.executor.metrics.sweptJobs.get()).values[0]?.value)).toBe(1);
  });
});
