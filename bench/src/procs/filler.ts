// Bench helper: the load generator of the strategy stage. Appends `count` valid Tick entries, spread over
// the tick partitions by market exactly as the ingestor does, with pipelined XADD; reports its own rate so
// the generator's cost is visible next to what it measures. IPC: {type:'fill'} → {type:'filled', …}.

import { createRedisClient, keys, partition, TickContract, tickKey, xaddBatch } from '@polybot/shared';
import { Cluster } from 'ioredis';

interface Config {
  redisUrl: string;
  ns: string;
  partitions: number;
  markets: string[];
  count: number;
}

const send = (m: unknown) => process.send?.(m);
const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_FILL ?? '{}') as Config;
  const redis = createRedisClient(cfg.redisUrl, 'command');
  const k = keys(cfg.ns);
  process.on('message', async (m: { type?: string }) => {
    if (m?.type !== 'fill') return;
    const t0 = now();
    const batch = 512;
    for (let sent = 0; sent < cfg.count; sent += batch) {
      const entries = [];
      const ts = Date.now();
      for (let j = 0; j < batch && sent + j < cfg.count; j++) {
        const i = sent + j;
        const market = cfg.markets[i % cfg.markets.length] as string;
        const prices = {
          market_id: market,
          emit_ts_ms: ts,
          yes: 400_000 + (i % 1000) * 10,
          no: 600_000 - (i % 1000) * 10,
        };
        const tick = {
          type: 'tick' as const,
          ...prices,
          recv_ts_ms: now(),
          conn_epoch: 1,
          source: 'websocket',
          tradable: true,
          key: `${tickKey(prices)}-${i}`,
        };
        entries.push({
          key: k.ticks(partition(market, cfg.partitions)),
          args: TickContract.toArgs(tick),
          maxlen: 50_000_000,
        });
      }
      if (redis instanceof Cluster) {
        // A Cluster pipeline stays in one slot: one pipeline per partition stream, all in flight at once.
        const byKey = new Map<string, typeof entries>();
        for (const e of entries) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
        await Promise.all([...byKey.values()].map((group) => xaddBatch(redis, group)));
      } else await xaddBatch(redis, entries);
    }
    const ms = now() - t0;
    send({ type: 'filled', count: cfg.count, ms });
    redis.disconnect();
    process.exit(0);
  });
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  send({ type: 'error', error: String((err as Error).stack ?? err) });
  process.exit(1);
});
