// Memory over a run: RSS of every process of the production stack, and Redis memory, sampled while the
// pipeline runs at 1,000 ticks/s for 5 minutes, once with 50 markets and once with 500 (the two stacks run at
// the same time, each with its own simulator and Redis, so the suite stays within its time budget). A leak is
// growth after warm-up: each row splits the second half of the run into three windows and compares the lowest
// sample of the last window with the lowest of the first. The lows are where a garbage collection has just
// freed what was garbage, so they follow what stays alive; peaks are garbage not yet collected.
// Redis is judged against the retention it is configured with, set small here so that every window fills
// early in the run: tick streams are capped by STREAM_MAXLEN, and what each order leaves (job, intent and
// order events, per-intent records) by ORDER_RECORDS_TTL_MS, ORDER_JOBS_KEPT, ORDERS_MAXLEN and
// INTENTS_MAXLEN. Once they are full, Redis must stay flat.

import { createRedis, keys } from '@polybot/shared';
import { startRedis } from '@polybot/shared/testing';
import type { BenchCase, BenchContext } from '../context.js';
import { metricSum, rssOf, sleep } from '../lib/procs.js';
import { startSim, startStack } from '../lib/stack.js';
import type { Table } from '../report.js';
import { PARAMS } from './pipeline.js';

const RATE = 1000;
/** Tick stream retention per partition for these runs (8 partitions: reached after ~80 s at 1,000 ticks/s). */
const STREAM_MAXLEN = 10_000;
/**
 * Order retention for these runs (about 100 orders/s): per-intent records live the shortest TTL accepted (60 s;
 * the processes warn that under an hour is for tests and benchmarks),
 * completed jobs are capped at 2,000 (20 s of orders), order events at ~20,000 (2–3 per order), intents at
 * ~10,000. All are full well before the warm sample at half the run.
 */
const RETENTION_ENV = {
  ORDER_RECORDS_TTL_MS: '60000',
  ORDER_JOBS_KEPT: '2000',
  ORDERS_MAXLEN: '20000',
  INTENTS_MAXLEN: '10000',
} as const;
const retentionText = Object.entries(RETENTION_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(', ');
/** Lows rising more than this share over the second half of the run read as "grows"; JIT and heap sizing settle before it. */
const FLAT = 0.1;

const mb = (b: number) => (Number.isFinite(b) ? `${(b / 1024 / 1024).toFixed(1)} MB` : '–');

interface Sample {
  t: number;
  rss: number[];
  /** V8 heap in use (nodejs_heap_size_used_bytes), per process as `rss`; NaN where there is no /metrics. */
  heap: number[];
  redisUsed: number;
  /** Bytes held by the tick streams (MEMORY USAGE of each partition). */
  tickBytes: number;
  /** Partitions whose stream has reached its retention (XLEN ≥ STREAM_MAXLEN). */
  full: number;
  orders: number;
}

/** RSS and V8 heap of every process, sampled every second: the lows need samples right after collections. */
interface FastSample {
  t: number;
  rss: number[];
  heap: number[];
}

interface MemRun {
  markets: number;
  names: string[];
  samples: Sample[];
  fast: FastSample[];
}

/** How often RSS and heap are sampled for the verdicts. */
const FAST_MS = 1000;

async function memoryRun(markets: number, runMs: number, everyMs: number, ctx: BenchContext): Promise<MemRun> {
  const redis = await startRedis({ own: true });
  const client = createRedis(redis.url, 'command');
  const sim = await startSim(RATE, markets);
  try {
    ctx.progress(
      `${sim.markets.length} markets at ${RATE} ticks/s for ${runMs / 1000} s, sampling every ${everyMs / 1000} s`,
    );
    const stack = await startStack({
      redisUrl: redis.url,
      sim,
      workers: ctx.smoke ? 1 : 2,
      params: PARAMS,
      env: { STREAM_MAXLEN: String(STREAM_MAXLEN), ...RETENTION_ENV },
    });
    const k = keys(stack.ns);
    const procs = [...stack.procs, sim.proc];
    const samples: Sample[] = [];
    const heapOf = async (name: string) => {
      const url = stack.metricsUrls.get(name);
      if (!url) return Number.NaN;
      try {
        return await metricSum(url, ['nodejs_heap_size_used_bytes'], Number.NaN);
      } catch {
        return Number.NaN;
      }
    };
    const processes = async (t: number): Promise<FastSample> => ({
      t,
      rss: [...procs.map((p) => rssOf(p.pid)), rssOf(redis.pid ?? -1)],
      heap: [...(await Promise.all(procs.map((p) => heapOf(p.name)))), Number.NaN],
    });
    const sample = async (t: number): Promise<Sample> => {
      const info = await client.info('memory');
      let tickBytes = 0;
      let full = 0;
      for (let p = 0; p < 8; p++) {
        tickBytes += Number((await client.memory('USAGE', k.ticks(p))) ?? 0);
        if ((await client.xlen(k.ticks(p))) >= STREAM_MAXLEN) full++;
      }
      return {
        ...(await processes(t)),
        redisUsed: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN),
        tickBytes,
        full,
        orders: (await sim.stats()).orders,
      };
    };
    const fast: FastSample[] = [];
    const t0 = Date.now();
    let running = true;
    const fastLoop = (async () => {
      while (running) {
        fast.push(await processes(Date.now() - t0));
        await sleep(ctx.smoke ? 100 : FAST_MS);
      }
    })();
    try {
      while (Date.now() - t0 <= runMs) {
        samples.push(await sample(Date.now() - t0));
        await sleep(everyMs);
      }
    } finally {
      running = false;
      await fastLoop;
      await stack.stop();
    }
    return { markets: sim.markets.length, names: [...procs.map((p) => p.name), 'redis-server'], samples, fast };
  } finally {
    client.disconnect();
    await sim.close();
    await redis.stop();
  }
}

