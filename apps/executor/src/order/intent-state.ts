// Per-intent execution state in Redis, so it survives a crash: how many POSTs were made and whether the
// last one may have reached the venue unresolved (`sent`). A redelivered job with `sent` set reconciles
// before it posts again. BullMQ's own attempt counter is not used: retries are scheduled by the executor
// (moveToDelayed), so the producer's job options do not matter and 429s cost no attempt.

import type { RedisClient } from '@polybot/shared';

/** State is dropped this long after the last change: 7 days. */
const STATE_TTL_MS = 7 * 86_400_000;

export interface IntentState {
  attempts: number;
  /** A POST may have reached the venue and its outcome is not known yet. */
  sent: boolean;
}

export interface IntentStateStore {
  read(intentId: string): Promise<IntentState>;
  /** Counts a new attempt and marks it possibly sent, before the POST; returns the attempt number. */
  beginAttempt(intentId: string): Promise<number>;
  /** The last POST provably did not place anything (or reconciliation found nothing). */
  markNotSent(intentId: string): Promise<void>;
  /** A 429: the POST was refused before processing and does not count as an attempt. */
  undoAttempt(intentId: string): Promise<void>;
  clear(intentId: string): Promise<void>;
}

export function createIntentStateStore(redis: RedisClient, ns: string): IntentStateStore {
  const key = (id: string) => `${ns}:exec:state:${id}`;
  return {
    async read(id) {
      const [a, s] = await redis.hmget(key(id), 'attempts', 'sent');
      return { attempts: Number(a ?? 0) || 0, sent: s === '1' };
    },
    async beginAttempt(id) {
      const res = await redis
        .multi()
        .hincrby(key(id), 'attempts', 1)
        .hset(key(id), 'sent', '1')
        .pexpire(key(id), STATE_TTL_MS)
        .exec();
      const first = res?.[0];
      if (!first || first[0]) throw first?.[0] ?? new Error('attempt counter: no reply');
      return Number(first[1]);
    },
    async markNotSent(id) {
      await redis.hset(key(id), 'sent', '0');
    },
    async undoAttempt(id) {
      await redis.multi().hincrby(key(id), 'attempts', -1).hset(key(id), 'sent', '0').exec();
    },
    async clear(id) {
      await redis.del(key(id));
    },
  };
}
