// The TickWriter's batch dedup script against a real Redis, one node and a 3-master Cluster. The reference is
// the script it replaced, called once per tick in queue order: whatever the batch size, the streams, the dedup
// state and the appended/dropped verdicts must be the same as that one. Also: two writers still produce one copy,
// a failing call leaves the dedup state exact, and a tick that cannot be written is counted and dead-lettered.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createRedisClient,
  fieldsToRecord,
  GapContract,
  keys,
  partition,
  type RedisClient,
  silentLogger,
  TickContract,
} from '@polybot/shared';
import { startRedis, startRedisCluster, type TestCluster, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { normalisePriceFrame } from '../src/feed/normalise.js';
import { DEDUP_BATCH_COMMAND, DEDUP_BATCH_LUA } from '../src/sink/dedup-script.js';
import type { GapValue, TickValue } from '../src/sink/entry-values.js';
import { ROUND_MAX, TickWriter, type TickWriterStats } from '../src/sink/tick-writer.js';
import { marketId } from './scripted-feed.js';

const MAXLEN = 1_000_000;

/** The V8 collector, made callable in this process (vitest does not start workers with --expose-gc). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** The per-tick dedup script the batch script replaced: one EVAL per tick, the semantics to keep. */
const PER_TICK_LUA = `
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

type Item = { k: 'tick'; p: number; tick: TickValue } | { k: 'gap'; p: number; gap: GapValue };

/**
 * A seeded feed of `n` ticks over six markets whose emit times wander back and forth and whose prices take two
 * values, so repeats (same tick key), same-millisecond updates and stale ticks are all common; `gaps` mixes in
 * gap markers.
 */
function feedOf(seed: number, n: number, partitions: number, gaps: boolean): Item[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const markets = [11, 12, 13, 14, 15, 16].map(marketId);
  const emit = new Map<string, number>();
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const m = markets[Math.floor(rnd() * markets.length)] as string;
    const p = partition(m, partitions);
    if (gaps && rnd() < 0.05) {
      items.push({
        k: 'gap',
        p,
        gap: { type: 'gap', market_id: m, conn_epoch: 1, reason: 'disconnect', ts_ms: 5_000 + i },
      });
    }
    const e = Math.max(
      1,
      (emit.get(m) ?? 1_000) + ([-2, -1, 0, 0, 0, 1, 1, 2, 2, 3][Math.floor(rnd() * 10)] as number),
    );
    emit.set(m, e);
    const buy = rnd() < 0.5 ? '0.41' : '0.42';
    // Half the markets quote a book, so ticks with and without the optional best_bid/best_ask are both written.
    const book = markets.indexOf(m) % 2 === 0 ? { best_bid: '0.40', best_ask: '0.43' } : {};
    const res = normalisePriceFrame(
      { market_id: m, buy, sell: '0.58', emit_ts_ms: e, source: 'sim', ...book },
      1e12 + i + 0.25,
      1,
    );
    if (!res.ok) throw new Error(res.reason);
    items.push({ k: 'tick', p, tick: res.tick });
  }
  return items;
}

/** Writes the feed with the per-tick script; returns each tick's verdict (true = appended). */
async function writeReference(redis: RedisClient, ns: string, items: Item[]): Promise<boolean[]> {
  const k = keys(ns);
  const verdicts: boolean[] = [];
  for (const it of items) {
    if (it.k === 'gap') {
      await redis.xadd(k.ticks(it.p), 'MAXLEN', '~', MAXLEN, '*', ...GapContract.toArgs(it.gap));
      continue;
    }
    const t = it.tick;
    const id = await redis.eval(
      PER_TICK_LUA,
      2,
      k.ticks(it.p),
      k.lastEmit(it.p),
      t.market_id,
      t.emit_ts_ms,
      t.key,
      MAXLEN,
      ...TickContract.toArgs(t),
    );
    verdicts.push(id !== null);
  }
  return verdicts;
}

interface Written {
  stats: TickWriterStats;
  /** Tick keys in callback order, per verdict. */
  written: string[];
  deduped: string[];
  lost: { key: string; reason: string }[];
}

function newWriter(redis: RedisClient, ns: string, batchSize: number) {
  const k = keys(ns);
  const rec: Omit<Written, 'stats'> = { written: [], deduped: [], lost: [] };
  const writer = new TickWriter({
    redis,
    logger: silentLogger(),
    ticksKey: (p) => k.ticks(p),
    lastEmitKey: (p) => k.lastEmit(p),
    feedKey: k.feed,
    deadKey: k.dead,
    batchSize,
    bufferMax: 100_000,
    streamMaxlen: MAXLEN,
    onTickWritten: (t) => rec.written.push(t.key),
    onTickDeduped: (t) => rec.deduped.push(t.key),
    onTickLost: (t, _p, reason) => rec.lost.push({ key: t.key, reason }),
  });
  return { writer, rec };
}

/** `n` ticks of market `market` (marketId) at emit times base + 1 … base + n, same prices. */
function ticksOf(market: number, base: number, n: number): TickValue[] {
  const m = marketId(market);
  return Array.from({ length: n }, (_, i) => {
    const r = normalisePriceFrame({ market_id: m, buy: '0.5', sell: '0.5', emit_ts_ms: base + i + 1 }, 1e12 + i, 1);
    if (!r.ok) throw new Error(r.reason);
    return r.tick;
  });
}

/**
 * A connection whose dedup command is a stand-in script answering `lua` (a writer on it keeps the command it
 * finds defined).
 */
async function stubConnection(url: string, lua: string): Promise<RedisClient> {
  const stub = await ready(createRedisClient(url, 'fail-fast'));
  stub.defineCommand(DEDUP_BATCH_COMMAND, { numberOfKeys: 2, lua });
  return stub;
}

/** Queues the whole feed at once (batches are then full) and waits until it is written. */
async function writeBatched(redis: RedisClient, ns: string, items: Item[], batchSize: number): Promise<Written> {
  const { writer, rec } = newWriter(redis, ns, batchSize);
  for (const it of items) {
    if (it.k === 'tick') expect(writer.tick(it.tick, it.p)).toBe(true);
    else expect(writer.gap(it.gap, it.p)).toBe(true);
  }
  await writer.drained();
  await writer.close(1000);
  return { ...rec, stats: writer.stats() };
}

/** Every partition's stream (entry fields, in order) and dedup hash. */
async function snapshot(redis: RedisClient, ns: string, partitions: number) {
  const k = keys(ns);
  const out: { entries: string[][]; last: Record<string, string> }[] = [];
  for (let p = 0; p < partitions; p++) {
    const rows = (await redis.xrange(k.ticks(p), '-', '+')) as [string, string[]][];
    out.push({ entries: rows.map(([, f]) => f), last: await redis.hgetall(k.lastEmit(p)) });
  }
  return out;
}

async function ready(redis: RedisClient): Promise<RedisClient> {
  if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
  return redis;
}

/** Runs the feed through the reference and through the writer at each batch size; all must agree. */
async function expectSameAsPerTick(redis: RedisClient, ns: string, items: Item[], partitions: number) {
  const verdicts = await writeReference(redis, `${ns}ref`, items);
  const ticks = items.flatMap((it) => (it.k === 'tick' ? [it.tick] : []));
  // The feed exercises every path: appended (also several at one millisecond), dropped as a same-millisecond
  // repeat, dropped as stale.
  const last = new Map<string, number>();
  const paths = { appended: 0, sameMs: 0, repeat: 0, stale: 0 };
  ticks.forEach((t, i) => {
    const l = last.get(t.market_id);
    if (verdicts[i]) {
      paths.appended++;
      if (l === t.emit_ts_ms) paths.sameMs++;
      last.set(t.market_id, t.emit_ts_ms);
    } else if (l === t.emit_ts_ms) paths.repeat++;
    else paths.stale++;
  });
  for (const [path, count] of Object.entries(paths)) expect(count, path).toBeGreaterThan(ticks.length / 20);
  const expected = await snapshot(redis, `${ns}ref`, partitions);
  const appendedKeys = ticks.filter((_, i) => verdicts[i]).map((t) => t.key);
  const droppedKeys = ticks.filter((_, i) => !verdicts[i]).map((t) => t.key);
  for (const batch of [1, 7, 64, 1000]) {
    const got = await writeBatched(redis, `${ns}b${batch}`, items, batch);
    expect(await snapshot(redis, `${ns}b${batch}`, partitions), `batch ${batch}`).toEqual(expected);
    expect([...got.written].sort(), `batch ${batch}`).toEqual([...appendedKeys].sort());
    expect([...got.deduped].sort(), `batch ${batch}`).toEqual([...droppedKeys].sort());
    expect(got.lost).toEqual([]);
    expect(got.stats).toMatchObject({
      ticksWritten: appendedKeys.length,
      ticksDeduped: droppedKeys.length,
      ticksLost: 0,
      bufferedTicks: 0,
      bufferedControl: 0,
    });
  }
}

describe('tick writer on one Redis node', () => {
  let redis: TestRedis;
  let conn: RedisClient;
  beforeAll(async () => {
    redis = await startRedis({ own: true });
    conn = await ready(createRedisClient(redis.url, 'fail-fast'));
  });
  afterAll(async () => {
    conn?.disconnect();
    await redis?.stop();
  });

  it('one script call per partition and batch gives the streams, dedup state and verdicts of one call per tick', async () => {
    await expectSameAsPerTick(conn, `${redis.ns}s`, feedOf(7, 400, 3, true), 3);
  });

  it('two writers queueing the same ticks write one copy of each, in each market’s order', async () => {
    const items = feedOf(8, 300, 3, false);
    const ns = `${redis.ns}two`;
    const verdicts = await writeReference(conn, `${ns}ref`, items);
    const appended = verdicts.filter((v) => v).length;
    const other = await ready(createRedisClient(redis.url, 'fail-fast'));
    try {
      const a = newWriter(conn, ns, 5);
      const b = newWriter(other, ns, 9);
      for (const it of items) {
        if (it.k !== 'tick') continue;
        a.writer.tick(it.tick, it.p);
        b.writer.tick(it.tick, it.p);
      }
      await Promise.all([a.writer.drained(), b.writer.drained()]);
      await Promise.all([a.writer.close(1000), b.writer.close(1000)]);
      expect(a.rec.written.length + b.rec.written.length).toBe(appended);
      expect(a.rec.deduped.length + b.rec.deduped.length).toBe(2 * items.length - appended);
      // Per market, the entries are those of the single reference writer, in the same order.
      const byMarket = (snap: Awaited<ReturnType<typeof snapshot>>) => {
        const m = new Map<string, string[][]>();
        for (const part of snap)
          for (const e of part.entries) {
            const id = fieldsToRecord(e).market_id as string;
            m.set(id, [...(m.get(id) ?? []), e]);
          }
        return m;
      };
      const got = await snapshot(conn, ns, 3);
      const want = await snapshot(conn, `${ns}ref`, 3);
      expect(byMarket(got)).toEqual(byMarket(want));
      expect(got.map((p) => p.last)).toEqual(want.map((p) => p.last));
    } finally {
      other.disconnect();
    }
  });

  it('a call that fails part-way leaves the dedup state matching what it appended, so a retry adds only the rest', async () => {
    const ns = `${redis.ns}part`;
    const k = keys(ns);
    const m = marketId(21);
    const ticks = ticksOf(21, 999, 3).map((t) => TickContract.toValues(t));
    // The third tick's source is a list, which no XADD argument can be: its XADD fails after the first two were
    // appended.
    const at = TickContract.fields.indexOf('source');
    const broken = [ticks[0], ticks[1], (ticks[2] as (string | null)[]).map((v, i) => (i === at ? ['x'] : v))];
    const call = (entries: unknown[]) =>
      conn.eval(
        DEDUP_BATCH_LUA,
        2,
        k.ticks(0),
        k.lastEmit(0),
        MAXLEN,
        JSON.stringify(entries),
        JSON.stringify(TickContract.fields),
      );
    // The reply says what was done before the failure (two ticks appended) and why the call stopped.
    expect(await call(broken)).toEqual(['11', expect.stringMatching(/must be strings or integers/i)]);
    // A value list that does not match the names (here one value too many) is refused, not written in part.
    expect(await call([ticks[0], [...(ticks[2] as (string | null)[]), 'extra']])).toEqual([
      '0',
      expect.stringMatching(/tick 2 is not a list of the named values/),
    ]);
    expect(await conn.xlen(k.ticks(0))).toBe(2);
    expect(await conn.hmget(k.lastEmit(0), m, `${m}#k`)).toEqual([
      '1001',
      ticks[1]?.[TickContract.fields.indexOf('key')],
    ]);
    expect(await call(ticks)).toBe('001');
    expect(await call(ticks)).toBe('000');
    expect(await conn.xlen(k.ticks(0))).toBe(3);
  });

  it('a call that stops part-way: the ticks before the failure count as written or dropped, only the rest as lost', async () => {
    const ns = `${redis.ns}stop`;
    // The writer's connection runs a stand-in for the script that stops at the third tick of each call, with the
    // reply the script gives then (the marks of the ticks before, the error). A real script cannot be made to fail
    // part-way on values the writer encodes; its side of the reply is checked in the test above.
    const stub = await stubConnection(redis.url, "return { '10', 'ERR stopped by the test' }");
    const { writer, rec } = newWriter(stub, ns, 256);
    try {
      const ticks = ticksOf(31, 1000, 4);
      for (const t of ticks) expect(writer.tick(t, 0)).toBe(true);
      await writer.drained();
      expect(rec.written).toEqual([ticks[0]?.key]);
      expect(rec.deduped).toEqual([ticks[1]?.key]);
      expect(rec.lost).toEqual([
        { key: ticks[2]?.key, reason: 'write_error' },
        { key: ticks[3]?.key, reason: 'write_error' },
      ]);
      expect(writer.stats()).toMatchObject({ ticksWritten: 1, ticksDeduped: 1, ticksLost: 2, bufferedTicks: 0 });
    } finally {
      await writer.close(1000);
      stub.disconnect();
    }
  });

  it('a call that stops at a retryable error (READONLY) keeps its ticks buffered for the retry, none lost', async () => {
    const ns = `${redis.ns}ro`;
    const stub = await stubConnection(
      redis.url,
      "return { '', 'READONLY You can not write against a read only replica.' }",
    );
    const { writer, rec } = newWriter(stub, ns, 256);
    try {
      for (const t of ticksOf(32, 1000, 3)) expect(writer.tick(t, 0)).toBe(true);
      await vi.waitFor(() => expect(writer.stats().writeFailures).toBeGreaterThanOrEqual(1));
      expect(writer.stats()).toMatchObject({ ticksWritten: 0, ticksLost: 0, bufferedTicks: 3, redisUp: false });
      expect(rec).toEqual({ written: [], deduped: [], lost: [] });
    } finally {
      await writer.close(0);
      stub.disconnect();
    }
  });

  it('Redis at maxmemory (OOM): ticks stay buffered and are all written once it takes writes again', async () => {
    const ns = `${redis.ns}oom`;
    const k = keys(ns);
    const { writer, rec } = newWriter(conn, ns, 256);
    const ticks = ticksOf(33, 2000, 3);
    await conn.config('SET', 'maxmemory-policy', 'noeviction');
    await conn.config('SET', 'maxmemory', '1');
    try {
      for (const t of ticks) expect(writer.tick(t, 0)).toBe(true);
      await vi.waitFor(() => expect(writer.stats().writeFailures).toBeGreaterThanOrEqual(1));
      expect(writer.stats()).toMatchObject({ ticksWritten: 0, ticksLost: 0, bufferedTicks: 3, redisUp: false });
      expect(await conn.xlen(k.ticks(0))).toBe(0);
    } finally {
      await conn.config('SET', 'maxmemory', '0');
    }
    try {
      await writer.drained();
      expect(rec.written).toEqual(ticks.map((t) => t.key));
      expect(rec.lost).toEqual([]);
      expect(await conn.xlen(k.ticks(0))).toBe(3);
    } finally {
      await writer.close(1000);
    }
  });

  it('a backlog goes out in as few round trips as ROUND_MAX allows, not a few batches per round trip', async () => {
    const ns = `${redis.ns}round`;
    const { writer, rec } = newWriter(conn, ns, 256);
    // A backlog as a busy socket leaves it between two round trips: queued in one go, over 8 partitions.
    const items = feedOf(41, ROUND_MAX + 4000, 8, false);
    const rounds = vi.spyOn(conn, 'pipeline');
    try {
      for (const it of items) if (it.k === 'tick') expect(writer.tick(it.tick, it.p)).toBe(true);
      await writer.drained();
      // Each round trip is one pipeline: the first takes ROUND_MAX entries, the second the rest.
      expect(rounds).toHaveBeenCalledTimes(2);
      expect(rec.written.length + rec.deduped.length).toBe(items.length);
      expect(rec.lost).toEqual([]);
    } finally {
      rounds.mockRestore();
      await writer.close(1000);
    }
  });

  it('a written tick is not kept by the writer: a long-running ingestor holds only what is still queued', async () => {
    const gc = exposeGc();
    const ns = `${redis.ns}rel`;
    const { writer } = newWriter(conn, ns, 64);
    const refs: WeakRef<object>[] = [];
    try {
      // Queued in a function of its own, so that no frame of this test holds a tick while it waits.
      const queue = (round: number) => {
        for (const it of feedOf(20 + round, 50, 2, false)) {
          if (it.k !== 'tick') continue;
          refs.push(new WeakRef(it.tick));
          expect(writer.tick(it.tick, it.p)).toBe(true);
        }
      };
      // Ticks queued in a few rounds, each round written before the next, as a live feed arrives.
      for (let round = 0; round < 5; round++) {
        queue(round);
        await writer.drained();
      }
      expect(writer.stats().bufferedTicks).toBe(0);
      // Two collections, a turn apart: weak references are cleared after the task that made them ends.
      await new Promise((r) => setImmediate(r));
      gc();
      await new Promise((r) => setImmediate(r));
      gc();
      expect(refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i]))).toEqual([]);
    } finally {
      await writer.close(1000);
    }
  });

  it('ticks of a partition whose stream cannot take them are counted lost; other partitions are written', async () => {
    const ns = `${redis.ns}wt`;
    const k = keys(ns);
    const items = feedOf(9, 60, 2, false);
    await conn.set(k.ticks(1), 'not a stream');
    const got = await writeBatched(conn, ns, items, 16);
    const p1 = items.filter((it) => it.k === 'tick' && it.p === 1).length;
    expect(p1).toBeGreaterThan(0);
    expect(got.stats.ticksLost).toBe(p1);
    expect(got.lost.every((l) => l.reason === 'write_error')).toBe(true);
    expect(got.stats.ticksWritten + got.stats.ticksDeduped).toBe(items.length - p1);
    expect(await conn.xlen(k.ticks(0))).toBe(got.stats.ticksWritten);
  });

  it('guarantee 6: a tick its contract refuses is dead-lettered and counted lost; the rest of the batch is written', async () => {
    const ns = `${redis.ns}bad`;
    const k = keys(ns);
    const items = feedOf(10, 20, 1, false);
    const good = items.filter((it): it is Extract<Item, { k: 'tick' }> => it.k === 'tick');
    const first = good[0]?.tick as TickValue;
    const bad: Item = { k: 'tick', p: 0, tick: { ...first, source: 'x'.repeat(100), key: `${first.key}-bad` } };
    expect(() => TickContract.toArgs(bad.tick)).toThrow();
    const got = await writeBatched(conn, ns, [...items.slice(0, 10), bad, ...items.slice(10)], 256);
    expect(got.lost).toEqual([{ key: `${first.key}-bad`, reason: 'write_error' }]);
    expect(got.stats.ticksWritten + got.stats.ticksDeduped).toBe(items.length);
    const dead = (await conn.xrange(k.dead, '-', '+')) as [string, string[]][];
    expect(dead).toHaveLength(1);
    expect(fieldsToRecord(dead[0]?.[1])).toMatchObject({ source: 'ingestor', kind: 'Tick' });
  });

  it('odd text in a tick (quotes, backslashes, non-ASCII, a lone surrogate) is stored as a per-tick XADD stores it', async () => {
    const ns = `${redis.ns}txt`;
    const items = feedOf(11, 6, 1, false).map((it, i) =>
      it.k === 'tick'
        ? { ...it, tick: { ...it.tick, source: ['q"uote', 'b\\s', 'é✓😀', 'a\ud800b', '\\ud83d', 'x'][i] as string } }
        : it,
    );
    await expectTextSame(conn, ns, items);
  });
});

async function expectTextSame(conn: RedisClient, ns: string, items: Item[]) {
  await writeReference(conn, `${ns}ref`, items);
  await writeBatched(conn, ns, items, 256);
  expect(await snapshot(conn, ns, 1)).toEqual(await snapshot(conn, `${ns}ref`, 1));
}

describe('tick writer on a 3-master Redis Cluster', () => {
  let cluster: TestCluster;
  let conn: RedisClient;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, aof: false });
    conn = await ready(createRedisClient(cluster.url, 'fail-fast'));
  }, 90_000);
  afterAll(async () => {
    conn?.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('each partition’s call stays in its slot (no CROSSSLOT) and the result equals one call per tick', async () => {
    const P = 8;
    const items = feedOf(12, 400, P, true);
    const ns = cluster.ns;
    await expectSameAsPerTick(conn, ns, items, P);
    // The written partitions live on more than one master.
    const used = [...new Set(items.map((it) => it.p))];
    const masters = new Set(await Promise.all(used.map((p) => cluster.masterFor(keys(`${ns}b1000`).ticks(p)))));
    expect(masters.size).toBeGreaterThan(1);
  }, 120_000);
});
