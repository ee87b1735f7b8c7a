// Appends OrderEvents to `{ns}:orders`. Terminal events (acked, rejected) go through one Lua script that
// sets a per-intent marker with SET NX and appends only if it won: a crash and redelivery, two executors
// racing on one stalled job, or a re-enqueued intent can never write a second terminal (guarantee 3).
// The marker holds what settling needs (fill, fee, outcome), so a redelivered job can finish settling
// (projection, risk ledger) idempotently after the terminal event is already written.
//
// The marker is `{ns}:exec:{<orders key>}:term:<intent>`: its hash tag is the whole orders key, and a key
// without braces hashes on its whole name, so both keys share a Redis Cluster slot.

import {
  DEFAULT_RETENTION,
  luaScript,
  type OrderEvent,
  OrderEventContract,
  type RedisClient,
  type Retention,
  runScript,
} from '@polybot/shared';
import { z } from 'zod';

/** The known fields of an OrderEvent (the contract's type also admits unknown ones). */
type KnownFields<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
export type OrderEventInput = Omit<KnownFields<OrderEvent>, 'v'>;

export const SettlementSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('acked'),
    market_id: z.string(),
    outcome: z.string(),
    side: z.enum(['BUY', 'SELL']),
    status: z.string(),
    /** Filled shares, micro-units. */
    filled: z.int().min(0),
    /** Fill price, micro-units (0 when nothing filled). */
    price: z.int().min(0),
    notional: z.int().min(0),
    fee: z.int().min(0),
  }),
  z.object({ event: z.literal('rejected'), code: z.string() }),
]);
export type Settlement = z.output<typeof SettlementSchema>;

// KEYS: orders stream, terminal marker[, a key to delete with it (the intent's attempt state)].
// ARGV: settlement, marker ttl ms, orders MAXLEN (~), event fields…
const WRITE_TERMINAL = luaScript(`
local won = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2])
if KEYS[3] then redis.call('DEL', KEYS[3]) end
if not won then return {0, redis.call('GET', KEYS[2]) or ''} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
return {1, id}
`);

export interface TerminalResult {
  /** True when this call wrote the terminal event; false when one already existed. */
  written: boolean;
  /** The settlement of the terminal event that stands (ours, or the earlier one). */
  settlement: Settlement | undefined;
}

export interface OrderLog {
  append(event: OrderEventInput): Promise<string>;
  /**
   * Writes the intent's one terminal event unless one exists. `alsoDelete` (same slot, e.g. the intent's
   * attempt state) is deleted in the same script either way: once a terminal stands it is never read again.
   */
  writeTerminal(event: OrderEventInput, settlement: Settlement, alsoDelete?: string): Promise<TerminalResult>;
  /** The settlement of an intent that already has its terminal event, else undefined. */
  readTerminal(intentId: string): Promise<Settlement | undefined>;
  terminalKey(intentId: string): string;
}

export function parseSettlement(raw: unknown): Settlement | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    const r = SettlementSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `retention`: terminal markers live `recordsTtlMs` (a job re-enqueued within it is recognised); events are
 * appended with MAXLEN ~ `ordersMaxlen`. Default DEFAULT_RETENTION.
 */
export function createOrderLog(
  redis: RedisClient,
  ordersKey: string,
  ns: string,
  retention: Pick<Retention, 'recordsTtlMs' | 'ordersMaxlen'> = DEFAULT_RETENTION,
): OrderLog {
  const { recordsTtlMs: ttlMs, ordersMaxlen: maxlen } = retention;
  const terminalKey = (intentId: string) => `${ns}:exec:{${ordersKey}}:term:${intentId}`;
  return {
    terminalKey,
    async append(event) {
      return String(await redis.xadd(ordersKey, 'MAXLEN', '~', maxlen, '*', ...OrderEventContract.toArgs(event)));
    },
    async writeTerminal(event, settlement, alsoDelete) {
      const value = JSON.stringify(settlement);
      const extra = alsoDelete !== undefined ? [alsoDelete] : [];
      // EVALSHA: the script is not resent (and rehashed by Redis) with every order.
      const reply = (await runScript(
        redis,
        WRITE_TERMINAL,
        [ordersKey, terminalKey(event.intent_id), ...extra],
        [value, ttlMs, maxlen, ...OrderEventContract.toArgs(event)],
      )) as [number, string];
      if (reply[0] === 1) return { written: true, settlement };
      return { written: false, settlement: parseSettlement(reply[1]) };
    },
    async readTerminal(intentId) {
      const raw: unknown = await redis.get(terminalKey(intentId));
      return parseSettlement(raw);
    },
  };
}
