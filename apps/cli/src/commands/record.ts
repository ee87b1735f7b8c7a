// `polybot record`: copies the tick streams of a namespace into a recording (gzip JSONL), partitions merged
// in recv_ts_ms order. With --follow it keeps tailing until Ctrl-C, then closes the file cleanly.

import {
  createRedisClient,
  decodeTickStreamEntry,
  ensurePartitions,
  keys,
  parseEntries,
  type RedisClient,
} from '@polybot/shared';
import { SingleBar } from 'cli-progress';
import { entryTime } from '../recording/format.js';
import { compareEntries, mergePartitions, type PartitionEntry } from '../recording/merge-partitions.js';
import { createRecordingWriter } from '../recording/writer.js';

export interface RecordOptions {
  redisUrl: string;
  /** REDIS_CLUSTER_NODES: a Cluster whatever the URL says. */
  clusterNodes?: string;
  ns: string;
  partitions: number;
  out: string;
  from?: string;
  to?: string;
  follow: boolean;
  tty: boolean;
  write: (line: string) => void;
  /** Resolves when a --follow recording should stop (Ctrl-C). */
  stopSignal?: Promise<void>;
  producer: string;
}

export interface RecordSummary {
  out: string;
  count: number;
  ticks: number;
  gaps: number;
  markets: number;
  skipped: number;
}

