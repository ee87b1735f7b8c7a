// Redis is killed (SIGKILL) and restarted from its AOF while an order is in flight at the venue.
// Guarantees: G2 (one venue order per intent) and G3 (exactly one terminal event) across a Redis restart.

import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeVenue, startFakeVenue } from './support/fake-venue.js';
import {
  enqueue,
  makeJob,
  type RunningExecutor,
  readOrderEvents,
  startExecutor,
  terminalsOf,
} from './support/harness.js';

let r: TestRedis;
let venue: FakeVenue;
let running: RunningExecutor[] = [];

beforeAll(async () => {
  r = await startRedis({ aof: true, own: true });
});
afterAll(async () => {
  await r?.stop();
});
afterEach(async () => {
  await Promise.all(running.map((x) => x.stop()));
  running = [];
  await venue?.close();
});

describe('executor: Redis restart mid-flight', () => {
  it('G2+G3: a Redis crash while the venue is filling ends in one order and one ack per intent', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script(() => ({ kind: 'slow-ok', ms: 400 }));
    const ex = await startExecutor(r.url, ns, venue.url);
    running.push(ex);
    const jobs = [0, 1, 2].map((i) => makeJob(ns, i));
    await enqueue(ex.bull, ns, jobs);
    await expect.poll(() => venue.posts.length, { timeout: 10_000 }).toBe(3);

    await r.restart({ downMs: 200 });

    await expect
      .poll(async () => (await readOrderEvents(r.client(), ns)).filter((e) => e.event === 'acked').length, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(3);
    const events = await readOrderEvents(r.client(), ns);
    for (const j of jobs) {
      expect(terminalsOf(events, j.intent_id)).toHaveLength(1);
      expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
    }
  });
});
