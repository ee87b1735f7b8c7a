// `polybot replay`: writes a recording into the tick streams of a namespace of its own, keeping the
// inter-arrival times scaled by --speed. The namespace is marked `clock=recording`, so strategy workers use
// the recording's clock (stale guards behave as they did live). Entries are written in the contracts'
// canonical encoding: what the ingestor writes, so a polybot recording comes back field for field (a
// hand-edited "0.50" comes back as "0.5", the same value).

import { randomBytes } from 'node:crypto';
import {
  createRedisClient,
  ensurePartitions,
  type Gap,
  GapContract,
  keys,
  luaScript,
  partition,
  type RedisClient,
  runScript,
  type Tick,
  TickContract,
} from '@polybot/shared';
import { SingleBar } from 'cli-progress';
import { openRecording } from '../recording/reader.js';

export interface ReplayOptions {
  redisUrl: string;
  /** REDIS_CLUSTER_NODES: a Cluster whatever the URL says. */
  clusterNodes?: string;
  file: string;
  /** Time scale: 2 = twice as fast; 'max' = as fast as Redis takes it. */
  speed: number | 'max';
  ns?: string;
  partitions: number;
  streamMaxlen: number;
  tty: boolean;
  write: (line: string) => void;
  /** Recordings of up to this many entries are read once and kept in memory; default REPLAY_CACHE_MAX. */
  cacheMax?: number;
  /** Entries per write batch (one script call per partition); default 1000. */
  batchSize?: number;
  /** Pacing clock (ms); injected by tests. Default: performance.now() and setTimeout. */
  pace?: { now(): number; sleep(ms: number): Promise<void> };
}

/** Entries kept from the validating pass (about 100 MB of ticks); a longer recording is read twice. */
export const REPLAY_CACHE_MAX = 250_000;

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

/**
 * Appends a batch of entries to one stream, in order: KEYS[1] the stream, ARGV[1] its approximate MAXLEN,
 * then one JSON array of field/value strings per entry. One argument per entry instead of one per field
 * spares the client building ~26 arguments an entry, which bounds a plain pipelined XADD.
 */
const APPEND_ENTRIES = luaScript(`
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(cjson.decode(ARGV[i])))
end
return #ARGV - 1
`);

/** Adds one entry's field/value list to a write batch: per stream key, one JSON array per entry. */
export function addToBatch(batch: Map<string, string[]>, stream: string, args: readonly string[]): void {
  const list = batch.get(stream);
  if (list) list.push(JSON.stringify(args));
  else batch.set(stream, [JSON.stringify(args)]);
}

/** Writes a batch: one APPEND_ENTRIES call per stream, all at once (one connection keeps them in order). */
export async function appendEntries(redis: RedisClient, batch: ReadonlyMap<string, readonly string[]>, maxlen: number) {
  await Promise.all([...batch].map(([key, entries]) => runScript(redis, APPEND_ENTRIES, [key], [maxlen, ...entries])));
}

export function freshReplayNamespace(): string {
  return `replay-${randomBytes(4).toString('hex')}`;
}

export async function runReplay(opts: ReplayOptions): Promise<ReplaySummary> {
  // Validate the whole file before writing anything: a bad line must not leave half a replay behind. A
  // recording of up to cacheMax entries is kept from this pass; a longer one is read a second time.
  const cacheMax = opts.cacheMax ?? REPLAY_CACHE_MAX;
  const batchSize = opts.batchSize ?? 1000;
  const check = await openRecording(opts.file);
  let cached: (Tick | Gap)[][] | undefined = [];
  let seen = 0;
  for await (const batch of check.batches()) {
    seen += batch.length;
    if (seen > cacheMax) cached = undefined;
    cached?.push(batch);
  }
  const total = check.trailer().count;

  const ns = opts.ns ?? freshReplayNamespace();
  const k = keys(ns);
  const redis = createRedisClient(opts.redisUrl, 'command', {
    name: 'cli-replay',
    ...(opts.clusterNodes ? { clusterNodes: opts.clusterNodes } : {}),
  });
  /** The write batch sent and not yet answered (one at a time). */
  let inFlight: Promise<void> | undefined;
  redis.on('error', () => {});
  try {
    // Into an existing namespace only with its own partition count (PartitionsMismatchError otherwise).
    await ensurePartitions(redis, ns, opts.partitions);
    await redis.hset(k.meta, { clock: 'recording', source: opts.file, partitions: String(opts.partitions) });
    const source = cached ?? (await openRecording(opts.file)).batches();
    const bar = opts.tty
      ? new SingleBar({ format: `replay → ${ns} [{bar}] {value}/{total} · {rate}/s`, hideCursor: true })
      : undefined;
    bar?.start(total, 0, { rate: 0 });
    const pace = opts.pace ?? realPace;
    const t0 = pace.now();
    let firstTime: number | undefined;
    /** Entries read but not yet sent, per stream key, each as the JSON array of its field/value strings. */
    let pending = new Map<string, string[]>();
    let pendingCount = 0;
    let written = 0;
    let ticks = 0;
    let gaps = 0;
    const markets = new Set<string>();
    // One batch in flight while the next is read and built: one connection keeps them in order. A failed
    // batch stops the replay at the next flush (or at the end), with the XADD error.
    const send = (batch: Map<string, string[]>, count: number) =>
      appendEntries(redis, batch, opts.streamMaxlen).then(
        () => {
          written += count;
          bar?.update(written, { rate: Math.round(written / ((pace.now() - t0) / 1000 || 1)) });
        },
        (err: unknown) => {
          throw new Error(`writing the tick streams failed: ${(err as Error).message}`, { cause: err });
        },
      );
    /** Sends the pending batch once the one before it is in; `drain` also waits for this one. */
    const flush = async (drain = true) => {
      if (inFlight) await inFlight;
      inFlight = undefined;
      if (pendingCount > 0) {
        const batch = pending;
        inFlight = send(batch, pendingCount);
        pending = new Map();
        pendingCount = 0;
        inFlight.catch(() => {}); // surfaced by the next await; this only keeps it from going unhandled
      }
      if (drain && inFlight) {
        await inFlight;
        inFlight = undefined;
      }
    };
    for await (const batch of source) {
      for (const e of batch) {
        markets.add(e.market_id);
        if (e.type === 'gap') gaps++;
        else ticks++;
        if (opts.speed !== 'max') {
          const t = e.type === 'gap' ? e.ts_ms : e.recv_ts_ms;
          firstTime ??= t;
          const due = (t - firstTime) / opts.speed;
          const wait = due - (pace.now() - t0);
          if (wait > 2) {
            await flush();
            await pace.sleep(wait);
          }
        }
        const args = e.type === 'gap' ? GapContract.toArgs(e) : TickContract.toArgs(e);
        addToBatch(pending, k.ticks(partition(e.market_id, opts.partitions)), args);
        if (++pendingCount >= batchSize) await flush(false);
      }
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
    // A batch still in flight (after an error elsewhere) is let finish before the connection goes.
    await inFlight?.catch(() => {});
    redis.disconnect();
  }
}
