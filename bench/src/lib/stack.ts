// The production stack for benchmarks: a simulator process (limits off, driven at a fixed tick rate), then
// ingestor → strategy ×N → executor as real processes with the env `polybot up` gives them.

import { randomBytes } from 'node:crypto';
import { ACTIVITY_INTERVAL, generateMarkets } from '@polybot/exchange';
import { createRedis, keys, type OrderEvent, OrderEventContract } from '@polybot/shared';
import { freePort } from '@polybot/shared/testing';
import type { FeedPhases } from '@polybot/simulator';
import { Queue } from 'bullmq';
import { appMain, type Proc, procMain, request, spawnNode, waitReady } from './procs.js';

export const SIM_SEED = 7;
/** The executor's job concurrency in the bench stack. */
export const EXECUTOR_CONCURRENCY = 32;
/** Markets generated; the active ones (44 of 48) are all subscribed, under the 50-per-connection cap. */
export const SIM_MARKETS = 48;

export interface SimHandle {
  proc: Proc;
  baseUrl: string;
  apiKey: string;
  /** Active markets (the ones that tick). */
  markets: string[];
  stats(): Promise<{ ticks: number; framesSent: number; orders: number; t: number }>;
  close(): Promise<void>;
}

/** Σ over active markets of ticks per ms at tickMs = 1; the feed's total rate is this × 1000 / tickMs. */
function ratePerTickMs(markets: number): { active: string[]; perSecAt1ms: number } {
  const specs = generateMarkets(SIM_SEED, markets).filter((m) => !m.closed);
  const perSecAt1ms = specs.reduce((a, m) => a + 1000 / ACTIVITY_INTERVAL[m.activity], 0);
  return { active: specs.map((m) => m.conditionId.toLowerCase()), perSecAt1ms };
}

/**
 * Starts the simulator process so that its `markets` (generated; the active ones tick) together tick
 * `ticksPerSec` times a second, each market at its own phase (`spread`, the default) or all of an activity
 * class at the same instants (`aligned`).
 */
export async function startSim(
  ticksPerSec: number,
  markets = SIM_MARKETS,
  phases: FeedPhases = 'spread',
): Promise<SimHandle> {
  const { active, perSecAt1ms } = ratePerTickMs(markets);
  const apiKey = `ps_test_${randomBytes(32).toString('hex')}`;
  const tickMs = perSecAt1ms / ticksPerSec;
  const proc = spawnNode('simulator', procMain('sim'), {
    ipc: true,
    env: { BENCH_SIM: JSON.stringify({ seed: SIM_SEED, markets, tickMs, apiKey, phases }) },
  });
  const ready = await request<{ type: 'ready'; baseUrl: string; marketIds: string[] }>(proc, undefined, 'ready');
  return {
    proc,
    baseUrl: ready.baseUrl,
    apiKey,
    markets: active,
    async stats() {
      const r = await request<{
        type: 'stats';
        t: number;
        stats: { ticks: number; ws: { frames_sent: number }; orders: { placed: number } };
      }>(proc, { type: 'stats' }, 'stats');
      return { ticks: r.stats.ticks, framesSent: r.stats.ws.frames_sent, orders: r.stats.orders.placed, t: r.t };
    },
    async close() {
      if (proc.child.connected) proc.child.send({ type: 'close' });
      await proc.stop(3000);
    },
  };
}

export interface StackOptions {
  redisUrl: string;
  sim: SimHandle;
  workers: number;
  /** every-nth params. */
  params: Record<string, unknown>;
  /** Node flags per app name (e.g. --cpu-prof for a profiling pass). */
  execArgv?: (name: string) => string[];
  env?: Record<string, string>;
}

