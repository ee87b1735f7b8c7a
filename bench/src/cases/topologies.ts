// The same load on one Redis node and on a 3-master Redis Cluster: ingest ticks/s (the ingestor fed by the
// simulator far above what it can take) and strategy throughput (1 and 2 worker processes draining a
// pre-filled backlog). The measurements are the stages case's own (ingestStage, strategyStage), pointed at
// a `redis://` URL and then at a `redis+cluster://` one. Every node runs on this machine, so a cluster adds
// processes competing for the same cores; it shows the cost of the topology, not the scale-out of shards
// on their own hosts.

import { startRedis, startRedisCluster } from '@polybot/shared/testing';
import type { BenchCase, BenchContext } from '../context.js';
import type { Table } from '../report.js';
import { fmtRate } from '../stats.js';
import { ingestStage, strategyRow, strategyStage } from './stages.js';

/** Inverse of fmtRate for the rows ingestStage formats ("12.3 k/s" → 12300); NaN for "–". */
function rateOf(cell: string | undefined): number {
  const m = /^([\d.]+) (M|k)?\/s$/.exec(cell ?? '');
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] === 'M' ? 1e6 : m[2] === 'k' ? 1e3 : 1);
}

interface Measured {
  ingest: string[][];
  strategy: { workers: number; rate: number; fill: number }[];
}

async function measure(url: string, ctx: BenchContext, label: string): Promise<Measured> {
  ctx.progress(`${label}: ingest`);
  const ingest = await ingestStage(url, ctx.smoke ? 500 : 8000, ctx);
  const strategy: Measured['strategy'] = [];
  const count = ctx.smoke ? 5_000 : 200_000;
  for (const workers of ctx.smoke ? [1] : [1, 2]) {
    ctx.progress(`${label}: strategy ×${workers}`);
    const r = await strategyStage(url, workers, count, ctx);
    strategy.push({ workers, ...r });
  }
  return { ingest, strategy };
}

const ratio = (cluster: number, single: number) =>
  Number.isFinite(cluster) && Number.isFinite(single) && single > 0 ? `${(cluster / single).toFixed(2)}×` : '–';

export const topologiesCase: BenchCase = {
  name: 'topologies',
  description: 'the same ingest and strategy load on 1 Redis node and on a 3-master Redis Cluster',
  async run(ctx: BenchContext) {
    // Both without AOF (startRedis's default), so persistence does not decide the comparison. The smoke run
    // exercises the cluster side only: the stages case runs the same code on one node just before.
    let one: Measured | undefined;
    if (!ctx.smoke) {
      const single = await startRedis({ own: true });
      try {
        one = await measure(single.url, ctx, '1 node');
      } finally {
        await single.stop();
      }
    }
    const cluster = await startRedisCluster({ masters: 3, aof: false });
    let three: Measured;
    try {
      three = await measure(cluster.url, ctx, '3-master cluster');
    } finally {
      await cluster.stop();
    }

    // Smoke: the 1-node column is left empty ('–').
    one ??= {
      ingest: three.ingest.map((r) => [r[0] ?? '', '–']),
      strategy: three.strategy.map((x) => ({ ...x, rate: Number.NaN, fill: Number.NaN })),
    };
    const rows: string[][] = [];
    one.ingest.forEach((row, i) => {
      const label = row[0] ?? '';
      const a = row[1] ?? '–';
      const b = three.ingest[i]?.[1] ?? '–';
      rows.push([label, a, b, ratio(rateOf(b), rateOf(a))]);
    });
    one.strategy.forEach((s, i) => {
      const c = three.strategy[i];
      rows.push(
        strategyRow(s.workers, fmtRate(s.rate), fmtRate(c?.rate ?? Number.NaN), ratio(c?.rate ?? Number.NaN, s.rate)),
      );
      rows.push([
        `  load generator: pre-fill XADD rate (${s.workers} worker run)`,
        fmtRate(s.fill),
        fmtRate(c?.fill ?? Number.NaN),
        ratio(c?.fill ?? Number.NaN, s.fill),
      ]);
    });
    const table: Table = {
      title: 'Same load, 1 Redis node vs a 3-master Redis Cluster (ALL NODES SHARE THIS MACHINE’S 2 CORES)',
      columns: ['measure', '1 node', '3-master cluster', 'cluster / 1 node'],
      rows,
      notes: [
        'Each measure is the stages case’s own code (ingestStage, strategyStage) against REDIS_URL=redis://… and then redis+cluster://… (3 masters, no replicas, no AOF on either side).',
        'All three masters, the apps, the simulator and the load generator run on the same 2 cores: a cluster here adds processes and hops, it cannot add CPU. On separate hosts each master brings its own core.',
        'The bare XADD floor writes one stream, so on the cluster it measures one master.',
        'Other agents were loading this machine during the run: every figure is noisy, compare within a row only.',
      ],
    };
    return [table];
  },
};
