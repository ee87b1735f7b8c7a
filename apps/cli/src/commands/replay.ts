// `polybot replay`: writes a recording into the tick streams of a namespace of its own, keeping the
// inter-arrival times scaled by --speed. The namespace is marked `clock=recording`, so strategy workers use
// the recording's clock (stale guards behave as they did live).

import { randomBytes } from 'node:crypto';
import { createRedis, ensurePartitions, keys, partition, xaddBatch } from '@polybot/shared';
import { SingleBar } from 'cli-progress';
import { entryTime } from '../recording/format.js';
import { openRecording } from '../recording/reader.js';

export interface ReplayOptions {
  redisUrl: string;
  file: string;
  /** Time scale: 2 = twice as fast; 'max' = as fast as Redis takes it. */
  speed: number | 'max';
  ns?: string;
  partitions: number;
  streamMaxlen: number;
  tty: boolean;
  write: (line: string) => void;
  /** Pacing clock (ms); injected by tests. Default: performance.now() and setTimeout. */
  pace?: { now(): number; sleep(ms: number): Promise<void> };
}

const realPace = {
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

export interface ReplaySummary {
  ns: string;
  entries: number;
  ticks: number;
  gaps: number;
  markets: number;
  seconds: number;
}

export function freshReplayNamespace(): string {
  return `replay-${randomBytes(4).toString('hex')}`;
}

export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  // Validate the whole file before writing anything: a bad line must not leave half a replay behind.
  const check = await openRecording(opts.file);
  for await (const _ of check.batches()) {
    // reading validates (batches() validates as entries() does, without keeping the fields)
  }
  const total = check.trailer().count;

  const ns = opts.ns ?? freshReplayNamespace();
  const k = keys(ns);
  const redis = createRedis(opts.redisUrl, 'command', { name: 'cli-replay' });
  redis.on('error', () => {});
  try {
    // Into an existing namespace only with its own partition count (PartitionsMismatchError otherwise).
    await ensurePartitions(redis, ns, opts.partitions);
    await redis.hset(k.meta, { clock: 'recording', source: opts.file, partitions: String(opts.partitions) });
    const rec = await openRecording(opts.file);
    const bar = opts.tty
      ? new SingleBar({ format: `replay → ${ns} [{bar}] {value}/{total} · {rate}/s`, hideCursor: true })
      : undefined;
    bar?.start(total, 0, { rate: 0 });
    const pace = opts.pace ?? realPace;
    const t0 = pace.now();
    let firstTime: number | undefined;
    let pending: { key: string; args: string[]; maxlen: number }[] = [];
    let written = 0;
    let ticks = 0;
    let gaps = 0;
    const markets = new Set<string>();
    const flush = async () => {
      if (pending.length === 0) return;
      const results = await xaddBatch(redis, pending);
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw new Error(`XADD failed: ${failed.error.message}`);
      written += pending.length;
      pending = [];
      bar?.update(written, { rate: Math.round(written / ((pace.now() - t0) / 1000 || 1)) });
    };
    for await (const e of rec.entries()) {
      const f = e.fields;
      markets.add(f.market_id ?? '');
      if (f.type === 'gap') gaps++;
      else ticks++;
      if (opts.speed !== 'max') {
        const t = entryTime(f);
        firstTime ??= t;
        const due = (t - firstTime) / opts.speed;
        const wait = due - (pace.now() - t0);
        if (wait > 2) {
          await flush();
          await pace.sleep(wait);
        }
      }
      const args: string[] = [];
      for (const key in f) args.push(key, f[key] as string);
      pending.push({ key: k.ticks(partition(f.market_id ?? '', opts.partitions)), args, maxlen: opts.streamMaxlen });
      if (pending.length >= 1000) await flush();
    }
    await flush();
    bar?.stop();
    const seconds = (pace.now() - t0) / 1000;
    const summary = { ns, entries: written, ticks, gaps, markets: markets.size, seconds };
    opts.write(
      `replayed ${written} entries (${ticks} ticks, ${gaps} gaps, ${markets.size} markets) into namespace ${ns} ` +
        `in ${seconds.toFixed(1)} s (${Math.round(written / (seconds || 1))}/s)`,
    );
    return summary;
  } finally {
    redis.disconnect();
  }
}
