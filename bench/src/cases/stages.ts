// Throughput of each stage at saturation, each next to its raw floor measured in the same run:
// - ingest: the ingestor process fed by the simulator far above what it can take → ticks/s written to the
//   streams, next to the simulator's frames/s and a bare pipelined XADD;
// - strategy: K worker processes (1, 2, 4) draining a pre-filled backlog → entries/s, next to a bare
//   XREADGROUP + XACK loop (the scaling curve; the machine has 2 cores);
// - executor: one executor process draining a pre-filled BullMQ queue → orders/s, next to a bare BullMQ
//   worker and a bare undici POST loop against the same simulator.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRedis, createRedisClient, keys, OrderJobContract, type RedisClient } from '@polybot/shared';
import { freePort, startRedis } from '@polybot/shared/testing';
import { ORDER_JOB_NAME } from '@polybot/strategy';
import { Queue, Worker } from 'bullmq';
import { Pool } from 'undici';
import { type BenchCase, type BenchContext, now } from '../context.js';
import {
  appMain,
  cpuMsOf,
  metricSum,
  PROFILE_DIR,
  type Proc,
  procMain,
  request,
  sleep,
  spawnNode,
  waitReady,
} from '../lib/procs.js';
import { findProfile, hotSpots } from '../lib/profile.js';
import { readOrderEvents, type SimHandle, startSim } from '../lib/stack.js';
import type { Table } from '../report.js';
import { fmtMs, fmtRate, summarize } from '../stats.js';
import { readAckThroughput, xaddThroughput } from './redis-floors.js';

const P = 8;
/** Cores of this machine, for the verdict on what 100k ticks/s would need. */
const CORES = availableParallelism();

function baseEnv(redisUrl: string, ns: string, sim?: SimHandle): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    POLYBOT_NS: ns,
    POLYBOT_PARTITIONS: String(P),
    LOG_LEVEL: 'warn',
    STRATEGY: 'every-nth',
    STRATEGY_PARAMS: JSON.stringify({ n: 10, size: '5' }),
    RISK_COOLDOWN_MS: '0',
    RISK_STALE_MS: '3600000',
    RISK_MAX_POSITION: '1000000',
    RISK_MAX_EXPOSURE: '1000000000',
    RISK_ORDERS_PER_MIN: '100000000',
    EXECUTOR_WRITES_PER_SEC: '1000000',
    EXECUTOR_CONCURRENCY: '32',
    VENUE_CONNECTIONS: '32',
    STREAM_MAXLEN: '50000000',
    LEASE_TTL_MS: '3000',
    ...(sim
      ? { POLYSIM_BASE_URL: sim.baseUrl, POLYSIM_API_KEY: sim.apiKey, POLYBOT_MARKETS: sim.markets.join(',') }
      : {}),
  };
}

async function startApp(name: string, entry: string, env: Record<string, string>): Promise<Proc> {
  return (await startAppWithPort(name, entry, env)).proc;
}

async function startAppWithPort(
  name: string,
  entry: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const p = spawnNode(name, entry, { env: { ...env, METRICS_PORT: String(port) }, execArgv });
  await waitReady(p, `http://127.0.0.1:${port}/readyz`);
  return { proc: p, port };
}

/** Sum of every sample of the named counters on an app's /metrics page. */
const counterSum = (port: number, names: readonly string[]) => metricSum(`http://127.0.0.1:${port}/metrics`, names);

const strategyEntry = () => appMain('strategy');

/** Rate between the moments `read()` crosses 10% and 90% of `total` (start-up and tail excluded). */
async function rateBetween(
  read: () => Promise<number>,
  total: number,
  maxMs: number,
  /** Called at both marks (e.g. CPU ms of the processes measured); gets the items done between them. */
  probe?: { mark(): void; done(items: number): void },
): Promise<number> {
  const deadline = Date.now() + maxMs;
  let a: { n: number; t: number } | undefined;
  while (Date.now() < deadline) {
    const n = await read();
    const t = now();
    if (!a && n >= total * 0.1) {
      a = { n, t };
      probe?.mark();
    }
    if (a && n >= total * 0.9) {
      probe?.done(n - a.n);
      return ((n - a.n) * 1000) / Math.max(1, t - a.t);
    }
    await sleep(20);
  }
  return Number.NaN;
}

