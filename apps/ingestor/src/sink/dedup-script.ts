// Atomic cross-ingestor dedup, one script call per partition per batch: each tick is appended only when its
// market's emit time advances past the last one written (or equals it with a tick key not yet written at that
// millisecond). Both keys share the partition's hash tag, so the script runs unchanged on Redis Cluster.
//
// KEYS[1] tick stream of the partition, KEYS[2] the partition's last-emit hash (market → emit_ts_ms; the
// tick keys written at that millisecond are kept comma-joined under `market#k`).
// ARGV[1] MAXLEN (~), ARGV[2] the ticks in stream order as one JSON array, each tick the list of its values
// (strings) in the order of ARGV[3], the JSON array of field names (TickContract.fields), null for an absent
// optional field. The script puts the names back: the call carries each name once, not once per tick, which
// cuts what the ingestor builds and sends and what Redis reads and decodes (about 270 bytes a tick against
// 390). market_id, emit_ts_ms and key are found by name.
// Returns one character per tick, in order: `1` appended, `0` dropped (already written, by another ingestor or
// a retried batch, or older than what was written). The ticks are taken one after another exactly as one call
// per tick would take them; the last-emit hash is read once per market and written once per market at the end.
// If a command fails, or a tick is not a list of the named values, the hash is first brought up to date with the
// ticks appended before it, and the call returns the pair { the characters of the ticks before it, the error
// message }: the caller knows which ticks were written, and a retried call drops those and appends the rest
// (nothing written twice, nothing skipped).
import type { RedisClient } from '@polybot/shared';

export const DEDUP_BATCH_LUA = `
local hash = KEYS[2]
local maxlen = ARGV[1]
local ticks = cjson.decode(ARGV[2])
local names = cjson.decode(ARGV[3])
local null = cjson.null
local nf = #names
local im, ie, ik
for i = 1, nf do
  local n = names[i]
  if n == 'market_id' then im = i elseif n == 'emit_ts_ms' then ie = i elseif n == 'key' then ik = i end
end
if not (im and ie and ik) then
  return redis.error_reply('ERR field names lack market_id, emit_ts_ms or key')
end
local state = {}
local dirty = {}
local out = {}
local function flush()
  local args = {}
  for j = 1, #dirty do
    local market = dirty[j]
    local s = state[market]
    args[#args + 1] = market
    args[#args + 1] = s.emit
    args[#args + 1] = market .. '#k'
    args[#args + 1] = s.seen
    if #args >= 400 then
      redis.call('HSET', hash, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('HSET', hash, unpack(args)) end
end
-- Stops at a failure: the hash made exact, then what was done so far and why it stopped.
local function fail(message)
  flush()
  return { table.concat(out), message }
end
-- One XADD argument list, refilled for each tick (only its first n slots are sent).
local xargs = { KEYS[1], 'MAXLEN', '~', maxlen, '*' }
for t = 1, #ticks do
  local vals = ticks[t]
  local market, emitArg, key
  -- A list of another length does not follow the names: refused, so that no value is dropped or misplaced.
  if type(vals) == 'table' and #vals == nf then
    market, emitArg, key = vals[im], vals[ie], vals[ik]
  end
  local emit = tonumber(emitArg)
  if type(market) ~= 'string' or type(key) ~= 'string' or type(emitArg) ~= 'string' or not emit then
    return fail('ERR tick ' .. t .. ' is not a list of the named values with market_id, emit_ts_ms and key')
  end
  local s = state[market]
  if not s then
    local cur = redis.pcall('HMGET', hash, market, market .. '#k')
    if cur.err then return fail(cur.err) end
    s = { last = tonumber(cur[1]), emit = cur[1], seen = cur[2] or '', dirty = false }
    state[market] = s
  end
  local append = true
  local written = key
  if s.last then
    if emit < s.last then
      append = false
    elseif emit == s.last then
      if string.find(',' .. s.seen .. ',', ',' .. key .. ',', 1, true) then
        append = false
      elseif s.seen ~= '' then
        written = s.seen .. ',' .. key
      end
    end
  end
  if append then
    local n = 5
    for i = 1, nf do
      local v = vals[i]
      if v ~= nil and v ~= null then
        xargs[n + 1] = names[i]
        xargs[n + 2] = v
        n = n + 2
      end
    end
    local r = redis.pcall('XADD', unpack(xargs, 1, n))
    if type(r) == 'table' and r.err then return fail(r.err) end
    s.last = emit
    s.emit = emitArg
    s.seen = written
    if not s.dirty then
      s.dirty = true
      dirty[#dirty + 1] = market
    end
    out[t] = '1'
  else
    out[t] = '0'
  end
end
flush()
return table.concat(out)
`;

export const DEDUP_BATCH_COMMAND = 'polybotIngestXaddBatch';

/** Most ticks in one script call (a longer run of one partition is split over several calls). */
export const DEDUP_BATCH_MAX = 1024;

/** Registers the script on a connection (idempotent); ioredis sends EVALSHA and falls back to EVAL. */
export function defineDedupCommand(redis: RedisClient): void {
  if (typeof (redis as unknown as Record<string, unknown>)[DEDUP_BATCH_COMMAND] === 'function') return;
  redis.defineCommand(DEDUP_BATCH_COMMAND, { numberOfKeys: 2, lua: DEDUP_BATCH_LUA });
}

/** A code unit of a surrogate pair without its partner (JSON.stringify escapes these, cjson refuses them). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * ARGV[2] of the script: the ticks' value lists as JSON (null for an absent field). A lone surrogate (possible in
 * a venue string such as `source`) becomes U+FFFD, the character an XADD argument carrying it would have been
 * stored as.
 */
export function encodeDedupBatch(entries: readonly (readonly (string | null)[])[]): string {
  const json = JSON.stringify(entries);
  if (!json.includes('\\ud')) return json;
  return JSON.stringify(entries.map((e) => e.map((v) => (v === null ? v : v.replace(LONE_SURROGATE, '\ufffd')))));
}
