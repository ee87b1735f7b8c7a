// Ambiguous outcomes: the venue persisted the order but the reply did not say so (503 PERSISTENCE_UNKNOWN,
// DEADLINE_OVERSHOT_BUT_PERSISTED, a timeout, a reset, an unreadable 200). The fake venue's idempotent replay
// is OFF, so a re-POST instead of a reconciliation would show up as a second order in its ledger.
// Guarantees: G2 (no duplicate orders) and G3 (exactly one terminal event, acked — not "failed").

import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { readReservation } from '@polybot/strategy-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Behaviour, type FakeVenue, startFakeVenue } from './support/fake-venue.js';
import {
  enqueue,
  eventsOf,
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

const cases: [string, Behaviour, string][] = [
  [
    '503 PERSISTENCE_UNKNOWN',
    { kind: 'persist-then-error', status: 503, code: 'PERSISTENCE_UNKNOWN' },
    'PERSISTENCE_UNKNOWN',
  ],
  [
    '503 DEADLINE_OVERSHOT_BUT_PERSISTED with X-Polysim-Order-Id',
    { kind: 'persist-then-error', status: 503, code: 'DEADLINE_OVERSHOT_BUT_PERSISTED', orderIdHeader: true },
    'DEADLINE_OVERSHOT_BUT_PERSISTED',
  ],
  ['a hang past the request timeout', { kind: 'persist-then-hang' }, ''],
  ['a connection reset after the body was sent', { kind: 'persist-then-reset' }, ''],
  ['an unreadable 200 body', { kind: 'persist-then-garbage' }, 'MALFORMED_RESPONSE'],
];

describe('executor: ambiguous outcomes are reconciled before any retry', () => {
  it.each(cases)('G2+G3: persisted then %s → reconciled, acked, one order', async (_name, behaviour, code) => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) => (p.n === 1 ? behaviour : undefined));
    const ex = await startExecutor(r.url, ns, venue.url, { timeoutMs: 300 });
    running.push(ex);
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(eventsOf(events, j.intent_id)).toEqual(['submitted', 'ambiguous', 'reconciled', 'acked']);
    const ambiguous = events.find((e) => e.event === 'ambiguous');
    if (code !== '') expect(ambiguous?.code).toBe(code);
    const acked = terminalsOf(events, j.intent_id)[0];
    expect(acked).toMatchObject({ event: 'acked', status: 'FILLED', filled_qty: 10_000_000, fill_price: 400_000 });
    expect(acked?.venue_order_id).toBe(String(venue.ledger.get(j.intent_id)?.[0]?.orderId));
    expect(venue.posts).toHaveLength(1);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });

  it('G2+G3: ambiguous but not persisted → re-sent with the same key after reconciling, one order', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) => (p.n === 1 ? { kind: 'error', status: 503, code: 'PERSISTENCE_UNKNOWN' } : undefined));
    const ex = await startExecutor(r.url, ns, venue.url);
    running.push(ex);
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(eventsOf(events, j.intent_id)).toEqual(['submitted', 'ambiguous', 'retrying', 'submitted', 'acked']);
    expect(venue.posts.map((p) => p.idempotencyKey)).toEqual([j.intent_id, j.intent_id]);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });
});

describe('executor: reconciliation that cannot reach the venue', () => {
  it('G2+G3: an ambiguous order is never rejected or re-sent while the listing fails; it is reconciled later', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) =>
      p.n === 1 ? { kind: 'persist-then-error', status: 503, code: 'PERSISTENCE_UNKNOWN' } : undefined,
    );
    venue.scriptList((n) => (n <= 3 ? { kind: 'error', status: 500, code: 'EXECUTION_ERROR' } : undefined));
    // One attempt allowed: an executor that counted failed reconciliations as attempts would reject here.
    const ex = await startExecutor(r.url, ns, venue.url, { maxAttempts: 1 });
    running.push(ex);
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);

    await expect
      .poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, { timeout: 10_000 })
      .toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(terminalsOf(events, j.intent_id)[0]?.event).toBe('acked');
    expect(events.filter((e) => e.event === 'retrying').map((e) => e.code)).toEqual([
      'RECONCILE_FAILED',
      'RECONCILE_FAILED',
      'RECONCILE_FAILED',
    ]);
    expect(venue.listCalls()).toBe(4);
    expect(venue.posts).toHaveLength(1);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });
});

describe('executor: never rejects an order that may exist', () => {
  it('G3: 409 IDEMPOTENCY_CONFLICT_PENDING does not use up attempts; the intent is acked once the venue settles', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) =>
      p.n <= 2 ? { kind: 'error', status: 409, code: 'IDEMPOTENCY_CONFLICT_PENDING', retryAfter: '0.02' } : undefined,
    );
    const ex = await startExecutor(r.url, ns, venue.url, { maxAttempts: 1 });
    running.push(ex);
    const j = makeJob(ns, 1);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(terminalsOf(events, j.intent_id)[0]?.event).toBe('acked');
    // Each pending reply leaves the intent unresolved, so the next run reconciles before posting again.
    expect(eventsOf(events, j.intent_id)).toEqual([
      'submitted',
      'retrying',
      'ambiguous',
      'submitted',
      'retrying',
      'ambiguous',
      'submitted',
      'acked',
    ]);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
  });

  it('G2+G3: out of attempts, one last reconciliation finds an order persisted late: acked, not rejected', async () => {
    const ns = randomNamespace('ex');
    venue = await startFakeVenue();
    venue.script((p) =>
      p.n === 1
        ? { kind: 'error', status: 503, code: 'PERSISTENCE_UNKNOWN' }
        : // The venue executes this one but says it is busy (a late or lying write path).
          { kind: 'persist-then-error', status: 503, code: 'SERVER_BUSY', retryAfter: '0.02' },
    );
    const ex = await startExecutor(r.url, ns, venue.url, { maxAttempts: 2 });
    running.push(ex);
    const j = makeJob(ns, 1);
    await reserve(r.client(), ns, j);
    await enqueue(ex.bull, ns, [j]);

    await expect.poll(async () => terminalsOf(await readOrderEvents(r.client(), ns), j.intent_id).length, POLL).toBe(1);
    const events = await readOrderEvents(r.client(), ns);
    expect(terminalsOf(events, j.intent_id)[0]?.event).toBe('acked');
    expect(eventsOf(events, j.intent_id).slice(-2)).toEqual(['reconciled', 'acked']);
    expect(venue.posts).toHaveLength(2);
    expect(venue.ledger.get(j.intent_id)).toHaveLength(1);
    await expect.poll(async () => (await readReservation(r.client(), ns, j.intent_id))?.status, POLL).toBe('committed');
  });
});
