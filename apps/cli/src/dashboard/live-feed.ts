// One reader per dashboard, however many browsers watch: it tails the feed, intents, orders and dead-letter
// streams and samples the tick partitions, then fans events out to the connected clients.

import {
  createRedis,
  DeadLetterContract,
  FeedEventContract,
  fromMicro,
  IntentContract,
  keys,
  OrderEventContract,
  parseEntries,
  TickContract,
} from '@polybot/shared';
import type { Redis } from 'ioredis';

export type LiveEvent =
  | { type: 'feed'; data: Record<string, unknown> }
  | { type: 'intent'; data: Record<string, unknown> }
  | { type: 'order'; data: Record<string, unknown> }
  | { type: 'dead'; data: Record<string, unknown> }
  | {
      type: 'prices';
      data: { market_id: string; yes: string; emit_ts_ms: number; recv_ts_ms: number; tradable: boolean }[];
    };

export interface LiveFeed {
  subscribe(listener: (e: LiveEvent) => void): () => void;
  close(): Promise<void>;
}

/** Decoded values for the page: money back to decimal strings, nothing secret (the streams hold none). */
function view(decoded: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(decoded)) {
    out[k] =
      typeof v === 'number' &&
      ['yes', 'no', 'quantity', 'ref_price', 'fill_price', 'filled_qty', 'fee', 'notional'].includes(k)
        ? fromMicro(v)
        : v;
  }
  return out;
}

export function createLiveFeed(opts: {
  redisUrl: string;
  ns: string;
  partitions: number;
  priceIntervalMs?: number;
}): LiveFeed {
  const k = keys(opts.ns);
  const listeners = new Set<(e: LiveEvent) => void>();
  const emit = (e: LiveEvent) => {
    for (const l of listeners) l(e);
  };
  let reader: Redis | undefined;
  let sampler: NodeJS.Timeout | undefined;
  let stopped = false;
  let loop: Promise<void> | undefined;
  const stopHooks: (() => void)[] = [];

  const streams = [k.feed, k.intents, k.orders, k.dead];
  const decoders = [
    (f: Record<string, string>) => {
      const d = FeedEventContract.safeDecode(f);
      if (d.ok) emit({ type: 'feed', data: view(d.value) });
    },
    (f: Record<string, string>) => {
      const d = IntentContract.safeDecode(f);
      if (d.ok) emit({ type: 'intent', data: view(d.value) });
    },
    (f: Record<string, string>) => {
      const d = OrderEventContract.safeDecode(f);
      if (d.ok) emit({ type: 'order', data: view(d.value) });
    },
    (f: Record<string, string>) => {
      const d = DeadLetterContract.safeDecode(f);
      if (d.ok)
        emit({
          type: 'dead',
          data: { source: d.value.source, kind: d.value.kind, reason: d.value.reason, ts_ms: d.value.ts_ms },
        });
    },
  ];

  const start = () => {
    if (reader) return;
    reader = createRedis(opts.redisUrl, 'blocking', { name: 'dashboard-live' });
    reader.on('error', () => {});
    const r = reader;
    const ids = streams.map(() => '$');
    loop = (async () => {
      while (!stopped) {
        let reply: unknown;
        try {
          reply = await r.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', ...streams, ...ids);
        } catch {
          if (stopped) return;
          await new Promise((res) => setTimeout(res, 500));
          continue;
        }
        if (!Array.isArray(reply)) continue;
        for (const [key, raw] of reply as [string, unknown][]) {
          const i = streams.indexOf(key);
          const { entries } = parseEntries(raw);
          for (const e of entries) {
            ids[i] = e.id;
            decoders[i]?.(e.fields);
          }
        }
      }
    })();
    // Prices: the newest tick of each partition, sampled (the page needs a sparkline, not every tick).
    const sampleReader = createRedis(opts.redisUrl, 'command', { name: 'dashboard-prices' });
    sampleReader.on('error', () => {});
    const seen = new Map<string, string>();
    sampler = setInterval(async () => {
      try {
        const pipe = sampleReader.pipeline();
        for (let p = 0; p < opts.partitions; p++) pipe.xrevrange(k.ticks(p), '+', '-', 'COUNT', 64);
        const res = (await pipe.exec()) ?? [];
        const handled = new Set<string>();
        const prices: (LiveEvent & { type: 'prices' })['data'] = [];
        for (const [err, raw] of res) {
          if (err) continue;
          for (const e of parseEntries(raw).entries) {
            const d = TickContract.safeDecode(e.fields);
            // newest first: only the newest tick of each market counts, and only when it is new
            if (!d.ok || handled.has(d.value.market_id)) continue;
            handled.add(d.value.market_id);
            if (seen.get(d.value.market_id) === d.value.key) continue;
            seen.set(d.value.market_id, d.value.key);
            prices.push({
              market_id: d.value.market_id,
              yes: fromMicro(d.value.yes),
              emit_ts_ms: d.value.emit_ts_ms,
              recv_ts_ms: d.value.recv_ts_ms,
              tradable: d.value.tradable,
            });
          }
        }
        if (prices.length > 0) emit({ type: 'prices', data: prices });
      } catch {
        // Redis away: the next sample tries again
      }
    }, opts.priceIntervalMs ?? 500);
    sampler.unref();
    stopHooks.push(() => sampleReader.disconnect());
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      start();
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      stopped = true;
      if (sampler) clearInterval(sampler);
      for (const h of stopHooks) h();
      reader?.disconnect();
      await loop?.catch(() => {});
    },
  };
}
