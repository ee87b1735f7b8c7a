// The risk gate: ONE Lua script (ioredis defineCommand) that decides and reserves atomically in Redis, so
// the limits hold across every worker at once. It implements the rules of evaluateRisk
// (@polybot/strategy-kit risk-rules.ts) check for check; a test runs one decision sequence through both.
// All keys live in the `{ns:risk}` slot (see riskLedgerKeys). The executor settles reservations with
// commitReservation / releaseReservation from @polybot/strategy-kit.
//
// Idempotent per intent id: the first verdict is stored under risk:intent:<id> and returned again on any
// later call, so re-running the gate after a crash never reserves twice (and never turns an earlier block
// into a pass). Reserved records wait for the executor; blocked ones expire after `blockedTtlMs`.

import type { RedisClient } from '@polybot/shared';
import {
  type BlockReason,
  BUDGET_WINDOW_MS,
  LUA_INT,
  type RiskLimits,
  type RiskRequest,
  type RiskVerdict,
  riskLedgerKeys,
  riskNotional,
  riskNow,
} from '@polybot/strategy-kit';

const GATE_LUA = `${LUA_INT}
local ik = KEYS[9]
local prior = redis.call('HMGET', ik, 'st', 'r')
if prior[1] then
  if prior[1] == 'blocked' then return {0, prior[2], 1, 0} end
  if redis.call('HGET', ik, 'x') then return {1, '', 1, 1} end
  return {1, '', 1, 0}
end
local now = tonumber(ARGV[1])
local id, m, o, side = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local q, n, emit = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local staleMs, maxPos, maxExp = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local cooldown, perMin, window = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
local function block(reason)
  redis.call('HSET', ik, 'st', 'blocked', 'r', reason, 'm', m, 'o', o, 's', side, 'q', ARGV[6], 'n', '0')
  redis.call('PEXPIRE', ik, ARGV[17])
  return {0, reason, 0, 0}
end
if redis.call('EXISTS', KEYS[1]) == 1 then return block('halted') end
if ARGV[9] ~= '1' then return block('not_tradable') end
if now - emit > staleMs then return block('stale') end
if ARGV[10] == '1' then return block('untrusted') end
local cd = m .. '|' .. side
local last = redis.call('HGET', KEYS[7], cd)
if cooldown > 0 and last and now - tonumber(last) < cooldown then return block('cooldown') end
redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', int(now - window))
if redis.call('ZCARD', KEYS[8]) >= perMin then return block('budget') end
local pk = m .. '|' .. o
if side == 'BUY' then
  local mpos = tonumber(redis.call('HGET', KEYS[5], m) or '0')
  if mpos + q > maxPos then return block('position_cap') end
  local gross = tonumber(redis.call('GET', KEYS[6]) or '0')
  if gross + n > maxExp then return block('exposure_cap') end
  redis.call('HINCRBY', KEYS[3], pk, int(q))
  redis.call('HINCRBY', KEYS[5], m, int(q))
  redis.call('INCRBY', KEYS[6], int(n))
else
  local held = tonumber(redis.call('HGET', KEYS[2], pk) or '0')
  local selling = tonumber(redis.call('HGET', KEYS[4], pk) or '0')
  if held - selling < q then return block('no_position') end
  redis.call('HINCRBY', KEYS[4], pk, int(q))
end
redis.call('HSET', KEYS[7], cd, int(now))
redis.call('ZADD', KEYS[8], int(now), id)
redis.call('HSET', ik, 'st', 'reserved', 'm', m, 'o', o, 's', side, 'q', ARGV[6], 'n', int(n))
redis.call('PERSIST', ik)
return {1, '', 0, 0}
`;