async function streamsRead(redis: RedisClient, ns: string): Promise<number> {
  const k = keys(ns);
  let n = 0;
  for (let p = 0; p < P; p++) {
    try {
      const groups = (await redis.xinfo('GROUPS', k.ticks(p))) as unknown[][];
      for (const g of groups) {
        const i = g.indexOf('entries-read');
        const l = g.indexOf('pending');
        if (i >= 0) n += Number(g[i + 1] ?? 0) - Number(l >= 0 ? g[l + 1] : 0);
      }
    } catch {
      // stream not created yet
    }
  }
  return n;
}

const profArgs = (name: string) => [
  '--cpu-prof',
  `--cpu-prof-dir=${PROFILE_DIR}`,
  `--cpu-prof-name=${name}.cpuprofile`,
];

function profileRow(label: string, name: string): string[] {
  const file = findProfile(PROFILE_DIR, name);
  if (!file) return [label, '–', 'no profile written'];
  const h = hotSpots(file, 6);
  return [label, `${(h.busy * 100).toFixed(0)}%`, h.top.join('; ')];
}

/** --cpu-prof of the ingestor alone under the same offered load, `ms` long. */
async function profileIngest(redisUrl: string, ms: number, ctx: BenchContext): Promise<string[]> {
  ctx.progress(`--cpu-prof pass: ingestor alone for ${ms / 1000} s, profile in ${PROFILE_DIR}`);
  mkdirSync(PROFILE_DIR, { recursive: true });
  const sim = await startSim(200_000);
  try {
    const ns = `bsp${randomBytes(3).toString('hex')}`;
    const { proc } = await startAppWithPort(
      'ingestor',
      appMain('ingestor'),
      baseEnv(redisUrl, ns, sim),
      profArgs('stage-ingestor'),
    );
    await sleep(ms);
    await proc.stop(30_000);
  } finally {
    await sim.close();
  }
  return profileRow('ingestor (ingest stage)', 'stage-ingestor');
}

/**
 * The floor under the ingest stage: a bare WS client (bench/procs/ws-floor) on the same simulator feed that only
 * receives and JSON.parses each frame. Its CPU per frame and its rate over `ms`.
 */
async function wsParseFloor(sim: SimHandle, ms: number): Promise<{ cpuPerFrame: number; rate: number }> {
  const proc = spawnNode('ws-floor', procMain('ws-floor'), {
    ipc: true,
    env: { BENCH_WS_FLOOR: JSON.stringify({ baseUrl: sim.baseUrl, apiKey: sim.apiKey, markets: sim.markets }) },
  });
  try {
    await request(proc, undefined, 'ready');
    const count = async () => {
      const r = await request<{ type: 'count'; frames: number; bad: number }>(proc, { type: 'count' }, 'count');
      if (r.bad > 0) throw new Error(`ws-floor: the simulator sent ${r.bad} error frame(s) to the bare client`);
      return r.frames;
    };
    await sleep(Math.min(1000, ms / 2));
    const f0 = await count();
    const c0 = cpuMsOf(proc.pid);
    const t0 = now();
    await sleep(ms);
    const f1 = await count();
    const c1 = cpuMsOf(proc.pid);
    const t1 = now();
    if (f1 <= f0) throw new Error(`ws-floor: no price frames in ${ms} ms:\n${proc.tail()}`);
    return { cpuPerFrame: (c1 - c0) / (f1 - f0), rate: ((f1 - f0) * 1000) / (t1 - t0) };
  } finally {
    await proc.stop();
  }
}

