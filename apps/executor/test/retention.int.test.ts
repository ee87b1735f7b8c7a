// What an order leaves in Redis is bounded by the configured retention (ORDER_RECORDS_TTL_MS,
// ORDER_JOBS_KEPT, ORDERS_MAXLEN): the order event stream is trimmed, completed jobs beyond the count are
// removed, and every per-intent record carries the records' TTL.

import { keys, OrderJobContract, type Retention } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { riskLedgerKeys } from '@polybot/strategy-kit';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectFromOrderLog, rebuildProjection } from '../src/projection/rebuild.js';
import { type FakeVenue, startFakeVenue } from './support/fake-venue.js';
import {
  API_KEY,
  enqueue,
  makeJob,
  POLL,
  type RunningExecutor,
  readOrderEvents,
  reserve,
  startExecutor,
  terminalsOf,
} from './support/harness.js';

let r: TestRedis;
let venue: FakeVenue | undefined;
let running: RunningExecutor | undefined;

beforeAll(async () => {
  r = await startRedis();
});
afterAll(async () => {
  await r?.stop();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await venue?.close();
  venue = undefined;
});

describe('executor retention', () => {
  it('trims the order events, caps completed jobs and gives every per-intent record the records’ TTL', async () => {
    const ns = `${r.ns}ret`;
    const k = keys(ns);
    venue = await startFakeVenue();
    const retention: Retention = { recordsTtlMs: 90_000, jobsKept: 5, ordersMaxlen: 10, intentsMaxlen: 10 };
    running = await startExecutor(r.url, ns, venue.url, { concurrency: 8, retention });
    const redis = running.redis;
    const jobs = Array.from({ length: 300 }, (_, i) => makeJob(ns, i));
    for (const j of jobs) await reserve(redis, ns, j);
    await enqueue(running.bull, ns, jobs);
    const completed = `${k.bullPrefix}:${k.ordersQueue}:completed`;
    const marker = (id: string) => `${ns}:exec:{${k.orders}}:term:${id}`;
    const last = jobs[jobs.length - 1];
    if (!last) throw new Error('no jobs');
    await expect.poll(() => redis.exists(marker(last.intent_id)), POLL).toBe(1);
    await expect.poll(() => redis.zcard(completed), POLL).toBeLessThanOrEqual(retention.jobsKept);
    await expect.poll(async () => (await redis.hget(`${k.positions}`, 'fills')) ?? '0', POLL).toBe('300');

    // Each intent wrote `submitted` and `acked`: 600 events, trimmed by whole stream nodes (MAXLEN ~).
    const events = await readOrderEvents(redis, ns);
    expect(events.length).toBeLessThan(300);
    expect(terminalsOf(events, last.intent_id)).toHaveLength(1);
    expect(await redis.zcard(completed)).toBeLessThanOrEqual(retention.jobsKept);
    for (const j of [jobs[0], last]) {
      if (!j) continue;
      for (const key of [
        marker(j.intent_id),
        `${ns}:exec:{${k.positions}}:applied:${j.intent_id}`,
        riskLedgerKeys(ns).intent(j.intent_id),
      ]) {
        const ttl = await redis.pttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        expect(ttl, key).toBeLessThanOrEqual(retention.recordsTtlMs);
      }
    }

    // A trimmed order log cannot rebuild the projection: it says how much is missing and leaves the hash.
    const before = await redis.hgetall(k.positions);
    const rebuilt = await projectFromOrderLog(redis, ns);
    expect(rebuilt.missing).toBe(600 - events.length);
    await expect(rebuildProjection(redis, ns)).rejects.toThrow(/no longer holds \d+ of its order events/);
    expect(await redis.hgetall(k.positions)).toEqual(before);
  });

  it('a job queued longer ago than half the records’ lifetime is never posted blind', async () => {
    const ns = `${r.ns}old`;
    venue = await startFakeVenue();
    const retention: Retention = { recordsTtlMs: 120_000, jobsKept: 100, ordersMaxlen: 1000, intentsMaxlen: 1000 };
    running = await startExecutor(r.url, ns, venue.url, { retention, sweepIntervalMs: 100 });
    const redis = running.redis;
    // Queued 70 s ago: its records (60 s of the 120 s lifetime) may be gone. One was placed before the outage
    // (the venue has it), the other never was.
    const [placed, never] = [makeJob(ns, 1), makeJob(ns, 2)];
    const post = await fetch(`${venue.url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'idempotency-key': placed.intent_id },
      body: JSON.stringify({
        market_id: placed.market_id,
        side: 'BUY',
        outcome: 'Yes',
        quantity: '10',
        price: '0.50',
        order_type: 'market',
        client_order_id: placed.intent_id,
      }),
    });
    expect(post.status).toBe(200);
    const postsBefore = venue.posts.length;
    const k = keys(ns);
    const q = new Queue(k.ordersQueue, { connection: running.bull, prefix: k.bullPrefix });
    try {
      for (const j of [placed, never]) {
        await q.add('order', OrderJobContract.encode(j), { jobId: j.intent_id, timestamp: Date.now() - 70_000 });
      }
    } finally {
      await q.close();
    }
    await expect
      .poll(async () => {
        const events = await readOrderEvents(redis, ns);
        return [placed, never].map((j) => terminalsOf(events, j.intent_id).map((e) => `${e.event}:${e.code ?? ''}`));
      }, POLL)
      .toEqual([['acked:'], ['rejected:EXPIRED']]);
    // Found by reconciliation, or not placed: no POST at all, and the failed-job sweep leaves the rejection alone.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(venue.posts.length).toBe(postsBefore);
    expect(venue.ledger.get(never.intent_id)).toBeUndefined();
    expect(terminalsOf(await readOrderEvents(redis, ns), never.intent_id)).toHaveLength(1);
  });
});
