// The risk ledger in Redis: its key layout, and the two calls the executor makes on an order's outcome —
// commitReservation (fill) and releaseReservation (definite rejection). Each is one Lua script keyed by the
// intent id, so it is atomic, idempotent (a second call reports the status and changes nothing) and
// consistent with the gate script that reserved (apps/strategy) and with the pure rules in risk-rules.ts.
//
// Every key is in the `{ns:risk}` hash slot (keys(ns).risk / keys(ns).halt), so one script may touch them
// all on Redis Cluster too:
//   risk:held | risk:pbuy | risk:psell | risk:cost   hash `market|outcome` → integer micro-units
//   risk:mpos                                          hash market → held + pending buys (all outcomes)
//   risk:gross                                         integer micro-USD: holdings cost + pending buy notional
//   risk:last                                          hash `market|side` → ms of the last passed order
//   risk:recent                                        zset intent id → ms (orders-per-minute window)
//   risk:intent:<intent id>                            hash st (reserved|committed|released|blocked), r (reason),
//                                                      m, o, s, q, n (reserved notional)
// A reserved record has no TTL (it waits for the executor); committed, released and blocked ones expire.

import {
  DEFAULT_RETENTION,
  keys,
  luaScript,
  type Micro,
  type RedisClient,
  runScript,
  settledRecordTtlMs,
} from '@polybot/shared';
import type { PositionView } from '../strategy.js';
import { positionKey, type ReservationStatus, riskNotional, type SettleResult } from './risk-rules.js';

export interface RiskLedgerKeys {
  halt: string;
  held: string;
  pendingBuy: string;
  pendingSell: string;
  cost: string;
  marketPosition: string;
  gross: string;
  lastOrder: string;
  recent: string;
  intent(intentId: string): string;
}

export function riskLedgerKeys(ns: string): RiskLedgerKeys {
  const k = keys(ns);
  return {
    halt: k.halt,
    held: k.risk('held'),
    pendingBuy: k.risk('pbuy'),
    pendingSell: k.risk('psell'),
    cost: k.risk('cost'),
    marketPosition: k.risk('mpos'),
    gross: k.risk('gross'),
    lastOrder: k.risk('last'),
    recent: k.risk('recent'),
    intent: (id) => k.risk(`intent:${id}`),
  };
}

/** How long committed and released records are kept by default (a late duplicate still finds them): 24 h. */
export const SETTLED_TTL_MS = settledRecordTtlMs(DEFAULT_RETENTION);

/** Lua helper shared by the ledger scripts: exact integer to string (Lua's tostring would use %.14g). */
export const LUA_INT = "local function int(x) return string.format('%d', x) end\n";

const SETTLE_KEYS = (k: RiskLedgerKeys, intentId: string) => [
  k.intent(intentId),
  k.held,
  k.pendingBuy,
  k.pendingSell,
  k.cost,
  k.marketPosition,
  k.gross,
];

const COMMIT = luaScript(`${LUA_INT}
local r = redis.call('HMGET', KEYS[1], 'st', 'm', 'o', 's', 'q', 'n')
if not r[1] then return 'unknown' end
if r[1] ~= 'reserved' then return r[1] end
local pk = r[2] .. '|' .. r[3]
local q = tonumber(r[5])
local n = tonumber(r[6])
local filled = tonumber(ARGV[1])
local fn = tonumber(ARGV[2])
if r[4] == 'BUY' then
  redis.call('HINCRBY', KEYS[3], pk, int(-q))
  redis.call('HINCRBY', KEYS[2], pk, int(filled))
  redis.call('HINCRBY', KEYS[6], r[2], int(filled - q))
  redis.call('HINCRBY', KEYS[5], pk, int(fn))
  redis.call('INCRBY', KEYS[7], int(fn - n))
else
  redis.call('HINCRBY', KEYS[4], pk, int(-q))
  local held = redis.call('HINCRBY', KEYS[2], pk, int(-filled))
  redis.call('HINCRBY', KEYS[6], r[2], int(-filled))
  local cost = tonumber(redis.call('HGET', KEYS[5], pk) or '0')
  local reduce = cost
  if held > 0 then reduce = math.floor(cost / (held + filled) * filled + 0.5) end
  redis.call('HINCRBY', KEYS[5], pk, int(-reduce))
  redis.call('INCRBY', KEYS[7], int(-reduce))
end
redis.call('HSET', KEYS[1], 'st', 'committed')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'ok'
`);