/** Ingest stage rows; any topology (REDIS_URL of one node, Sentinel or Cluster). Reused by the topologies case. */
export async function ingestStage(
  redisUrl: string,
  windowMs: number,
  ctx: BenchContext,
  redisPid?: number,
): Promise<string[][]> {
  ctx.progress(`ingest: simulator offered ≈200k ticks/s, ingestor alone, ${windowMs / 1000} s window`);
  const sim = await startSim(200_000);
  const ns = `bst${randomBytes(3).toString('hex')}`;
  const redis = createRedisClient(redisUrl, 'command');
  try {
    const started = await startAppWithPort('ingestor', appMain('ingestor'), baseEnv(redisUrl, ns, sim));
    const ing = started.proc;
    try {
      const len = async () => {
        let n = 0;
        for (let p = 0; p < P; p++) n += await redis.xlen(keys(ns).ticks(p));
        return n;
      };
      // Ticks the ingestor took through decode, normalise and the dedup script: appended or dropped there as
      // a copy of a tick already written (at this rate many ticks repeat within one emit millisecond).
      const handled = () =>
        counterSum(started.port, ['polybot_ingest_ticks_total', 'polybot_ingest_ticks_deduplicated_total']);
      const overflowed = () => counterSum(started.port, ['polybot_ingest_buffer_overflow_total']);
      await sleep(ctx.smoke ? 300 : 2000);
      const s0 = await sim.stats();
      const n0 = await len();
      const h0 = await handled();
      const o0 = await overflowed();
      const c0 = cpuMsOf(ing.pid);
      const r0 = redisPid ? cpuMsOf(redisPid) : Number.NaN;
      const g0 = cpuMsOf(sim.proc.pid);
      const t0 = now();
      await sleep(windowMs);
      const n1 = await len();
      const h1 = await handled();
      const o1 = await overflowed();
      const c1 = cpuMsOf(ing.pid);
      const r1 = redisPid ? cpuMsOf(redisPid) : Number.NaN;
      const g1 = cpuMsOf(sim.proc.pid);
      const t1 = now();
      const s1 = await sim.stats();
      const ingested = ((n1 - n0) * 1000) / (t1 - t0);
      const rate = ((h1 - h0) * 1000) / (t1 - t0);
      const dropped = ((o1 - o0) * 1000) / (t1 - t0);
      const frames = ((s1.framesSent - s0.framesSent) * 1000) / (s1.t - s0.t);
      const framesIn = Math.max(1, s1.framesSent - s0.framesSent);
      const cpuPerFrame = (c1 - c0) / framesIn;
      const redisPerTick = (r1 - r0) / Math.max(1, h1 - h0);
      const simPerFrame = (g1 - g0) / framesIn;
      await ing.stop();
      const parseFloor = await wsParseFloor(sim, ctx.smoke ? 500 : 4000);
      const xadd = await xaddThroughput(redisUrl, `${ns}f`, ctx.smoke ? 10_000 : 100_000, 256);
      const coresAt100k = (perTickMs: number) => (perTickMs * 100_000) / 1000;
      // Each process runs its work on one main thread: 100 k/s fits only when each one's cost per tick fits one
      // core (≤ 10 µs) and their sum fits the machine.
      const fits = (ingestMs: number) =>
        coresAt100k(ingestMs) <= 1 && coresAt100k(redisPerTick) <= 1 && coresAt100k(ingestMs + redisPerTick) <= CORES
          ? 'fits'
          : 'DOES NOT FIT';
      const cpuRows: string[][] = Number.isFinite(redisPerTick)
        ? [
            [
              '  Redis CPU per tick written through the dedup script (same window)',
              `${(redisPerTick * 1000).toFixed(1)} µs`,
              '–',
              '–',
            ],
            [
              '  cores 100 k/s needs at these costs: ingestor + Redis (load generator not counted)',
              coresAt100k(cpuPerFrame + redisPerTick).toFixed(2),
              `≤ ${CORES} (this machine), ≤ 1 each`,
              fits(cpuPerFrame),
            ],
            [
              '  cores 100 k/s needs with the bare receive + parse floor in the ingestor’s place, + Redis',
              coresAt100k(parseFloor.cpuPerFrame + redisPerTick).toFixed(2),
              `≤ ${CORES} (this machine), ≤ 1 each`,
              fits(parseFloor.cpuPerFrame),
            ],
          ]
        : [];
      return [
        [
          'ingest: ticks written through the dedup script (appended, or dropped as a repeat), 1 ingestor',
          fmtRate(rate),
          '≥ 100 k/s',
          rate >= 100_000 ? 'met' : 'MISSED',
        ],
        [
          '  of which appended as new stream entries (the rest repeat a tick already written)',
          fmtRate(ingested),
          '–',
          '–',
        ],
        [
          '  frames refused because the write buffer was full (Redis behind; each opens a gap)',
          fmtRate(dropped),
          '–',
          '–',
        ],
        [
          '  ingestor CPU per frame received (1e6 / this = frames/s one free core could take)',
          `${(cpuPerFrame * 1000).toFixed(1)} µs`,
          '≤ 10 µs (100 k/s on one core)',
          cpuPerFrame * 1000 <= 10 ? 'met' : 'MISSED',
        ],
        ['  floor: simulator frames pushed to that socket', fmtRate(frames), '–', '–'],
        [
          '  load generator: simulator CPU per frame pushed (its own cost, same window)',
          `${(simPerFrame * 1000).toFixed(1)} µs`,
          '–',
          '–',
        ],
        [
          '  floor: a bare WS client that only receives and JSON.parses the same feed, CPU per frame',
          `${(parseFloor.cpuPerFrame * 1000).toFixed(1)} µs (${fmtRate(parseFloor.rate)})`,
          '–',
          '–',
        ],
        ...cpuRows,
        ['  floor: bare pipelined XADD (batches of 256, one connection)', fmtRate(xadd), '–', '–'],
        [
          '  ingest rate ÷ that floor',
          `${(rate / xadd).toFixed(2)}×`,
          'within 2× (≥ 0.50×)',
          rate * 2 >= xadd ? 'met' : 'MISSED',
        ],
      ];
    } finally {
      await ing.stop();
    }
  } finally {
    redis.disconnect();
    await sim.close();
  }
}