// Marks an approved intent as appended to {ns}:intents, so a re-run after a crash does not append it again.
// KEYS: the intent record. Only an existing record is touched (an expired one is not recreated).
const MARK_LOGGED_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'x', '1') return 1 end
return 0
`;

const COMMAND = 'polybotRiskGate';
const MARK_COMMAND = 'polybotRiskMarkLogged';

export interface RiskGateOptions {
  /** How long a blocked verdict is remembered (re-processing within it gives the same verdict). Default 1 h. */
  blockedTtlMs?: number;
}

/** A gate verdict; `logged` is true when the approved intent was already appended to `{ns}:intents`. */
export type GateVerdict = RiskVerdict & { logged: boolean };

export interface RiskGate {
  /**
   * Decides the requests in order, atomically per request, in one round trip. `now` (ms) is one time for
   * all, or one per request (a replay decides each entry at its recorded time). Rejects on Redis errors.
   */
  decide(requests: readonly RiskRequest[], now: number | readonly number[]): Promise<GateVerdict[]>;
  /** Records that these approved intents are in `{ns}:intents`. */
  markLogged(intentIds: readonly string[]): Promise<void>;
}

type GateCommand = (...args: (string | number)[]) => Promise<unknown>;

function ensureCommand(redis: RedisClient): void {
  if (typeof (redis as unknown as Record<string, unknown>)[COMMAND] !== 'function') {
    redis.defineCommand(COMMAND, { numberOfKeys: 9, lua: GATE_LUA });
    redis.defineCommand(MARK_COMMAND, { numberOfKeys: 1, lua: MARK_LOGGED_LUA });
  }
}

export function createRiskGate(
  redis: RedisClient,
  ns: string,
  limits: RiskLimits,
  opts: RiskGateOptions = {},
): RiskGate {
  ensureCommand(redis);
  const k = riskLedgerKeys(ns);
  const blockedTtl = opts.blockedTtlMs ?? 3_600_000;
  const args = (r: RiskRequest, now: number): (string | number)[] => [
    k.halt,
    k.held,
    k.pendingBuy,
    k.pendingSell,
    k.marketPosition,
    k.gross,
    k.lastOrder,
    k.recent,
    k.intent(r.intentId),
    now,
    r.intentId,
    r.marketId,
    r.outcome,
    r.side,
    r.quantity,
    r.side === 'BUY' ? riskNotional(r.quantity, r.refPrice) : 0,
    r.emitTsMs,
    r.tradable ? '1' : '0',
    r.untrusted ? '1' : '0',
    limits.staleMs,
    limits.maxPosition,
    limits.maxExposure,
    limits.cooldownMs,
    limits.ordersPerMinute,
    BUDGET_WINDOW_MS,
    blockedTtl,
  ];
  return {
    async decide(requests, nowRaw) {
      if (requests.length === 0) return [];
      const nowOf = (i: number) => riskNow(typeof nowRaw === 'number' ? nowRaw : (nowRaw[i] ?? Number.NaN));
      const pipe = redis.pipeline() as unknown as Record<string, GateCommand> & {
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      requests.forEach((r, i) => {
        const now = nowOf(i);
        if (!Number.isFinite(now)) throw new RangeError(`risk gate: no time for request ${i}`);
        (pipe[COMMAND] as GateCommand)(...args(r, now));
      });
      const replies = (await pipe.exec()) ?? [];
      return requests.map((_, i) => {
        const [err, reply] = replies[i] ?? [new Error('no reply'), null];
        if (err) throw err;
        const [ok, reason, replayed, logged] = reply as [number, string, number, number];
        return ok === 1
          ? { ok: true, replayed: replayed === 1, logged: logged === 1 }
          : { ok: false, reason: reason as BlockReason, replayed: replayed === 1, logged: false };
      });
    },
    async markLogged(intentIds) {
      if (intentIds.length === 0) return;
      const pipe = redis.pipeline() as unknown as Record<string, GateCommand> & {
        exec(): Promise<[Error | null, unknown][] | null>;
      };
      for (const id of intentIds) (pipe[MARK_COMMAND] as GateCommand)(k.intent(id));
      const replies = (await pipe.exec()) ?? [];
      for (const [err] of replies) if (err) throw err;
    },
  };
}