export interface Stack {
  ns: string;
  procs: Proc[];
  /** Each process's /metrics URL, by process name. */
  metricsUrls: ReadonlyMap<string, string>;
  /** Whether the strategy ran as the real app (registry lists every-nth) or the bench's copy of its main. */
  strategyEntry: 'apps/strategy';
  /** Stops the ingestor, lets strategy and executor drain, then stops them. */
  stop(): Promise<void>;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const ns = `bench${randomBytes(3).toString('hex')}`;
  const common: Record<string, string> = {
    REDIS_URL: o.redisUrl,
    POLYBOT_NS: ns,
    POLYBOT_PARTITIONS: '8',
    LOG_LEVEL: 'warn',
    STRATEGY: 'every-nth',
    STRATEGY_PARAMS: JSON.stringify(o.params),
    RISK_COOLDOWN_MS: '0',
    RISK_MAX_POSITION: '1000000',
    RISK_MAX_EXPOSURE: '1000000000',
    RISK_ORDERS_PER_MIN: '100000000',
    EXECUTOR_WRITES_PER_SEC: '1000000',
    EXECUTOR_CONCURRENCY: String(EXECUTOR_CONCURRENCY),
    VENUE_CONNECTIONS: '16',
    POLYSIM_BASE_URL: o.sim.baseUrl,
    POLYSIM_API_KEY: o.sim.apiKey,
    POLYBOT_MARKETS: o.sim.markets.join(','),
    ...o.env,
  };
  const strategyEntry = 'apps/strategy';
  const procs: Proc[] = [];
  const metricsUrls = new Map<string, string>();
  const start = async (name: string, entry: string) => {
    const port = await freePort();
    const p = spawnNode(name, entry, {
      env: { ...common, METRICS_PORT: String(port) },
      execArgv: o.execArgv?.(name) ?? [],
    });
    procs.push(p);
    metricsUrls.set(name, `http://127.0.0.1:${port}/metrics`);
    return { p, url: `http://127.0.0.1:${port}/readyz` };
  };
  try {
    const waits: Promise<void>[] = [];
    const exe = await start('executor', appMain('executor'));
    waits.push(waitReady(exe.p, exe.url));
    for (let i = 1; i <= o.workers; i++) {
      const s = await start(`strategy-${i}`, appMain('strategy'));
      waits.push(waitReady(s.p, s.url));
    }
    await Promise.all(waits);
    const ing = await start('ingestor', appMain('ingestor'));
    await waitReady(ing.p, ing.url);
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop(2000)));
    throw err;
  }
  return {
    ns,
    procs,
    metricsUrls,
    strategyEntry,
    async stop() {
      const ing = procs.find((p) => p.name === 'ingestor');
      await ing?.stop();
      await waitDrained(o.redisUrl, ns, 60_000);
      await Promise.all(procs.filter((p) => p.name.startsWith('strategy')).map((p) => p.stop()));
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}

/**
 * Waits until the strategy workers have read every tick and the order queue is empty (every order of the
 * run has finished), at most `maxMs`: a backlog is measured, not cut off.
 */
export async function waitDrained(redisUrl: string, ns: string, maxMs: number): Promise<boolean> {
  const k = keys(ns);
  const redis = createRedis(redisUrl, 'command');
  const qconn = createRedis(redisUrl, 'bullmq');
  const queue = new Queue(k.ordersQueue, { connection: qconn, prefix: k.bullPrefix });
  try {
    const deadline = Date.now() + maxMs;
    let quiet = 0;
    while (Date.now() < deadline) {
      let lag = 0;
      for (let p = 0; p < 8; p++) {
        try {
          const groups = (await redis.xinfo('GROUPS', k.ticks(p))) as unknown[][];
          for (const g of groups) {
            const i = g.indexOf('lag');
            const j = g.indexOf('pending');
            lag += Number(i >= 0 ? g[i + 1] : 0) + Number(j >= 0 ? g[j + 1] : 0);
          }
        } catch {
          // no stream yet
        }
      }
      const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      const busy = lag + (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
      quiet = busy === 0 ? quiet + 1 : 0;
      if (quiet >= 2) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  } finally {
    await queue.close();
    qconn.disconnect();
    redis.disconnect();
  }
}

/** Every OrderEvent of a namespace, decoded. */
export async function readOrderEvents(redisUrl: string, ns: string): Promise<OrderEvent[]> {
  const redis = createRedis(redisUrl, 'command');
  const key = keys(ns).orders;
  const out: OrderEvent[] = [];
  try {
    let start = '-';
    for (;;) {
      const rows = (await redis.xrange(key, start, '+', 'COUNT', 5000)) as [string, string[]][];
      for (const [, flat] of rows) {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
        const r = OrderEventContract.safeDecode(fields);
        if (r.ok) out.push(r.value);
      }
      if (rows.length < 5000) break;
      start = `(${rows.at(-1)?.[0]}`;
    }
  } finally {
    redis.disconnect();
  }
  return out;
}