/** Strategy stage with `workers` processes; any topology. Reused by the topologies case. */
export async function strategyStage(
  redisUrl: string,
  workers: number,
  count: number,
  ctx: BenchContext,
  profileAs?: string,
  strategy?: { name: string; params: Record<string, unknown>; label: string },
): Promise<{ rate: number; fill: number; cpuPerEntry: number }> {
  ctx.progress(
    `strategy: ${workers} worker(s) draining ${count} pre-filled ticks (${strategy?.label ?? 'every-nth, 1 in 10 decides'} → gate → queue)`,
  );
  const ns = `bst${randomBytes(3).toString('hex')}`;
  const env = {
    ...baseEnv(redisUrl, ns),
    ...(strategy ? { STRATEGY: strategy.name, STRATEGY_PARAMS: JSON.stringify(strategy.params) } : {}),
  };
  const procs: Proc[] = [];
  const redis = createRedisClient(redisUrl, 'command');
  try {
    // Pre-fill first, so the generator never bounds the measured rate; its own rate is reported.
    const markets = Array.from({ length: 64 }, (_, i) => `0x${(i + 1).toString(16).padStart(64, '0')}`);
    const filler = spawnNode('filler', procMain('filler'), {
      ipc: true,
      env: { BENCH_FILL: JSON.stringify({ redisUrl, ns, partitions: P, markets, count }) },
    });
    await request(filler, undefined, 'ready');
    const f = await request<{ type: 'filled'; count: number; ms: number }>(filler, { type: 'fill' }, 'filled', 120_000);
    await filler.stop();
    // All workers start together; the partitions are shared out by the lease manager as they join.
    const starting = Array.from({ length: workers }, (_, i) =>
      startAppWithPort(`strategy-${i + 1}`, strategyEntry(), env, profileAs ? profArgs(profileAs) : []).then(
        ({ proc }) => {
          procs.push(proc);
          return proc;
        },
      ),
    );
    // CPU of the workers between the marks; left out (NaN) if a worker was not up yet at the first mark.
    let cpu0 = Number.NaN;
    let cpuPerEntry = Number.NaN;
    const cpuNow = () => procs.reduce((a, p) => a + cpuMsOf(p.pid), 0);
    const rate = await rateBetween(() => streamsRead(redis, ns), count, 120_000, {
      mark: () => {
        if (procs.length === workers) cpu0 = cpuNow();
      },
      done: (items) => {
        cpuPerEntry = (cpuNow() - cpu0) / Math.max(1, items);
      },
    });
    await Promise.all(starting);
    return { rate, fill: (f.count * 1000) / f.ms, cpuPerEntry };
  } finally {
    await Promise.all(procs.map((p) => p.stop(profileAs ? 30_000 : 5000)));
    redis.disconnect();
  }
}

/** A table row of the strategy stage with `workers` processes: its label, then `cells`. Reused by topologies. */
export function strategyRow(workers: number, ...cells: string[]): string[] {
  return [`strategy: entries/s with ${workers} worker${workers > 1 ? 's' : ''} (1 in 10 → gate → queue)`, ...cells];
}

