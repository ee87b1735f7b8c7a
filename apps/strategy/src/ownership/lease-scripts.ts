// Lua scripts of partition ownership. Lease, fencing counter, stream and state of one partition share the
// partition's hash tag, so every script here touches one slot (Redis Cluster safe); the worker registry is
// its own key and has its own script.

import { luaScript } from '@polybot/shared';

/**
 * Registry heartbeat. KEYS: workers zset. ARGV: worker id, liveness window ms.
 * Scores are Redis server time, so clock skew between worker hosts does not matter.
 * Returns the live worker ids.
 */
export const HEARTBEAT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZRANGE', KEYS[1], 0, -1)
`);

/**
 * Acquire a free lease with a fresh fencing token. KEYS: lease, fence. ARGV: worker id, ttl ms.
 * Returns the lease value `<worker>|<fence>`, or false when the lease is held.
 */
export const ACQUIRE = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local f = redis.call('INCR', KEYS[2])
local v = ARGV[1] .. '|' .. f
if not redis.call('SET', KEYS[1], v, 'NX', 'PX', ARGV[2]) then return false end
return v
`);

/** Renew a lease we hold. KEYS: lease. ARGV: value, ttl ms. Returns 1, or 0 when it is no longer ours. */
export const RENEW = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** Release a lease we hold. KEYS: lease. ARGV: value. Returns 1, or 0 when it was not ours. */
export const RELEASE = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/**
 * Fenced checkpoint, ack and per-tick accounting: only the current lease holder may move the partition forward.
 * KEYS: lease, state hash, tick stream, tally hash.
 * ARGV: lease value, group, n (state fields), field1, json1, …, g (id groups), then per group: its tally code
 * (comma-separated tally fields), k, and k entry ids.
 * Each group's tally fields grow by the number of its entries XACK actually acknowledged, so an entry delivered
 * twice (a crash before its ack, a takeover) is counted once.
 * Returns the number of entries acked, or -1 when the lease is not ours (nothing is written).
 */
export const CHECKPOINT_ACK = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local n = tonumber(ARGV[3])
local i = 4
while n > 0 do
  local take = math.min(n, 2000)
  local kv = {}
  for j = 1, take * 2 do kv[j] = ARGV[i + j - 1] end
  redis.call('HSET', KEYS[2], unpack(kv))
  i = i + take * 2
  n = n - take
end
if i > #ARGV then return 0 end
local groups = tonumber(ARGV[i])
i = i + 1
local acked = 0
for g = 1, groups do
  local code = ARGV[i]
  local k = tonumber(ARGV[i + 1])
  i = i + 2
  local last = i + k - 1
  local a = 0
  for s = i, last, 4000 do
    a = a + redis.call('XACK', KEYS[3], ARGV[2], unpack(ARGV, s, math.min(s + 3999, last)))
  end
  if a > 0 then
    for f in string.gmatch(code, '[^,]+') do redis.call('HINCRBY', KEYS[4], f, a) end
  end
  acked = acked + a
  i = last + 1
end
return acked
`);

/**
 * Fenced claim of the partition's pending entries: XAUTOCLAIM (min idle 0) only while the lease is ours. A
 * consumer that lost its lease without knowing yet (a Redis restart forgot the lease, another worker took it
 * and claimed the pending list) must not take entries back into its own pending list, where the new owner,
 * reading new entries by then, would never look.
 * KEYS: lease, tick stream. ARGV: lease value, group, consumer, cursor, count.
 * Returns the XAUTOCLAIM reply, or false when the lease is not ours (nothing is claimed).
 */
export const FENCED_CLAIM = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
return redis.call('XAUTOCLAIM', KEYS[2], ARGV[2], ARGV[3], 0, ARGV[4], 'COUNT', ARGV[5])
`);

/**
 * Fenced read of new entries: XREADGROUP `>` (no BLOCK: scripts do not block) only while the lease is ours. A
 * consumer that lost its lease without knowing yet must not take new entries into its own pending list: the
 * new owner would read past them and decide newer ticks first. When nothing is new, the reply carries the
 * stream's newest id, after which the consumer waits with a plain XREAD BLOCK (which takes nothing).
 * KEYS: lease, tick stream. ARGV: lease value, group, consumer, count.
 * Returns {1, XREADGROUP reply}, {0, newest id or '0-0'}, or false when the lease is not ours.
 */
export const FENCED_READ = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[2], '>')
if r then return {1, r} end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if last[1] then return {0, last[1][1]} end
return {0, '0-0'}
`);
