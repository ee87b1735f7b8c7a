// The ingestor against a scripted feed and a real Redis: ticks land in their partitions, continuity losses
// become gap markers, bad frames are dead-lettered, and two ingestors write one copy of each tick.
import {
  decodeTickStreamEntry,
  ensurePartitions,
  FeedEventContract,
  fieldsToRecord,
  keys,
  PartitionsMismatchError,
  parseServerFrame,
  partition,
  silentLogger,
  VenueError,
} from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestor, type Ingestor, type IngestorOptions } from '../src/index.js';
import { marketId, type ScriptedFeed, startScriptedFeed } from './scripted-feed.js';

const MARKETS = [1, 2, 3, 4, 5].map(marketId);
const PARTITIONS = 4;

let redis: TestRedis;
let feed: ScriptedFeed;
const running: Ingestor[] = [];

beforeAll(async () => {
  redis = await startRedis({ own: true });
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.close()));
  await feed?.close();
  await redis.cleanup();
});

function start(ns: string, opts: Partial<IngestorOptions> = {}): Ingestor {
  const ing = createIngestor({
    options: {
      ns,
      partitions: PARTITIONS,
      markets: MARKETS.join(','),
      backoffBaseMs: 20,
      backoffMaxMs: 100,
      batchSize: 16,
      random: () => 0.5,
      ...opts,
    },
    venue: feed.venue,
    wsUrl: (t) => feed.wsUrl(t),
    parseFrame: parseServerFrame,
    redis: { url: redis.url },
    logger: silentLogger(),
  });
  running.push(ing);
  return ing;
}

async function streamEntries(ns: string) {
  const k = keys(ns);
  const out: { p: number; id: string; fields: Record<string, string> }[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const rows = (await redis.client().xrange(k.ticks(p), '-', '+')) as [string, string[]][];
    for (const [id, flat] of rows) out.push({ p, id, fields: fieldsToRecord(flat) });
  }
  return out;
}

async function ticksOf(ns: string) {
  const rows = await streamEntries(ns);
  return rows.flatMap((r) => {
    const d = decodeTickStreamEntry(r.fields);
    if (!d.ok) throw d.error;
    return d.value.type === 'tick' ? [{ ...d.value, p: r.p }] : [];
  });
}

async function gapsOf(ns: string) {
  const rows = await streamEntries(ns);
  return rows.flatMap((r) => {
    const d = decodeTickStreamEntry(r.fields);
    return d.ok && d.value.type === 'gap' ? [d.value] : [];
  });
}

async function feedEvents(ns: string): Promise<string[]> {
  const rows = (await redis.client().xrange(keys(ns).feed, '-', '+')) as [string, string[]][];
  return rows.map(([, flat]) => FeedEventContract.decode(fieldsToRecord(flat)).event);
}

async function waitSubscribed(n = MARKETS.length) {
  await vi.waitFor(() => expect(feed.subscriptions().flat().length).toBeGreaterThanOrEqual(n), {
    timeout: 10_000,
  });
}

