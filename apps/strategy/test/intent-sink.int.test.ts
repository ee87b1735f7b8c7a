// The intent sink on a real Redis. Regression (found by the chaos suite, seed 1): a worker killed between
// appending an intent to `{ns}:intents` and marking it appended re-ran the batch and appended it again.
// Marker and XADD are now one script, so enqueueing the same intent twice appends it once (guarantee 2's
// audit trail; the job itself was always single by jobId).

import {
  type Intent,
  IntentContract,
  intentId,
  keys,
  parseEntries,
  type Retention,
  systemClock,
} from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntentSink, intentLoggedKey } from '../src/enqueue/intent-sink.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const market = `0x${'ef'.repeat(32)}`;

/** An approved BUY intent of namespace `ns` on the tick `${market}-${i}-abcd`. */
function makeIntent(ns: string, i: number): Intent {
  return IntentContract.decode(
    IntentContract.encode({
      intent_id: intentId(ns, 'threshold', `${market}-${i}-abcd`, 0),
      ns,
      strategy: 'threshold',
      market_id: market,
      side: 'BUY',
      outcome: 'Yes',
      quantity: 5_000_000,
      ref_price: 340_000,
      tick_key: `${market}-${i}-abcd`,
      tick_id: `${i}-0`,
      partition: 0,
      decision_index: 0,
      t_emit: 1,
      t_recv: 2,
      t_decide: 3,
    }),
  );
}

describe('intent sink', () => {
  it('appends an intent once even when a re-run enqueues it again as not yet logged', async () => {
    const k = keys(redis.ns);
    const bull = redis.client().duplicate({ maxRetriesPerRequest: null });
    const sink = createIntentSink({ queueConnection: bull, redis: redis.client(), keys: k, clock: systemClock });
    const intent = makeIntent(redis.ns, 1);
    try {
      await sink.enqueue([{ intent, logged: false }]);
      await sink.enqueue([{ intent, logged: false }]);
      const rows = parseEntries(await redis.client().xrange(k.intents, '-', '+')).entries;
      expect(rows.map((r) => IntentContract.decode(r.fields).intent_id)).toEqual([intent.intent_id]);
      expect(await redis.client().exists(intentLoggedKey(k, intent.intent_id))).toBe(1);
      expect((await sink.queue.getJobCounts('waiting')).waiting).toBe(1);
    } finally {
      await sink.close();
      bull.disconnect();
    }
  });

  it('keeps what the configured retention says: intents MAXLEN and the markers’ TTL; jobs carry no keep options', async () => {
    const ns = `${redis.ns}r`;
    const k = keys(ns);
    const bull = redis.client().duplicate({ maxRetriesPerRequest: null });
    const retention: Retention = { recordsTtlMs: 120_000, jobsKept: 7, ordersMaxlen: 10, intentsMaxlen: 10 };
    const sink = createIntentSink({
      queueConnection: bull,
      redis: redis.client(),
      keys: k,
      clock: systemClock,
      retention,
    });
    const intents = Array.from({ length: 400 }, (_, i) => makeIntent(ns, i + 1));
    try {
      for (let i = 0; i < intents.length; i += 50) {
        await sink.enqueue(intents.slice(i, i + 50).map((intent) => ({ intent, logged: false })));
      }
      // MAXLEN ~ trims whole stream nodes (100 entries each by default): far fewer than 400 remain.
      expect(await redis.client().xlen(k.intents)).toBeLessThan(300);
      const ttl = await redis.client().pttl(intentLoggedKey(k, intents[0]?.intent_id ?? ''));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(retention.recordsTtlMs);
      const job = await sink.queue.getJob(intents[0]?.intent_id ?? '');
      // The executor's worker applies its own retention (ORDER_JOBS_KEPT, ORDER_RECORDS_TTL_MS) to every job.
      expect(job?.opts.removeOnComplete).toBeUndefined();
      expect(job?.opts.removeOnFail).toBeUndefined();
    } finally {
      await sink.close();
      bull.disconnect();
    }
  });
});
