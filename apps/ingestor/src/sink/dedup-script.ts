// Atomic cross-ingestor dedup: a tick is appended only when its market's emit time advances past the last
// one written (or equals it with a tick key not yet written at that millisecond). Both keys share the
// partition's hash tag, so the script runs unchanged on Redis Cluster.
//
// KEYS[1] tick stream of the partition, KEYS[2] the partition's last-emit hash (market → emit_ts_ms; the
// tick keys written at that millisecond are kept under `market#k`).
// ARGV[1] market id, ARGV[2] emit_ts_ms, ARGV[3] tick key, ARGV[4] MAXLEN (~), ARGV[5..] the entry fields.
// Returns the new entry id, or nil when the tick was already written (or is older than what was written).
import type { RedisClient } from '@polybot/shared';

export const DEDUP_XADD_LUA = `
local kfield = ARGV[1] .. '#k'
local cur = redis.call('HMGET', KEYS[2], ARGV[1], kfield)
local emit = tonumber(ARGV[2])
local last = tonumber(cur[1])
local written = ARGV[3]
if last then
  if emit < last then return false end
  if emit == last then
    local seen = cur[2] or ''
    if string.find(',' .. seen .. ',', ',' .. ARGV[3] .. ',', 1, true) then return false end
    if seen ~= '' then written = seen .. ',' .. ARGV[3] end
  end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2], kfield, written)
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 5))
`;

export const DEDUP_COMMAND = 'polybotIngestXadd';

/** Registers the script on a connection (idempotent); ioredis sends EVALSHA and falls back to EVAL. */
export function defineDedupCommand(redis: RedisClient): void {
  if (typeof (redis as unknown as Record<string, unknown>)[DEDUP_COMMAND] === 'function') return;
  redis.defineCommand(DEDUP_COMMAND, { numberOfKeys: 2, lua: DEDUP_XADD_LUA });
}