describe('ingestor', () => {
  it('guarantee 6: a venue failing its market list at start-up is waited out, not fatal', async () => {
    // Regression (20-minute chaos run, seed 90210): an ingestor restarted inside a 503 window gave up on
    // GET /v1/markets after 5 attempts and exited 1. Transient failures are now retried for as long as they
    // last; /readyz stays not ready meanwhile.
    feed = await startScriptedFeed(MARKETS);
    let failures = 0;
    const venue = {
      ...feed.venue,
      mintWsToken: () => feed.venue.mintWsToken(),
      tiers: () => feed.venue.tiers(),
      markets: async (q: { limit: number; offset: number }) => {
        if (failures < 12) {
          failures++;
          throw new VenueError({
            method: 'GET',
            path: '/v1/markets',
            status: 503,
            venueCode: 'SERVER_BUSY',
            message: 'busy',
          });
        }
        return feed.venue.markets(q);
      },
    };
    const ing = createIngestor({
      options: { ns: redis.ns, partitions: PARTITIONS, markets: 'auto:5', backoffBaseMs: 5, backoffMaxMs: 20 },
      venue,
      wsUrl: (t) => feed.wsUrl(t),
      parseFrame: parseServerFrame,
      redis: { url: redis.url },
      logger: silentLogger(),
    });
    running.push(ing);
    await ing.start();
    expect(failures).toBe(12);
    await waitSubscribed();
    feed.price(MARKETS[0] as string, '0.40', 1_000);
    await vi.waitFor(async () => expect(await ticksOf(redis.ns)).toHaveLength(1), { timeout: 10_000 });
  });

  it('writes each price frame as a Tick into the partition of its market', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    const ing = start(ns, { opsPort: 0 });
    await ing.start();
    await waitSubscribed();
    MARKETS.forEach((m, i) => {
      feed.price(m, '0.40', 1_000 + i);
    });
    await vi.waitFor(async () => expect(await ticksOf(ns)).toHaveLength(MARKETS.length), { timeout: 10_000 });
    for (const t of await ticksOf(ns)) {
      expect(t.p).toBe(partition(t.market_id, PARTITIONS));
      expect(t.yes).toBe(400_000);
      expect(t.no).toBe(600_000);
      expect(t.recv_ts_ms).toBeGreaterThan(0);
    }
    await vi.waitFor(() => expect(ing.lifecycle.state).toBe('running'), { timeout: 10_000 });
    // Its /metrics: the ingest metrics and, as every polybot process serves them, the process metrics.
    const body = await (await fetch(`${ing.ops?.url}/metrics`)).text();
    expect(body).toMatch(/^polybot_ingest_ticks_total\{/m);
    expect(body).toMatch(/^nodejs_heap_size_used_bytes\{app="ingestor"\} \d+/m);
  });

  it('guarantee 6: garbage frames are dead-lettered and streaming goes on', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    const ing = start(ns, { maxFrameBytes: 64 * 1024 });
    await ing.start();
    await waitSubscribed();
    feed.raw('{not json');
    feed.raw(JSON.stringify({ type: 'price', market_id: MARKETS[0], buy: 'abc', emit_ts_ms: 'x' }));
    feed.raw(JSON.stringify({ type: 'mystery', payload: 1 }));
    feed.raw(JSON.stringify({ type: 'price', market_id: MARKETS[0], buy: '1.7', sell: '-0.7', emit_ts_ms: 5 }));
    feed.raw(JSON.stringify({ type: 'price', buy: '0.5', sell: '0.5', emit_ts_ms: 6 }));
    feed.raw(`{"type":"price","market_id":"${MARKETS[0]}","pad":"${'x'.repeat(70_000)}"}`);
    feed.price(MARKETS[1] as string, '0.55', 2_000);
    await vi.waitFor(async () => expect(await ticksOf(ns)).toHaveLength(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await redis.client().xlen(keys(ns).dead)).toBe(6), { timeout: 10_000 });
    expect(ing.stats().deadLetters).toBe(6);
    expect(ing.lifecycle.state).toBe('running');
  });

  it('keeps each market in emit order within its partition', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    await start(ns).start();
    await waitSubscribed();
    for (let i = 0; i < 200; i++) feed.price(MARKETS[i % MARKETS.length] as string, '0.45', 50_000 + i);
    await vi.waitFor(async () => expect(await ticksOf(ns)).toHaveLength(200), { timeout: 10_000 });
    const byMarket = new Map<string, number[]>();
    for (const t of await ticksOf(ns)) byMarket.set(t.market_id, [...(byMarket.get(t.market_id) ?? []), t.emit_ts_ms]);
    for (const seq of byMarket.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b));
  });

  it('120 markets are spread over 3 connections of at most 50', async () => {
    const many = Array.from({ length: 120 }, (_, i) => marketId(1000 + i));
    feed = await startScriptedFeed(many);
    const ns = redis.ns;
    const ing = start(ns, { markets: 'auto:120' });
    await ing.start();
    await vi.waitFor(() => expect(feed.subscriptions().flat().length).toBe(120), { timeout: 10_000 });
    const sizes = feed.subscriptions().map((s) => s.length);
    expect(sizes).toHaveLength(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(new Set(feed.subscriptions().flat())).toEqual(new Set(many));
    expect(ing.stats().connections).toHaveLength(3);
  });

  it('close 4001: mints a new token, reconnects, resubscribes, and marks the gap', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    const ing = start(ns);
    await ing.start();
    await waitSubscribed();
    feed.price(MARKETS[0] as string, '0.40', 1_000);
    await vi.waitFor(async () => expect(await ticksOf(ns)).toHaveLength(1), { timeout: 10_000 });
    const mintedBefore = feed.venue.minted;
    const connectsBefore = feed.connects;
    feed.closeAll(4001, 'token expired');
    await vi.waitFor(() => expect(feed.connects).toBeGreaterThan(connectsBefore), { timeout: 10_000 });
    await waitSubscribed();
    expect(feed.venue.minted).toBeGreaterThan(mintedBefore);
    const gaps = await gapsOf(ns);
    expect(new Set(gaps.map((g) => g.market_id))).toEqual(new Set(MARKETS));
    expect(gaps.every((g) => g.reason === 'disconnect')).toBe(true);
    feed.price(MARKETS[0] as string, '0.41', 2_000);
    await vi.waitFor(async () => expect(await feedEvents(ns)).toContain('gap_closed'), { timeout: 10_000 });
    const events = await feedEvents(ns);
    expect(events).toContain('disconnected');
    expect(events.filter((e) => e === 'token_minted').length).toBeGreaterThanOrEqual(2);
  });

  it('stall watchdog: a socket that stays open but goes silent is recycled', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    const ing = start(ns, { stallMs: 300, pingMs: 100, pongTimeoutMs: 5_000, subscribeTimeoutMs: 500 });
    feed.autoPrices(20);
    await ing.start();
    await waitSubscribed();
    const connectsBefore = feed.connects;
    feed.stall(true);
    await vi.waitFor(async () => expect(await feedEvents(ns)).toContain('stalled'), { timeout: 10_000 });
    feed.stall(false);
    await vi.waitFor(() => expect(feed.connects).toBeGreaterThan(connectsBefore), { timeout: 10_000 });
    await waitSubscribed();
    expect((await gapsOf(ns)).some((g) => g.reason === 'stall')).toBe(true);
  });

  it('a market missing from the subscribe ack is retried, then reported, and the rest streams', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    const missing = MARKETS[4] as string;
    feed.omitFromAck([missing]);
    const ing = start(ns, { subscribeRetryMs: 50, subscribeRetries: 2 });
    await ing.start();
    await waitSubscribed(MARKETS.length - 1);
    await vi.waitFor(() => expect(ing.stats().rejected.map((r) => r.id)).toContain(missing), { timeout: 10_000 });
    const events = await feedEvents(ns);
    expect(events).toContain('subscribe_missing');
    feed.price(MARKETS[0] as string, '0.40', 1_000);
    await vi.waitFor(async () => expect(await ticksOf(ns)).toHaveLength(1), { timeout: 10_000 });
  });

  it('two ingestors on one feed write each tick once', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    await Promise.all([start(ns).start(), start(ns).start()]);
    await waitSubscribed(2 * MARKETS.length);
    for (let i = 0; i < 20; i++) feed.price(MARKETS[i % MARKETS.length] as string, '0.45', 10_000 + i);
    await vi.waitFor(async () => expect((await ticksOf(ns)).length).toBe(20), { timeout: 10_000 });
    // Both copies were received; the later one is dropped in Redis.
    await vi.waitFor(() => expect(running.reduce((n, i) => n + i.stats().ticksReceived, 0)).toBe(40), {
      timeout: 10_000,
    });
    expect((await ticksOf(ns)).length).toBe(20);
    // Every dropped copy is counted in the dedup metric of the ingestor that dropped it.
    const counted = async (i: Ingestor, name: string) =>
      ((await i.registry.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
    await vi.waitFor(
      async () => {
        let written = 0;
        let deduped = 0;
        for (const i of running) {
          written += await counted(i, 'polybot_ingest_ticks_total');
          deduped += await counted(i, 'polybot_ingest_ticks_deduplicated_total');
        }
        expect([written, deduped]).toEqual([20, 20]);
      },
      { timeout: 10_000 },
    );
  });

  it('started while Redis is down, it checks POLYBOT_PARTITIONS once Redis answers, and a mismatch is fatal', async () => {
    feed = await startScriptedFeed(MARKETS);
    const other = await startRedis({ own: true, aof: true });
    try {
      await ensurePartitions(other.client(), other.ns, PARTITIONS + 3);
      await other.kill();
      const fatal: Error[] = [];
      const ing = createIngestor({
        options: { ns: other.ns, partitions: PARTITIONS, markets: MARKETS.join(','), backoffBaseMs: 20 },
        venue: feed.venue,
        wsUrl: (t) => feed.wsUrl(t),
        parseFrame: parseServerFrame,
        redis: { url: other.url },
        logger: silentLogger(),
        onFatal: (err) => fatal.push(err),
      });
      running.push(ing);
      // Redis down: the feed starts anyway (into the outage buffer), the check waits.
      await ing.start();
      expect(fatal).toEqual([]);
      await other.start();
      await vi.waitFor(() => expect(fatal).toHaveLength(1), { timeout: 15_000 });
      expect(fatal[0]).toBeInstanceOf(PartitionsMismatchError);
      expect(fatal[0]?.message).toContain(`POLYBOT_PARTITIONS=${PARTITIONS} but namespace`);
      expect(await other.client().hget(keys(other.ns).meta, 'partitions')).toBe(String(PARTITIONS + 3));
    } finally {
      await other.stop();
    }
  }, 60_000);

  it('a Redis outage is buffered: no tick is lost while Redis restarts', async () => {
    feed = await startScriptedFeed(MARKETS);
    const ns = redis.ns;
    const ing = start(ns);
    await ing.start();
    await waitSubscribed();
    feed.price(MARKETS[0] as string, '0.40', 1_000);
    await vi.waitFor(async () => expect(await ticksOf(ns)).toHaveLength(1), { timeout: 10_000 });
    await redis.kill();
    for (let i = 1; i <= 10; i++) feed.price(MARKETS[i % MARKETS.length] as string, '0.42', 1_000 + i);
    await vi.waitFor(() => expect(ing.stats().ticksReceived).toBe(11), { timeout: 10_000 });
    await redis.start();
    // Without AOF the restarted server is empty: everything buffered during the outage arrives.
    await vi.waitFor(async () => expect((await ticksOf(ns)).length).toBe(10), { timeout: 15_000 });
  });
});