/** A CPU-per-entry row (ms in, µs shown); with `target`, judged against 10 µs (100k/s on one core). */
function cpuRow(label: string, cpuMsPerEntry: number, target: boolean): string[] {
  const ok = Number.isFinite(cpuMsPerEntry);
  return [
    label,
    ok ? `${(cpuMsPerEntry * 1000).toFixed(1)} µs` : '–',
    target ? '≤ 10 µs (100 k/s on one core)' : '–',
    target && ok ? (cpuMsPerEntry * 1000 <= 10 ? 'met' : 'MISSED') : '–',
  ];
}

function orderJob(ns: string, i: number, market: string) {
  const id = `${ns}.bench.job${i}.0`;
  return {
    id,
    data: OrderJobContract.encode({
      intent_id: id,
      ns,
      strategy: 'every-nth',
      market_id: market,
      side: 'BUY',
      outcome: 'Yes',
      quantity: 5_000_000,
      ref_price: 500_000,
      tick_key: `job${i}`,
      tick_id: `${i}-0`,
      partition: 0,
      decision_index: 0,
      t_emit: Date.now(),
      t_recv: now(),
      t_decide: now(),
      t_enqueue: now(),
    }),
  };
}

async function executorStage(redisUrl: string, count: number, ctx: BenchContext): Promise<string[][]> {
  ctx.progress(`executor: draining ${count} queued orders (concurrency 32) against the simulator, limits off`);
  const sim = await startSim(10);
  const ns = `bst${randomBytes(3).toString('hex')}`;
  const k = keys(ns);
  const conn = createRedis(redisUrl, 'bullmq');
  const queue = new Queue(k.ordersQueue, { connection: conn, prefix: k.bullPrefix });
  try {
    const jobs = Array.from({ length: count }, (_, i) =>
      orderJob(ns, i, sim.markets[i % sim.markets.length] as string),
    );
    for (let i = 0; i < jobs.length; i += 1000) {
      await queue.addBulk(
        jobs.slice(i, i + 1000).map((j) => ({ name: ORDER_JOB_NAME, data: j.data, opts: { jobId: j.id } })),
      );
    }
    const exe = await startApp('executor', appMain('executor'), baseEnv(redisUrl, ns, sim));
    let rate: number;
    try {
      rate = await rateBetween(
        async () => {
          const c = await queue.getJobCounts('completed', 'failed');
          return (c.completed ?? 0) + (c.failed ?? 0);
        },
        count,
        180_000,
      );
    } finally {
      await exe.stop();
    }

    // Floor 1: a bare BullMQ worker (no-op processor, same concurrency) on a fresh queue.
    const fq = new Queue(`${k.ordersQueue}-floor`, { connection: conn, prefix: k.bullPrefix });
    for (let i = 0; i < count; i += 1000) {
      await fq.addBulk(
        Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
          name: 'floor',
          data: jobs[i + j]?.data ?? {},
          opts: { removeOnComplete: true },
        })),
      );
    }
    let done = 0;
    const wconn = createRedis(redisUrl, 'bullmq');
    const worker = new Worker(
      `${k.ordersQueue}-floor`,
      async () => {
        done++;
      },
      { connection: wconn, prefix: k.bullPrefix, concurrency: 32 },
    );
    const bull = await rateBetween(async () => done, count, 120_000);
    await worker.close();
    wconn.disconnect();
    await fq.close();

    // Floor 2: bare undici POST /v1/orders, 32 in flight, same simulator.
    const pool = new Pool(sim.baseUrl, { connections: 32, pipelining: 1 });
    let posted = 0;
    let seq = 0;
    const rtts: number[] = [];
    const t0 = now();
    const until = t0 + (count > 2000 ? 5000 : 500);
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (now() < until) {
          const id = `floor-${ns}-${seq++}`;
          const tSent = now();
          const res = await pool.request({
            path: '/v1/orders',
            method: 'POST',
            headers: { 'x-api-key': sim.apiKey, 'content-type': 'application/json', 'idempotency-key': id },
            body: JSON.stringify({
              market_id: sim.markets[seq % sim.markets.length],
              side: 'BUY',
              outcome: 'Yes',
              order_type: 'market',
              quantity: '5',
              price: '0.99',
              client_order_id: id,
            }),
          });
          await res.body.text();
          rtts.push(now() - tSent);
          posted++;
        }
      }),
    );
    const undici = (posted * 1000) / (now() - t0);
    await pool.close();
    // Per order: job start → venue reply (t_ack − t_start of each terminal event), next to the bare POST's
    // round trip at the same concurrency.
    const spans = (await readOrderEvents(redisUrl, ns))
      .filter((e) => (e.event === 'acked' || e.event === 'rejected') && e.t_ack !== undefined)
      .map((e) => (e.t_ack ?? 0) - e.t_start);
    const exeLat = summarize(spans);
    const rawLat = summarize(rtts);
    const pq = (x: ReturnType<typeof summarize>) => `p50 ${fmtMs(x.p50)} · p99 ${fmtMs(x.p99)}`;
    return [
      ['executor: orders/s (1 executor, concurrency 32, POST + order log)', fmtRate(rate), '–', '–'],
      ['  floor: bare BullMQ worker, no-op, concurrency 32', fmtRate(bull), '–', '–'],
      ['  floor: bare undici POST /v1/orders, 32 in flight, same simulator', fmtRate(undici), '–', '–'],
      [`executor: t_ack − t_start per order (${exeLat.n} orders)`, pq(exeLat), '–', '–'],
      [`  floor: bare undici POST round trip, 32 in flight (${rawLat.n} POSTs)`, pq(rawLat), '–', '–'],
    ];
  } finally {
    await queue.close();
    conn.disconnect();
    await sim.close();
  }
}

