// Memory over a run: RSS of every process of the production stack (and Redis used_memory) sampled while
// the pipeline runs at 1,000 ticks/s with the configured retention. First vs last sample, and the peak,
// so growth is visible. A shorter version of the 5-minute, 50/500-market run: the table says what ran.

import { createRedis } from '@polybot/shared';
import { startRedis } from '@polybot/shared/testing';
import type { BenchCase, BenchContext } from '../context.js';
import { rssOf, sleep } from '../lib/procs.js';
import { SIM_MARKETS, startSim, startStack } from '../lib/stack.js';
import type { Table } from '../report.js';
import { PARAMS } from './pipeline.js';

const mb = (b: number) => (Number.isFinite(b) ? `${(b / 1024 / 1024).toFixed(1)} MB` : '–');

export const memoryCase: BenchCase = {
  name: 'memory',
  description: 'RSS of each process and Redis memory over a run at 1,000 ticks/s (first vs last sample)',
  async run(ctx: BenchContext) {
    const rate = 1000;
    const runMs = ctx.smoke ? 1000 : 90_000;
    const everyMs = ctx.smoke ? 500 : 5000;
    const redis = await startRedis({ own: true });
    const sim = await startSim(rate);
    const client = createRedis(redis.url, 'command');
    try {
      ctx.progress(`stack at ${rate} ticks/s for ${runMs / 1000} s, sampling every ${everyMs / 1000} s`);
      const stack = await startStack({ redisUrl: redis.url, sim, workers: ctx.smoke ? 1 : 2, params: PARAMS });
      const procs = [...stack.procs, sim.proc];
      const names = [...procs.map((p) => p.name), 'redis-server (RSS)', 'redis used_memory'];
      const samples: number[][] = [];
      const redisMem = async () => {
        const info = await client.info('memory');
        return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
      };
      try {
        const t0 = Date.now();
        while (Date.now() - t0 <= runMs) {
          samples.push([...procs.map((p) => rssOf(p.pid)), rssOf(redis.pid ?? -1), await redisMem()]);
          await sleep(everyMs);
        }
      } finally {
        await stack.stop();
      }
      const first = samples[0] ?? [];
      const last = samples.at(-1) ?? [];
      const rows = names.map((name, i) => {
        const col = samples.map((s) => s[i] ?? Number.NaN);
        const a = first[i] ?? Number.NaN;
        const b = last[i] ?? Number.NaN;
        const growth = Number.isFinite(a) && a > 0 ? `${(((b - a) / a) * 100).toFixed(0)}%` : '–';
        return [name, mb(a), mb(b), mb(Math.max(...col)), growth];
      });
      const table: Table = {
        title: `Memory over ${runMs / 1000} s at ${rate} ticks/s (${sim.markets.length} of ${SIM_MARKETS} markets ticking, ${samples.length} samples)`,
        columns: ['process', 'first', 'last', 'peak', 'last vs first'],
        rows,
        notes: [
          `What ran: the full stack (ingestor, strategy ×2 (×1 in smoke), executor, simulator, Redis) with every-nth n=${PARAMS.n}, default STREAM_MAXLEN retention.`,
          'Shorter than the issue asks (5 min at 50 and at 500 markets): one run at 44 markets. Early samples include start-up and JIT warm-up, so some growth between first and last is expected; a leak shows as growth that does not level off (look at peak vs last).',
          'Redis used_memory grows while the tick streams fill towards their retention (STREAM_MAXLEN ~1,000,000 entries per partition), which this run does not reach: that growth is retention filling, not a leak.',
          'Other sessions share this 2-core machine.',
        ],
      };
      return [table];
    } finally {
      client.disconnect();
      await sim.close();
      await redis.stop();
    }
  },
};
