// Memory over a run: RSS of every process of the production stack, and Redis memory, sampled while the
// pipeline runs at 1,000 ticks/s for 5 minutes, once with 50 markets and once with 500 (the two stacks run at
// the same time, each with its own simulator and Redis, so the suite stays within its time budget). A leak is
// growth after warm-up: each row compares the last sample with the one at half the run.
// Redis is judged against the retention it is configured with: tick streams are capped by STREAM_MAXLEN
// (small here, so the cap is reached early in the run); order jobs, intents and order events are kept for
// their own retention windows (BullMQ completed jobs 24 h, streams ~1M entries), which a 5-minute run never
// reaches, so that part grows by a fixed amount per order — the table reports it per order.

import { createRedis, keys } from '@polybot/shared';
import { startRedis } from '@polybot/shared/testing';
import type { BenchCase, BenchContext } from '../context.js';
import { rssOf, sleep } from '../lib/procs.js';
import { startSim, startStack } from '../lib/stack.js';
import type { Table } from '../report.js';
import { PARAMS } from './pipeline.js';

const RATE = 1000;
/** Tick stream retention per partition for these runs (8 partitions: reached after ~80 s at 1,000 ticks/s). */
const STREAM_MAXLEN = 10_000;
/** Growth after warm-up above this share reads as "grows"; JIT and heap sizing settle within a minute. */
const FLAT = 0.1;

const mb = (b: number) => (Number.isFinite(b) ? `${(b / 1024 / 1024).toFixed(1)} MB` : '–');

interface Sample {
  t: number;
  rss: number[];
  redisUsed: number;
  /** Bytes held by the tick streams (MEMORY USAGE of each partition). */
  tickBytes: number;
  /** Partitions whose stream has reached its retention (XLEN ≥ STREAM_MAXLEN). */
  full: number;
  orders: number;
}

interface MemRun {
  markets: number;
  names: string[];
  samples: Sample[];
}

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
      env: { STREAM_MAXLEN: String(STREAM_MAXLEN) },
    });
    const k = keys(stack.ns);
    const procs = [...stack.procs, sim.proc];
    const samples: Sample[] = [];
    const sample = async (t: number): Promise<Sample> => {
      const info = await client.info('memory');
      let tickBytes = 0;
      let full = 0;
      for (let p = 0; p < 8; p++) {
        tickBytes += Number((await client.memory('USAGE', k.ticks(p))) ?? 0);
        if ((await client.xlen(k.ticks(p))) >= STREAM_MAXLEN) full++;
      }
      return {
        t,
        rss: [...procs.map((p) => rssOf(p.pid)), rssOf(redis.pid ?? -1)],
        redisUsed: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN),
        tickBytes,
        full,
        orders: await client.xlen(k.intents),
      };
    };
    try {
      const t0 = Date.now();
      while (Date.now() - t0 <= runMs) {
        samples.push(await sample(Date.now() - t0));
        await sleep(everyMs);
      }
    } finally {
      await stack.stop();
    }
    return { markets: sim.markets.length, names: [...procs.map((p) => p.name), 'redis-server'], samples };
  } finally {
    client.disconnect();
    await sim.close();
    await redis.stop();
  }
}

function growth(a: number, b: number): number {
  return Number.isFinite(a) && a > 0 && Number.isFinite(b) ? (b - a) / a : Number.NaN;
}

const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%` : '–');

function runTable(r: MemRun, runMs: number): Table {
  const s = r.samples;
  const first = s[0];
  const warm = s[Math.floor(s.length / 2)];
  const last = s.at(-1);
  const rows: string[][] = [];
  let grows = 0;
  if (first && warm && last) {
    r.names.forEach((name, i) => {
      const col = s.map((x) => x.rss[i] ?? Number.NaN);
      const g = growth(warm.rss[i] ?? Number.NaN, last.rss[i] ?? Number.NaN);
      const flat = Number.isFinite(g) && g <= FLAT;
      if (!flat) grows++;
      rows.push([
        `${name} (RSS)`,
        mb(first.rss[i] ?? Number.NaN),
        mb(warm.rss[i] ?? Number.NaN),
        mb(last.rss[i] ?? Number.NaN),
        mb(Math.max(...col)),
        pct(g),
        flat ? 'flat' : 'GROWS',
      ]);
    });
    const ticks = growth(warm.tickBytes, last.tickBytes);
    rows.push([
      `Redis: tick streams (MAXLEN ~${STREAM_MAXLEN} × 8)`,
      mb(first.tickBytes),
      mb(warm.tickBytes),
      mb(last.tickBytes),
      mb(Math.max(...s.map((x) => x.tickBytes))),
      pct(ticks),
      // Capped by construction: what matters is that it stops at the cap, so the verdict says how many
      // partitions have reached it (one with few markets fills last).
      last.full === 8
        ? `at retention (8/8 partitions at MAXLEN)${Number.isFinite(ticks) && ticks > FLAT ? ', filled after the warm sample' : ''}`
        : `filling (${last.full}/8 partitions at MAXLEN)`,
    ]);
    const otherWarm = warm.redisUsed - warm.tickBytes;
    const otherLast = last.redisUsed - last.tickBytes;
    const perOrder = (otherLast - otherWarm) / Math.max(1, last.orders - warm.orders);
    rows.push([
      'Redis: the rest (jobs, intents, order events, risk)',
      mb(first.redisUsed - first.tickBytes),
      mb(otherWarm),
      mb(otherLast),
      mb(Math.max(...s.map((x) => x.redisUsed - x.tickBytes))),
      pct(growth(otherWarm, otherLast)),
      `${(perOrder / 1024).toFixed(2)} KB per order, until retention`,
    ]);
  }
  return {
    title: `Memory at ${r.markets} markets, ${RATE} ticks/s for ${runMs / 1000} s (${s.length} samples)`,
    columns: ['what', 'first', `at ${Math.round((warm?.t ?? 0) / 1000)} s`, 'last', 'peak', 'last vs warm', 'verdict'],
    rows,
    notes:
      grows > 0 ? [`${grows} process(es) grew more than ${FLAT * 100}% after warm-up: see the rows marked GROWS.`] : [],
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
      `What ran: ${sizes.length === 2 ? 'two stacks at the same time, each' : 'one stack'} with its own simulator and Redis: ingestor, strategy ×${ctx.smoke ? 1 : 2}, executor, every-nth n=${PARAMS.n} (one order per ${PARAMS.n} ticks of a market), STREAM_MAXLEN=${STREAM_MAXLEN}.`,
      `Flat = RSS at the last sample within +${FLAT * 100}% of the sample at half the run (start-up, JIT warm-up, heap sizing and the filling of the tick streams' retention come before it; a partition with few markets fills last).`,
      'The simulator keeps every order it accepted (its ledger, order list and idempotency records are the evidence the tests read), so it grows with the orders by design; it stands in for the venue and is not part of a deployment against the real PolySimulator.',
      'Tick streams hold at their retention once it is reached. Everything else in Redis is kept for its own retention window — completed order jobs 24 h (job ids are the intent ids, so a re-enqueue within that window is refused), intents and order events ~1,000,000 entries — so it grows by the bytes per order shown until those windows fill; a 5-minute run reaches none of them.',
      `${sizes.length === 2 ? 'Both stacks share' : 'The stack shares'} this 2-core machine (and with other work): memory is what is measured here, not speed.`,
    );
    return tables;
  },
};
