// The intent sink on a real Redis. Regression (found by the chaos suite, seed 1): a worker killed between
// appending an intent to `{ns}:intents` and marking it appended re-ran the batch and appended it again.
// Marker and XADD are now one script, so enqueueing the same intent twice appends it once (guarantee 2's
// audit trail; the job itself was always single by jobId).

import { IntentContract, intentId, keys, parseEntries, systemClock } from '@polybot/shared';
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

describe('intent sink', () => {
  it('appends an intent once even when a re-run enqueues it again as not yet logged', async () => {
    const k = keys(redis.ns);
    const bull = redis.client().duplicate({ maxRetriesPerRequest: null });
    const sink = createIntentSink({ queueConnection: bull, redis: redis.client(), keys: k, clock: systemClock });
    const market = `0x${'ef'.repeat(32)}`;
    const intent = IntentContract.decode(
      IntentContract.encode({
        intent_id: intentId(redis.ns, 'threshold', `${market}-1-abcd`, 0),
        ns: redis.ns,
        strategy: 'threshold',
        market_id: market,
        side: 'BUY',
        outcome: 'Yes',
        quantity: 5_000_000,
        ref_price: 340_000,
        tick_key: `${market}-1-abcd`,
        tick_id: '1-0',
        partition: 0,
        decision_index: 0,
        t_emit: 1,
        t_recv: 2,
        t_decide: 3,
      }),
    );
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
});
