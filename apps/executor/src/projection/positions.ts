// The positions projection `{ns}:positions` (a hash), updated once per acked intent from its fill:
//   qty:<market>|<outcome>   shares held, micro-units
//   cost:<market>|<outcome>  cost basis of those shares, micro-USD (a SELL removes its average share)
//   cash                     cash delta since the projection began (−notional−fee on BUY, +notional−fee on SELL)
//   realised                 realised P&L of SELLs against the average cost, micro-USD
//   fees                     fees paid, micro-USD;  fills  acked fills applied
// Every value can be rebuilt by replaying the acked events of `{ns}:orders` through applyFill, while the stream
// still holds them all (ORDERS_MAXLEN). An applied marker per intent (same slot as the hash, kept for
// ORDER_RECORDS_TTL_MS) makes a second application a no-op. The average-cost share of
// a partial SELL is rounded to the micro-unit.

import { DEFAULT_RETENTION, luaScript, type RedisClient, runScript } from '@polybot/shared';

const APPLY = luaScript(`
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[6]) then return 0 end
local function int(x) return string.format('%d', x) end
local pk = ARGV[2]
local filled = tonumber(ARGV[3])
local notional = tonumber(ARGV[4])
local fee = tonumber(ARGV[5])
if ARGV[1] == 'BUY' then
  redis.call('HINCRBY', KEYS[1], 'qty:' .. pk, int(filled))
  redis.call('HINCRBY', KEYS[1], 'cost:' .. pk, int(notional))
  redis.call('HINCRBY', KEYS[1], 'cash', int(-(notional + fee)))
else
  local q = tonumber(redis.call('HGET', KEYS[1], 'qty:' .. pk) or '0')
  local c = tonumber(redis.call('HGET', KEYS[1], 'cost:' .. pk) or '0')
  local reduce = 0
  if q > 0 then
    if filled >= q then reduce = c else reduce = math.floor(c / q * filled + 0.5) end
  end
  redis.call('HINCRBY', KEYS[1], 'qty:' .. pk, int(-filled))
  redis.call('HINCRBY', KEYS[1], 'cost:' .. pk, int(-reduce))
  redis.call('HINCRBY', KEYS[1], 'realised', int(notional - reduce))
  redis.call('HINCRBY', KEYS[1], 'cash', int(notional - fee))
end
redis.call('HINCRBY', KEYS[1], 'fees', int(fee))
redis.call('HINCRBY', KEYS[1], 'fills', 1)
return 1
`);

export interface Fill {
  intentId: string;
  marketId: string;
  outcome: string;
  side: 'BUY' | 'SELL';
  /** Shares, micro-units. */
  filled: number;
  notional: number;
  fee: number;
}

/** Applies an acked fill once; returns false when it was already applied. */
export async function applyFill(
  redis: RedisClient,
  positionsKey: string,
  ns: string,
  fill: Fill,
  markerTtlMs = DEFAULT_RETENTION.recordsTtlMs,
): Promise<boolean> {
  if (fill.filled <= 0 && fill.fee <= 0) return false;
  const marker = `${ns}:exec:{${positionsKey}}:applied:${fill.intentId}`;
  const reply = await runScript(
    redis,
    APPLY,
    [positionsKey, marker],
    [fill.side, `${fill.marketId}|${fill.outcome}`, fill.filled, fill.notional, fill.fee, markerTtlMs],
  );
  return Number(reply) === 1;
}

/** The projection hash as a plain record (field → integer string), built in memory. */
export type Projection = Record<string, string>;

/**
 * Applies one fill to an in-memory projection with exactly the script's arithmetic (IEEE doubles, like
 * Lua), so a rebuild from the order log reproduces the live hash field for field.
 */
export function projectFill(p: Projection, fill: Omit<Fill, 'intentId'>): void {
  const get = (f: string) => Number(p[f] ?? '0');
  const add = (f: string, d: number) => {
    p[f] = String(get(f) + d);
  };
  if (fill.filled <= 0 && fill.fee <= 0) return;
  const pk = `${fill.marketId}|${fill.outcome}`;
  if (fill.side === 'BUY') {
    add(`qty:${pk}`, fill.filled);
    add(`cost:${pk}`, fill.notional);
    add('cash', -(fill.notional + fill.fee));
  } else {
    const q = get(`qty:${pk}`);
    const c = get(`cost:${pk}`);
    let reduce = 0;
    if (q > 0) reduce = fill.filled >= q ? c : Math.floor((c / q) * fill.filled + 0.5);
    add(`qty:${pk}`, -fill.filled);
    add(`cost:${pk}`, -reduce);
    add('realised', fill.notional - reduce);
    add('cash', fill.notional - fill.fee);
  }
  add('fees', fill.fee);
  add('fills', 1);
}