export const stagesCase: BenchCase = {
  name: 'stages',
  description: 'throughput of each stage at saturation (ingest, strategy ×1/2/4, executor) next to raw floors',
  async run(ctx: BenchContext) {
    const redis = await startRedis({ own: true });
    try {
      const rows: string[][] = [];
      rows.push(...(await ingestStage(redis.url, ctx.smoke ? 500 : 8000, ctx, redis.pid)));

      const count = ctx.smoke ? 5_000 : 120_000;
      const curve: string[][] = [];
      let one = Number.NaN;
      for (const w of ctx.smoke ? [1] : [1, 2, 4]) {
        const r = await strategyStage(redis.url, w, count, ctx);
        if (w === 1) one = r.rate;
        curve.push([
          String(w),
          fmtRate(r.rate),
          fmtRate(r.rate / w),
          Number.isFinite(one) ? `${(r.rate / one).toFixed(2)}×` : '–',
          fmtRate(r.fill),
        ]);
        if (w <= 2)
          rows.push(
            strategyRow(
              w,
              fmtRate(r.rate),
              w === 1 ? '≥ 100 k/s per worker' : '–',
              w === 1 ? (r.rate >= 100_000 ? 'met' : 'MISSED') : '–',
            ),
          );
        if (w === 1)
          rows.push(
            cpuRow(
              '  strategy worker CPU per entry (1e6 / this = entries/s one free core could take)',
              r.cpuPerEntry,
              true,
            ),
          );
      }
      // The issue's own strategy, `threshold`, where few ticks trigger: the filler's Yes prices run over
      // 0.40000–0.40999, so low = 0.4001 buys on 1 tick in 100.
      const th = await strategyStage(redis.url, 1, count, ctx, undefined, {
        name: 'threshold',
        params: { low: '0.4001', high: '0.99', size: '5' },
        label: 'threshold, 1 in 100 decides',
      });
      rows.push(
        [
          'strategy: entries/s with 1 worker, threshold (1 in 100 → gate → queue)',
          fmtRate(th.rate),
          '≥ 100 k/s per worker',
          th.rate >= 100_000 ? 'met' : 'MISSED',
        ],
        cpuRow('  strategy worker CPU per entry, threshold', th.cpuPerEntry, true),
      );
      const readAck = await readAckThroughput(redis.url, `${redis.ns}ra`, count);
      rows.push(
        ['  floor: bare XREADGROUP COUNT 512 + XACK, one connection', fmtRate(readAck.rate), '–', '–'],
        cpuRow(
          '  floor: client CPU per entry of that bare read + ack (ioredis reply parsing, no polybot code)',
          readAck.cpuPerEntry,
          false,
        ),
      );

      rows.push(...(await executorStage(redis.url, ctx.smoke ? 300 : 10_000, ctx)));

      const profiles: string[][] = [];
      if (!ctx.smoke) {
        const missed = rows.filter((r) => r[3] === 'MISSED').map((r) => r[0] ?? '');
        if (missed.some((m) => m.startsWith('ingest'))) profiles.push(await profileIngest(redis.url, 6000, ctx));
        if (missed.some((m) => m.startsWith('strategy'))) {
          ctx.progress(`--cpu-prof pass: 1 strategy worker draining 50000 ticks, profile in ${PROFILE_DIR}`);
          mkdirSync(PROFILE_DIR, { recursive: true });
          await strategyStage(redis.url, 1, 50_000, ctx, 'stage-strategy');
          profiles.push(profileRow('strategy worker (1 worker draining a backlog)', 'stage-strategy'));
        }
      }

      const stages: Table = {
        title: 'Throughput per stage at saturation, next to its raw floor (same run, same Redis)',
        columns: ['stage', 'rate', 'target', 'verdict'],
        rows,
        notes: [
          'Each stage runs alone as its real process; rates are taken between 10% and 90% of the work (start-up and tail excluded).',
          'Ingest: every frame is decoded and normalised, then written through the dedup script: one EVALSHA per partition for up to INGEST_BATCH (256) of its ticks, the ticks of a call in one JSON argument, as their values only (the field names go once per call); all calls of a round trip pipelined (everything queued, up to 16,384 entries, while a backlog drains), one pipeline in flight. Frames received faster than that wait in the write buffer (INGEST_BUFFER_MAX) and overflow into gaps when it fills; the written rate is what the stage sustains, and the ingestor CPU per frame is the figure that does not depend on how much CPU the machine leaves Redis and the ingestor.',
          'Ingest target: 100 k ticks/s takes, per second, 100,000 × (the ingestor’s CPU per frame + Redis’s CPU per tick written), both measured in the same window; the cores rows give that sum, without the load generator, against the cores this machine has. The ingestor and Redis each do their work on one main thread, so each must also fit one core (10 µs a tick). The bare WS client (receive and JSON.parse, nothing else) stands in for the cheapest ingestor possible in Node: when even that row does not fit, no ingestor on this machine that writes through the dedup script reaches 100 k/s, whatever it does after the parse.',
          'CPU per frame or entry: CPU time of the process over the measured window divided by the items it handled in it.',
          'Strategy workers run apps/strategy with STRATEGY=every-nth (1 tick in 10 decides), and once with threshold (1 in 100).',
          'Strategy target: a worker must read and ack every entry, so it can be no cheaper than the bare XREADGROUP + XACK floor (same client, no polybot code); that floor’s client CPU per entry is the row above. A worker’s CPU per entry minus it is what polybot adds (decode, strategy, gate, enqueue, checkpoint). The entries/s rows are also bounded by Redis and the filler sharing the same 2 cores.',
          'Other work may share this 2-core machine: every rate is a lower bound; compare each stage with its floor from the same run.',
        ],
      };
      const scaling: Table = {
        title: `Scaling curve: strategy workers draining ${count} ticks (THIS MACHINE HAS 2 CORES, shared with Redis and the filler)`,
        columns: ['workers', 'entries/s', 'per worker', 'vs 1 worker', 'filler XADD rate (load generator)'],
        rows: curve,
        notes: [
          'Beyond 2 workers there are no free cores: 4 workers on 2 cores shows the coordination cost, not scale-out.',
          'The backlog is pre-filled before the workers start (filler rate shown: the load generator’s own cost), so it never bounds the rate.',
        ],
      };
      const tables = [stages, scaling];
      if (profiles.length > 0) {
        tables.push({
          title: 'CPU profile of the stages that miss their target (--cpu-prof, separate passes, same load)',
          columns: ['process', 'busy (of samples)', 'top self time (share of busy samples)'],
          rows: profiles,
          notes: [
            'Profiles: bench/profiles/stage-*.cpuprofile (open in Chrome DevTools → Performance).',
            'What the self time is: ioredis building commands (Command, writeUtf8String) and parsing replies (convertBufferToString, DataHandler), JSON.parse of frames, BullMQ job creation, and the garbage collector behind all of them. polybot’s own code (decode, normalise, strategy step, gate arguments) is a small share. The strategy worker pays one Redis command (or reply) per tick through ioredis; the ingestor sends one dedup script call per partition and batch, so its share is JSON.parse of frames, encoding the batch, and the garbage collector.',
          ],
        });
      }
      return tables;
    } finally {
      await redis.stop();
    }
  },
};