const RELEASE = luaScript(`${LUA_INT}
local r = redis.call('HMGET', KEYS[1], 'st', 'm', 'o', 's', 'q', 'n')
if not r[1] then return 'unknown' end
if r[1] ~= 'reserved' then return r[1] end
local pk = r[2] .. '|' .. r[3]
local q = tonumber(r[5])
if r[4] == 'BUY' then
  redis.call('HINCRBY', KEYS[3], pk, int(-q))
  redis.call('HINCRBY', KEYS[6], r[2], int(-q))
  redis.call('INCRBY', KEYS[7], int(-tonumber(r[6])))
else
  redis.call('HINCRBY', KEYS[4], pk, int(-q))
end
redis.call('HSET', KEYS[1], 'st', 'released')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 'ok'
`);

function settleResult(reply: unknown): SettleResult {
  const s = String(reply);
  return s === 'ok' ? { applied: true } : { applied: false, status: s as ReservationStatus | 'unknown' };
}

export interface SettleOptions {
  /** How long the settled record is kept; default SETTLED_TTL_MS. */
  ttlMs?: number;
}

/**
 * Executor: the order of `intentId` filled `filledQty` shares at `price` (micro-units). A BUY becomes a
 * holding (its cost replaces the reserved notional), a SELL reduces one. `filledQty` above the reserved
 * quantity is capped at it; 0 behaves like a release that also marks the record committed.
 * Idempotent: a second call (or a call after release) changes nothing and returns `{applied:false, status}`.
 * Rejects only on Redis errors (the caller retries: the call is safe to repeat).
 */
export async function commitReservation(
  redis: RedisClient,
  ns: string,
  intentId: string,
  filledQty: Micro,
  price: Micro,
  opts: SettleOptions = {},
): Promise<SettleResult> {
  const k = riskLedgerKeys(ns);
  const q = await redis.hget(k.intent(intentId), 'q');
  if (q === null) return { applied: false, status: 'unknown' };
  const filled = Math.max(0, Math.min(filledQty, Number(q)));
  const reply = await runScript(redis, COMMIT, SETTLE_KEYS(k, intentId), [
    filled,
    riskNotional(filled, price),
    opts.ttlMs ?? SETTLED_TTL_MS,
  ]);
  return settleResult(reply);
}

/**
 * Executor: the order of `intentId` was definitely rejected (never placed): give its reservation back.
 * Idempotent like commitReservation.
 */
export async function releaseReservation(
  redis: RedisClient,
  ns: string,
  intentId: string,
  opts: SettleOptions = {},
): Promise<SettleResult> {
  const reply = await runScript(redis, RELEASE, SETTLE_KEYS(riskLedgerKeys(ns), intentId), [
    opts.ttlMs ?? SETTLED_TTL_MS,
  ]);
  return settleResult(reply);
}

/** The risk ledger's record of one intent, or null (never decided, or expired). */
export async function readReservation(
  redis: RedisClient,
  ns: string,
  intentId: string,
): Promise<{ status: ReservationStatus; reason?: string } | null> {
  const [st, r] = await redis.hmget(riskLedgerKeys(ns).intent(intentId), 'st', 'r');
  if (!st) return null;
  return r ? { status: st as ReservationStatus, reason: r } : { status: st as ReservationStatus };
}

/** Position views of several markets in one round trip (what the workers pass as ctx.position). */
export async function readPositionViews(
  redis: RedisClient,
  ns: string,
  markets: readonly string[],
): Promise<Map<string, PositionView>> {
  const out = new Map<string, PositionView>();
  if (markets.length === 0) return out;
  const k = riskLedgerKeys(ns);
  const fields = markets.flatMap((m) => [positionKey(m, 'Yes'), positionKey(m, 'No')]);
  const [held, pbuy, psell] = await Promise.all([
    redis.hmget(k.held, ...fields),
    redis.hmget(k.pendingBuy, ...fields),
    redis.hmget(k.pendingSell, ...fields),
  ]);
  const n = (list: (string | null)[], i: number) => Number(list[i] ?? 0) || 0;
  markets.forEach((m, j) => {
    const one = (i: number) => ({ held: n(held, i), pendingBuy: n(pbuy, i), pendingSell: n(psell, i) });
    out.set(m, { Yes: one(2 * j), No: one(2 * j + 1) });
  });
  return out;
}