export async function runRecord(opts: RecordOptions): Promise<RecordSummary> {
  const topology = opts.clusterNodes ? { clusterNodes: opts.clusterNodes } : {};
  const redis: RedisClient = createRedisClient(opts.redisUrl, 'command', { name: 'cli-record', ...topology });
  redis.on('error', () => {});
  let skipped = 0;
  const onBad = () => {
    skipped++;
  };
  const valid = (e: PartitionEntry) => {
    if (decodeTickStreamEntry(e.fields).ok) return true;
    skipped++;
    return false;
  };
  try {
    // Read with the namespace's own partition count, or some streams would be missed (refused otherwise).
    await ensurePartitions(redis, opts.ns, opts.partitions, { record: false });
    const k = keys(opts.ns);
    let total = 0;
    for (let p = 0; p < opts.partitions; p++) total += await redis.xlen(k.ticks(p));

    // First pass: markets and time range for the header (range mode knows them before writing).
    const markets = new Set<string>();
    let first: number | null = null;
    let last: number | null = null;
    if (!opts.follow) {
      for await (const e of mergePartitions({ redis, ns: opts.ns, partitions: opts.partitions, ...range(opts) })) {
        if (!decodeTickStreamEntry(e.fields).ok) continue;
        if (e.fields.market_id) markets.add(e.fields.market_id);
        first ??= e.time;
        last = e.time;
      }
    }
    const writer = await createRecordingWriter(opts.out, {
      ns: opts.ns,
      partitions: opts.partitions,
      markets: [...markets].sort(),
      from_ms: first,
      to_ms: last,
      producer: opts.producer,
    });
    const bar = opts.tty
      ? new SingleBar({
          format: 'recording [{bar}] {value}/{total} entries · {rate}/s',
          hideCursor: true,
          etaBuffer: 50,
        })
      : undefined;
    bar?.start(total, 0, { rate: 0 });
    const t0 = performance.now();
    let written = 0;
    const tickBar = () => bar?.update(written, { rate: Math.round(written / ((performance.now() - t0) / 1000 || 1)) });

    const lastIds = Array.from({ length: opts.partitions }, () => '0-0');
    for await (const e of mergePartitions({ redis, ns: opts.ns, partitions: opts.partitions, ...range(opts), onBad })) {
      lastIds[e.partition] = e.id;
      if (!valid(e)) continue;
      await writer.write(e.fields);
      written++;
      if (written % 1000 === 0) tickBar();
    }
    tickBar();

    if (opts.follow) {
      const blocking = createRedisClient(opts.redisUrl, 'blocking', { name: 'cli-record-follow', ...topology });
      blocking.on('error', () => {});
      let stop = false;
      let wake: () => void = () => {};
      void opts.stopSignal?.then(() => {
        stop = true;
        blocking.disconnect();
        wake();
      });
      const streams = lastIds.map((_, p) => k.ticks(p));
      /** Each partition read on its own, without blocking: one slot per command, as a Cluster requires. */
      const readEach = async (conn: RedisClient): Promise<[string, unknown][]> => {
        const replies = await Promise.all(
          streams.map((key, p) => conn.xread('COUNT', 10_000, 'STREAMS', key, lastIds[p] ?? '0-0')),
        );
        return replies.flatMap((r) => (Array.isArray(r) ? (r as [string, unknown][]) : []));
      };
      // One node: one blocking XREAD over every partition. A Cluster refuses keys of several slots in one
      // command, so there each partition is read on its own, and an empty round waits 200 ms.
      const cluster = blocking.isCluster;
      const readNew = async (): Promise<[string, unknown][]> => {
        if (!cluster) {
          const reply = await blocking.xread('COUNT', 10_000, 'BLOCK', 1000, 'STREAMS', ...streams, ...lastIds);
          return Array.isArray(reply) ? (reply as [string, unknown][]) : [];
        }
        const out = await readEach(blocking);
        if (out.length === 0 && !stop) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 200);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
        return out;
      };
      /** Writes what a read returned, merged in entry-time order. */
      const take = async (reply: [string, unknown][]): Promise<void> => {
        const batch: PartitionEntry[] = [];
        for (const [key, raw] of reply) {
          const p = streams.indexOf(key);
          const { entries } = parseEntries(raw);
          for (const en of entries) {
            lastIds[p] = en.id;
            batch.push({ partition: p, id: en.id, fields: en.fields, time: entryTime(en.fields) });
          }
        }
        batch.sort(compareEntries);
        for (const e of batch) {
          if (!valid(e)) continue;
          await writer.write(e.fields);
          written++;
        }
        bar?.setTotal(Math.max(written, total));
        tickBar();
      };
      while (!stop) {
        let reply: [string, unknown][];
        try {
          reply = await readNew();
        } catch {
          if (stop) break;
          throw new Error('lost the Redis connection while following');
        }
        await take(reply);
      }
      blocking.disconnect();
      // Stopped (Ctrl-C): what the streams held at that moment still goes into the recording, up to each
      // partition's newest entry then (a live ingestor keeps appending; those are left out).
      const ends = await Promise.all(
        streams.map(async (key) => (await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0]),
      );
      const rest: [string, unknown][] = [];
      for (const [p, key] of streams.entries()) {
        const end = ends[p];
        if (end === undefined) continue;
        for (;;) {
          const from = lastIds[p] ?? '0-0';
          const chunk = await redis.xrange(key, `(${from}`, end, 'COUNT', 10_000);
          if (chunk.length === 0) break;
          rest.push([key, chunk]);
          lastIds[p] = chunk[chunk.length - 1]?.[0] ?? from;
          if (chunk.length < 10_000) break;
        }
      }
      await take(rest);
    }
    bar?.stop();
    const trailer = await writer.close();
    const summary = {
      out: opts.out,
      count: trailer.count,
      ticks: trailer.ticks,
      gaps: trailer.gaps,
      markets: trailer.markets.length,
      skipped,
    };
    opts.write(
      `recorded ${summary.count} entries (${summary.ticks} ticks, ${summary.gaps} gaps, ${summary.markets} markets) to ${opts.out}` +
        (skipped > 0 ? `; skipped ${skipped} invalid stream entries` : ''),
    );
    return summary;
  } finally {
    redis.disconnect();
  }
}

function range(opts: RecordOptions): { from?: string; to?: string } {
  return { ...(opts.from !== undefined ? { from: opts.from } : {}), ...(opts.to !== undefined ? { to: opts.to } : {}) };
}
