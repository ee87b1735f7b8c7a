// Gathers what `polybot status`, the `up` panel and the dashboard show, from Redis alone: it works against any
// Redis and namespace, whether or not this machine runs the processes.

import { Queue } from 'bullmq';
import { FeedEventContract } from '../contracts/feed-event.js';
import { OrderEventContract } from '../contracts/order-event.js';
import { formatFixed } from '../money/decimal.js';
import type { RedisClient } from '../redis/connection.js';
import { keys } from '../redis/keys.js';
import { parseEntries } from '../redis/streams.js';
import { systemClock } from '../time/clock.js';
import type { ConnectionStatus, PartitionStatus, Status } from './status.js';

export interface CollectOptions {
  redis: RedisClient;
  ns: string;
  partitions: number;
  /** Recent order events read for rates and latency. Default 5000. */
  window?: number;
  now?: () => number;
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] ?? null;
}

function num(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export async function collectStatus(opts: CollectOptions): Promise<Status> {
  const { redis, ns, partitions } = opts;
  const now = opts.now ?? (() => systemClock.now());
  const k = keys(ns);
  const at = now();
  const since = Math.floor(at - 10_000);

  const partitionStatus: PartitionStatus[] = [];
  let totalTicks = 0;
  let recentTicks = 0;
  for (let p = 0; p < partitions; p++) {
    const key = k.ticks(p);
    const [length, leaseOwner] = await Promise.all([redis.xlen(key), redis.get(k.lease(p))]);
    totalTicks += length;
    let lag: number | null = null;
    let pending = 0;
    if (length > 0) {
      const groups = (await redis.xinfo('GROUPS', key).catch(() => [])) as unknown[];
      for (const g of groups) {
        if (!Array.isArray(g)) continue;
        const rec: Record<string, unknown> = {};
        for (let i = 0; i + 1 < g.length; i += 2) rec[String(g[i])] = g[i + 1];
        if (rec.name !== k.strategyGroup) continue;
        pending = num(rec.pending);
        lag = rec.lag === null || rec.lag === undefined ? null : num(rec.lag);
      }
      const recent = await redis.xrange(key, String(since), '+', 'COUNT', 200_000);
      recentTicks += recent.length;
    }
    partitionStatus.push({ partition: p, length, lag, pending, leaseOwner: leaseOwner?.split('|')[0] ?? null });
  }

  const feed = parseEntries(await redis.xrevrange(k.feed, '+', '-', 'COUNT', 500));
  const conns = new Map<number, ConnectionStatus>();
  for (const e of feed.entries) {
    const d = FeedEventContract.safeDecode(e.fields);
    if (!d.ok || conns.has(d.value.conn_id)) continue;
    conns.set(d.value.conn_id, {
      connId: d.value.conn_id,
      epoch: d.value.conn_epoch,
      lastEvent: d.value.event,
      lastEventAgoMs: Math.max(0, Math.round(at - d.value.ts_ms)),
    });
  }

  const orderEntries = parseEntries(await redis.xrevrange(k.orders, '+', '-', 'COUNT', opts.window ?? 5000));
  let acked = 0;
  let rejected = 0;
  let filled = 0;
  let recentOrders = 0;
  const latencies: number[] = [];
  for (const e of orderEntries.entries) {
    const d = OrderEventContract.safeDecode(e.fields);
    if (!d.ok) continue;
    const ev = d.value;
    if (ev.event === 'acked') {
      acked++;
      if (ev.status === 'FILLED') filled++;
      if (ev.t_sent !== undefined) latencies.push(ev.t_sent - ev.t_recv);
      if (Number(e.id.split('-')[0]) >= since) recentOrders++;
    } else if (ev.event === 'rejected') rejected++;
  }
  latencies.sort((a, b) => a - b);

  const queue = new Queue(k.ordersQueue, { connection: redis, prefix: k.bullPrefix });
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  await queue.close();

  const [halted, intents, deadLetters, positionsType] = await Promise.all([
    redis.exists(k.halt),
    redis.xlen(k.intents),
    redis.xlen(k.dead),
    redis.type(k.positions),
  ]);
  const portfolio: Record<string, string> =
    positionsType === 'hash'
      ? await redis.hgetall(k.positions)
      : positionsType === 'string'
        ? { value: (await redis.get(k.positions)) ?? '' }
        : {};

  return {
    ns,
    at,
    halted: halted === 1,
    ticks: { total: totalTicks, perSec: Math.round(recentTicks / 10) },
    intents,
    deadLetters,
    partitions: partitionStatus,
    connections: [...conns.values()].sort((a, b) => a.connId - b.connId),
    queue: {
      waiting: num(counts.waiting),
      active: num(counts.active),
      delayed: num(counts.delayed),
      failed: num(counts.failed),
      completed: num(counts.completed),
    },
    orders: {
      acked,
      rejected,
      filled,
      perSec: Math.round((recentOrders / 10) * 10) / 10,
      tickToOrderMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), samples: latencies.length },
    },
    portfolio: { raw: portfolio },
  };
}

/** A short, human rendering of a status, for the terminal. */
export function renderStatus(s: Status): string[] {
  const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(2)} ms`);
  const lines = [
    `polybot · ns ${s.ns} · ${s.halted ? 'HALTED' : 'trading'}`,
    `feed      ${s.connections.length === 0 ? 'no connections seen' : s.connections.map((c) => `conn ${c.connId}: ${c.lastEvent} (epoch ${c.epoch}, ${(c.lastEventAgoMs / 1000).toFixed(0)} s ago)`).join(' · ')}`,
    `ticks     ${s.ticks.total} in streams · ${s.ticks.perSec}/s · dead letters ${s.deadLetters}`,
    `strategy  intents ${s.intents} · lag ${s.partitions.map((p) => (p.lag === null ? '–' : p.lag)).join('/')} · owners ${s.partitions.map((p) => p.leaseOwner ?? '–').join(' ')}`,
    `queue     waiting ${s.queue.waiting} · active ${s.queue.active} · delayed ${s.queue.delayed} · failed ${s.queue.failed} · completed ${s.queue.completed}`,
    `orders    acked ${s.orders.acked} (filled ${s.orders.filled}) · rejected ${s.orders.rejected} · ${s.orders.perSec}/s · tick→order p50 ${ms(s.orders.tickToOrderMs.p50)} p99 ${ms(s.orders.tickToOrderMs.p99)}`,
  ];
  const pf = s.portfolio.raw;
  if (Object.keys(pf).length > 0) {
    // The executor's projection keeps micro-USD integers: cash is the change since the projection began.
    const usd = (f: string) => {
      const v = pf[f];
      return v !== undefined && /^-?\d+$/.test(v) ? formatFixed(Number(v), 2) : '–';
    };
    const open = Object.entries(pf).filter(([f, v]) => f.startsWith('qty:') && v !== '0').length;
    lines.push(
      `portfolio fills ${pf.fills ?? 0} · open positions ${open} · cash Δ ${usd('cash')} · realised ${usd('realised')} · fees ${usd('fees')} USD`,
    );
  }
  return lines;
}

export const _statusInternal = { percentile };
