// Reads what the system left behind — the streams, consumer groups, queue and projection in Redis, and
// the simulator's ledger and account — for the invariant checks.

import {
  type Intent,
  IntentContract,
  keys,
  type OrderEvent,
  OrderEventContract,
  parseEntries,
  type StreamEntry,
  toMicro,
} from '@polybot/shared';
import type { Redis } from 'ioredis';
import type { GroupState, Haystack, QueueCounts, VenueOrder } from './invariants.js';

/** Reads a whole stream in pages (tick streams of a long run hold many entries). */
export async function readStream(c: Redis, key: string): Promise<StreamEntry[]> {
  const out: StreamEntry[] = [];
  let start = '-';
  for (;;) {
    const page = parseEntries(await c.xrange(key, start, '+', 'COUNT', 5000)).entries;
    out.push(...page);
    if (page.length < 5000) return out;
    start = `(${(page.at(-1) as StreamEntry).id}`;
  }
}

export interface Logs {
  intents: Intent[];
  events: OrderEvent[];
  /** Entries of the two streams that failed their contract (a finding of its own). */
  undecodable: string[];
}

export async function readLogs(c: Redis, ns: string): Promise<Logs> {
  const k = keys(ns);
  const undecodable: string[] = [];
  const intents: Intent[] = [];
  for (const e of await readStream(c, k.intents)) {
    const r = IntentContract.safeDecode(e.fields);
    if (r.ok) intents.push(r.value);
    else undecodable.push(`intents ${e.id}`);
  }
  const events: OrderEvent[] = [];
  for (const e of await readStream(c, k.orders)) {
    const r = OrderEventContract.safeDecode(e.fields);
    if (r.ok) events.push(r.value);
    else undecodable.push(`orders ${e.id}`);
  }
  return { intents, events, undecodable };
}

function pairs(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** The strategy group's state on every tick partition that exists. */
export async function readGroups(c: Redis, ns: string, partitions: number): Promise<GroupState[]> {
  const k = keys(ns);
  const out: GroupState[] = [];
  for (let p = 0; p < partitions; p++) {
    const stream = k.ticks(p);
    if ((await c.exists(stream)) === 0) continue;
    const info = pairs(await c.call('XINFO', 'STREAM', stream));
    const groups = ((await c.call('XINFO', 'GROUPS', stream)) as unknown[]).map(pairs);
    const g = groups.find((x) => x.name === k.strategyGroup);
    out.push({
      stream,
      group: k.strategyGroup,
      pending: g ? Number(g.pending) : 0,
      lastDeliveredId: g ? String(g['last-delivered-id']) : '0-0',
      lastGeneratedId: String(info['last-generated-id']),
    });
  }
  return out;
}

export async function readQueue(c: Redis, ns: string): Promise<QueueCounts> {
  const k = keys(ns);
  const q = `${k.bullPrefix}:${k.ordersQueue}`;
  const [wait, active, paused, delayed, prioritized] = await Promise.all([
    c.llen(`${q}:wait`),
    c.llen(`${q}:active`),
    c.llen(`${q}:paused`),
    c.zcard(`${q}:delayed`),
    c.zcard(`${q}:prioritized`),
  ]);
  return { wait, active, paused, delayed, prioritized };
}

const LedgerReply = (body: unknown): VenueOrder[] => {
  const orders = (body as { orders?: unknown[] }).orders ?? [];
  return orders.map((raw) => {
    const o = raw as Record<string, string | null>;
    return {
      key: o.client_order_id ?? `(no client_order_id: ${o.order_id})`,
      marketId: String(o.market_id),
      side: o.side === 'SELL' ? 'SELL' : 'BUY',
      outcome: String(o.outcome),
      status: String(o.status),
      quantity: toMicro(String(o.quantity ?? '0')),
      notional: toMicro(String(o.notional ?? '0')),
      ...(o.price ? { price: toMicro(o.price) } : {}),
      createdMs: Date.parse(String(o.created_at)),
    };
  });
};

export async function readLedger(simUrl: string): Promise<VenueOrder[]> {
  const r = await fetch(`${simUrl}/_sim/ledger`, { signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`ledger: ${r.status}`);
  return LedgerReply(await r.json());
}

/** The venue's open positions: `market|outcome` → shares, micro-units. */
export async function readVenuePositions(simUrl: string, apiKey: string): Promise<Map<string, number>> {
  const r = await fetch(`${simUrl}/v1/account/positions`, {
    headers: { 'x-api-key': apiKey },
    signal: AbortSignal.timeout(10_000),
  });
  if (!r.ok) throw new Error(`positions: ${r.status}`);
  const out = new Map<string, number>();
  for (const p of (await r.json()) as { market_id: string; outcome: string; quantity: string }[]) {
    const key = `${p.market_id}|${p.outcome}`;
    out.set(key, (out.get(key) ?? 0) + toMicro(p.quantity));
  }
  for (const [k, v] of out) if (v === 0) out.delete(k);
  return out;
}

/** The venue's balance and starting balance, micro-USD. */
export async function readVenueBalance(
  simUrl: string,
  apiKey: string,
): Promise<{ startingBalance: number; balance: number }> {
  const r = await fetch(`${simUrl}/v1/account/balance`, {
    headers: { 'x-api-key': apiKey },
    signal: AbortSignal.timeout(10_000),
  });
  if (!r.ok) throw new Error(`balance: ${r.status}`);
  const b = (await r.json()) as { balance: string; starting_balance: string };
  return { startingBalance: toMicro(b.starting_balance), balance: toMicro(b.balance) };
}

/** Every value of every key of the namespace, as text (the secrets check greps them). */
export async function dumpNamespace(c: Redis, ns: string): Promise<Haystack[]> {
  const out: Haystack[] = [];
  const seen = new Set<string>();
  for (const pattern of keys(ns).patterns) {
    let cursor = '0';
    do {
      const [next, found] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of found) {
        if (seen.has(key)) continue;
        seen.add(key);
        const type = await c.type(key);
        let text = '';
        if (type === 'string') text = (await c.get(key)) ?? '';
        else if (type === 'hash') text = JSON.stringify(await c.hgetall(key));
        else if (type === 'list') text = JSON.stringify(await c.lrange(key, 0, -1));
        else if (type === 'set') text = JSON.stringify(await c.smembers(key));
        else if (type === 'zset') text = JSON.stringify(await c.zrange(key, 0, -1));
        else if (type === 'stream') text = JSON.stringify(await readStream(c, key));
        out.push({ where: key, text: `${key} ${text}` });
      }
    } while (cursor !== '0');
  }
  return out;
}

/** The origins (`<stream> <id>`) named by the dead letters of `{ns}:dead`. */
export async function readDeadOrigins(c: Redis, ns: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await readStream(c, keys(ns).dead)) if (e.fields.origin) out.add(e.fields.origin);
  return out;
}