/**
 * Rise of the lower envelope of `points`: they are split into `windows` consecutive windows, and the lowest
 * value of the last window is compared with the lowest of the first (0.1 = the lows rose by 10 %). Samples
 * that are not numbers are left out; fewer than one per window gives NaN.
 */
export function floorTrend(points: readonly { t: number; v: number }[], windows = 3): number {
  const p = points.filter((x) => Number.isFinite(x.v));
  if (p.length < windows || windows < 2) return Number.NaN;
  const low = (w: number) => {
    const from = Math.floor((w * p.length) / windows);
    const to = Math.floor(((w + 1) * p.length) / windows);
    return Math.min(...p.slice(from, to).map((x) => x.v));
  };
  const first = low(0);
  return first > 0 ? (low(windows - 1) - first) / first : Number.NaN;
}

const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%` : '–');

function runTable(r: MemRun, runMs: number): Table {
  const s = r.samples;
  const first = s[0];
  const half = Math.floor(s.length / 2);
  const warm = s[half];
  const last = s.at(-1);
  const second = s.slice(half);
  const trendOf = (v: (x: Sample) => number) => floorTrend(second.map((x) => ({ t: x.t, v: v(x) })));
  const fastSecond = r.fast.filter((x) => x.t >= (warm?.t ?? 0));
  const fastTrendOf = (v: (x: FastSample) => number) => floorTrend(fastSecond.map((x) => ({ t: x.t, v: v(x) })));
  const rows: string[][] = [];
  let grows = 0;
  if (first && warm && last) {
    r.names.forEach((name, i) => {
      const col = s.map((x) => x.rss[i] ?? Number.NaN);
      const rssTrend = fastTrendOf((x) => x.rss[i] ?? Number.NaN);
      const heapTrend = fastTrendOf((x) => x.heap[i] ?? Number.NaN);
      // The verdict is on RSS (what the process costs the machine); the heap column is there for diagnosis.
      const flat = Number.isFinite(rssTrend) && rssTrend <= FLAT;
      const known = Number.isFinite(rssTrend);
      // The simulator stands in for the venue and keeps every order it accepted (see the notes).
      const venue = name === 'simulator';
      if (!flat && known && !venue) grows++;
      const heap = (x: Sample) => x.heap[i] ?? Number.NaN;
      rows.push([
        `${name} (RSS)`,
        mb(first.rss[i] ?? Number.NaN),
        mb(warm.rss[i] ?? Number.NaN),
        mb(last.rss[i] ?? Number.NaN),
        mb(Math.max(...col)),
        pct(rssTrend),
        Number.isFinite(heap(warm)) ? `${mb(heap(warm))} → ${mb(heap(last))}, ${pct(heapTrend)}` : '–',
        !known ? 'too few samples' : flat ? 'flat' : venue ? 'grows with its order ledger (the venue)' : 'GROWS',
      ]);
    });
    const ticks = trendOf((x) => x.tickBytes);
    rows.push([
      `Redis: tick streams (MAXLEN ~${STREAM_MAXLEN} × 8)`,
      mb(first.tickBytes),
      mb(warm.tickBytes),
      mb(last.tickBytes),
      mb(Math.max(...s.map((x) => x.tickBytes))),
      pct(ticks),
      '–',
      // Capped by construction: what matters is that it stops at the cap, so the verdict says how many
      // partitions have reached it (one with few markets fills last).
      last.full === 8
        ? `at retention (8/8 partitions at MAXLEN)${Number.isFinite(ticks) && ticks > FLAT ? ', filled after the warm sample' : ''}`
        : `filling (${last.full}/8 partitions at MAXLEN)`,
    ]);
    const rest = (x: Sample) => x.redisUsed - x.tickBytes;
    const perOrder = (rest(last) - rest(warm)) / Math.max(1, last.orders - warm.orders);
    const other = trendOf(rest);
    const otherFlat = Number.isFinite(other) && other <= FLAT;
    if (!otherFlat && Number.isFinite(other)) grows++;
    rows.push([
      'Redis: the rest (jobs, intents, order events, per-intent records, risk)',
      mb(rest(first)),
      mb(rest(warm)),
      mb(rest(last)),
      mb(Math.max(...s.map(rest))),
      pct(other),
      '–',
      `${otherFlat ? 'flat, at retention' : Number.isFinite(other) ? 'GROWS' : 'too few samples'}: ${perOrder >= 0 ? '+' : ''}${perOrder.toFixed(0)} B per order after warm-up (${last.orders - warm.orders} orders)`,
    ]);
  }
  return {
    title: `Memory at ${r.markets} markets, ${RATE} ticks/s for ${runMs / 1000} s (${s.length} samples)`,
    columns: [
      'what',
      'first',
      `at ${Math.round((warm?.t ?? 0) / 1000)} s`,
      'last',
      'peak',
      'lows, 2nd half',
      'V8 heap used (warm → last; lows, 2nd half)',
      'verdict',
    ],
    rows,
    notes:
      grows > 0
        ? [`${grows} row(s) whose lows rose more than ${FLAT * 100}% over the second half: see the rows marked GROWS.`]
        : [`Every polybot process and Redis stayed within +${FLAT * 100}% over the second half of the run.`],
  };
}

export const memoryCase: BenchCase = {
  name: 'memory',
  description: 'RSS of each process and Redis memory after 5 minutes at 1,000 ticks/s, at 50 and at 500 markets',
  async run(ctx: BenchContext) {
    const runMs = ctx.smoke ? 2000 : 300_000;
    const everyMs = ctx.smoke ? 500 : 10_000;
    // About 50 and 500 active markets: a few generated markets are closed and never tick.
    const sizes = [54, 540];
    const runs = await Promise.all(sizes.map((m) => memoryRun(m, runMs, everyMs, ctx)));
    const tables = runs.map((r) => runTable(r, runMs));
    const last = tables.at(-1);
    last?.notes?.push(
      `What ran: ${sizes.length === 2 ? 'two stacks at the same time, each' : 'one stack'} with its own simulator and Redis: ingestor, strategy ×${ctx.smoke ? 1 : 2}, executor, every-nth n=${PARAMS.n} (one order per ${PARAMS.n} ticks of a market), STREAM_MAXLEN=${STREAM_MAXLEN}, ${retentionText}.`,
      `Flat = over the second half of the run (start-up, JIT warm-up, heap sizing and the filling of every retention window come before it), split into three windows, the lowest RSS sample of the last window is at most ${FLAT * 100}% above the lowest of the first, RSS sampled every ${FAST_MS / 1000} s. RSS swings with each garbage collection; its lows, right after one, follow what stays alive, so a leak raises them and garbage awaiting collection does not. The V8 heap column (nodejs_heap_size_used_bytes from each process's /metrics, same windows) is for diagnosis, not the verdict: on heaps of a few tens of MB its lows move by several MB as V8 resizes the young generation, which reads as tens of percent either way.`,
      'The simulator keeps every order it accepted (its ledger, order list and idempotency records are the evidence the tests read), so it grows with the orders by design; it stands in for the venue and is not part of a deployment against the real PolySimulator.',
      'Redis is bounded by its configured retention, small here so that every window fills within the first two minutes: tick streams by STREAM_MAXLEN; what each order leaves by ORDER_RECORDS_TTL_MS (terminal, attempt, appended and applied records, settled risk records), ORDER_JOBS_KEPT (completed jobs), ORDERS_MAXLEN and INTENTS_MAXLEN. At the defaults (7 d records, 10,000 jobs, ~1,000,000 entries per stream) the same plateau comes after days; until then Redis grows by what one order leaves, times the orders.',
      `${sizes.length === 2 ? 'Both stacks share' : 'The stack shares'} this 2-core machine (and with other work): memory is what is measured here, not speed.`,
    );
    return tables;
  },
};
