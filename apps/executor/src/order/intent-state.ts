// Per-intent execution state in Redis, so it survives a crash: how many POSTs were made and whether the
// last one may have reached the venue unresolved (`sent`). A redelivered job with `sent` set reconciles
// before it posts again. BullMQ's own attempt counter is not used: retries are scheduled by the executor
// (moveToDelayed), so the producer's job options do not matter and 429s cost no attempt.
//
// The state hash shares the orders stream's slot with the terminal marker (keys.execState/execTerminal),
// so the whole durable step before a POST is one script, one round trip (`begin`): terminal already
// written? → the settlement; an unresolved attempt? → reconcile first; else count the attempt, mark it
// possibly sent and append the `submitted` event, atomically.

import { DEFAULT_RETENTION, keys, type RedisClient, type Retention, scriptCommand } from '@polybot/shared';

export interface IntentState {
  attempts: number;
  /** A POST may have reached the venue and its outcome is not known yet. */
  sent: boolean;
}

/** What `begin` found: a terminal marker, an unresolved attempt, or a new attempt counted and logged. */
export type BeginResult =
  | { kind: 'terminal'; raw: string }
  | { kind: 'unresolved'; attempts: number }
  | { kind: 'begun'; attempt: number };

export interface IntentStateStore {
  /** The state hash's key (same slot as the orders stream). */
  key(intentId: string): string;
  read(intentId: string): Promise<IntentState>;
  /**
   * One round trip before a POST: unless the intent's terminal marker exists (when `checkTerminal`) or an
   * earlier attempt is unresolved, counts a new attempt, marks it possibly sent and appends `submitted`
   * (`eventArgs`: the event's XADD field list; its `attempt` value is set to the new attempt number).
   */
  begin(intentId: string, eventArgs: readonly string[], checkTerminal?: boolean): Promise<BeginResult>;
  /** The last POST provably did not place anything (or reconciliation found nothing). */
  markNotSent(intentId: string): Promise<void>;
  /** A 429: the POST was refused before processing and does not count as an attempt. */
  undoAttempt(intentId: string): Promise<void>;
  clear(intentId: string): Promise<void>;
}

// KEYS: terminal marker, state hash, orders stream.
// ARGV: check terminal ('1'/'0'), state ttl ms, orders MAXLEN (~), fields…
const BEGIN_LUA = `
if ARGV[1] == '1' then
  local t = redis.call('GET', KEYS[1])
  if t then return {0, t} end
end
local st = redis.call('HMGET', KEYS[2], 'attempts', 'sent')
if st[2] == '1' then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return {1, tonumber(st[1] or '0') or 0}
end
local n = redis.call('HINCRBY', KEYS[2], 'attempts', 1)
redis.call('HSET', KEYS[2], 'sent', '1')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
local f = {}
for i = 4, #ARGV do f[#f + 1] = ARGV[i] end
for i = 1, #f - 1, 2 do
  if f[i] == 'attempt' then f[i + 1] = tostring(n) end
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', unpack(f))
return {2, n}
`;

/**
 * `retention`: the state hash is dropped `recordsTtlMs` after its last change, and `submitted` events are
 * appended with the orders stream's MAXLEN. Default DEFAULT_RETENTION.
 */
export function createIntentStateStore(
  redis: RedisClient,
  ns: string,
  retention: Pick<Retention, 'recordsTtlMs' | 'ordersMaxlen'> = DEFAULT_RETENTION,
): IntentStateStore {
  const k = keys(ns);
  // EVALSHA (ioredis falls back to EVAL once per connection): the script is not resent with every order.
  const begin = scriptCommand(redis, 'polybotExecBegin', 3, BEGIN_LUA);
  const key = (id: string) => k.execState(id);
  return {
    key,
    async read(id) {
      const [a, s] = await redis.hmget(key(id), 'attempts', 'sent');
      return { attempts: Number(a ?? 0) || 0, sent: s === '1' };
    },
    async begin(id, eventArgs, checkTerminal = true) {
      const reply = (await begin(
        redis,
        k.execTerminal(id),
        key(id),
        k.orders,
        checkTerminal ? '1' : '0',
        retention.recordsTtlMs,
        retention.ordersMaxlen,
        ...eventArgs,
      )) as [number, string | number];
      if (reply[0] === 0) return { kind: 'terminal', raw: String(reply[1]) };
      if (reply[0] === 1) return { kind: 'unresolved', attempts: Number(reply[1]) || 0 };
      return { kind: 'begun', attempt: Number(reply[1]) };
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
