// The ingestor: venue price feed → validated, normalised Ticks in partitioned Redis Streams, with gap
// markers wherever continuity is lost, lifecycle events in the feed stream, and an outage buffer.
import { performance } from 'node:perf_hooks';
import {
  type Clock,
  createMetricsRegistry,
  createRedisClient,
  ensurePartitions,
  isTransientVenueError,
  type Keys,
  keys,
  Lifecycle,
  type Logger,
  type OpsServer,
  PartitionsMismatchError,
  PolybotError,
  partition,
  type RedisClient,
  startOpsServer,
  systemClock,
} from '@polybot/shared';
import type { Registry } from 'prom-client';
import { WebSocket } from 'ws';
import {
  type ConnState,
  type DisconnectInfo,
  FeedConnection,
  type FeedConnectionOptions,
} from './feed/feed-connection.js';
import { normalisePriceFrame, type PriceFrameInput } from './feed/normalise.js';
import type { FrameParser } from './feed/ports.js';
import { parseMarketsSpec, planConnections, selectTopMarkets } from './markets/market-plan.js';
import { createIngestMetrics, type IngestMetrics, TickCounts } from './ops/ingest-metrics.js';
import type { GapValue } from './sink/entry-values.js';
import { type FeedEventInput, TickWriter, type TickWriterStats } from './sink/tick-writer.js';
import type { IngestorVenue, TierInfo } from './venue/venue-port.js';

export interface IngestorOptions {
  /** POLYBOT_NS. */
  ns: string;
  /** POLYBOT_PARTITIONS. */
  partitions: number;
  /** POLYBOT_MARKETS: `auto:N` or `0x…,0x…`. */
  markets: string;
  /** INGEST_PING_MS (default 20000). */
  pingMs?: number;
  /** A ping unanswered this long terminates the socket. Default: pingMs. */
  pongTimeoutMs?: number;
  /** INGEST_STALL_MS (default 15000). */
  stallMs?: number;
  /** INGEST_QUIET_FACTOR (default 20). */
  quietFactor?: number;
  /** Silence below this never makes a market quiet. Default 1000 ms. */
  minQuietMs?: number;
  /** INGEST_BATCH (default 256). */
  batchSize?: number;
  /** INGEST_BUFFER_MAX (default 100000). */
  bufferMax?: number;
  /** STREAM_MAXLEN (default 1000000). */
  streamMaxlen?: number;
  /** Reconnect backoff: 1 s doubling to 30 s by default. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A session streaming this long resets the backoff. Default 10 s. */
  healthyMs?: number;
  connectTimeoutMs?: number;
  subscribeTimeoutMs?: number;
  subscribeRetryMs?: number;
  subscribeRetries?: number;
  /** Text frames larger than this are dead-lettered unparsed. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Overrides the tier's max_ws_connections. */
  maxConnections?: number;
  /** Tier name whose connection cap applies, when the venue does not say. */
  tier?: string;
  /** How long close() waits for the buffer to reach Redis. Default 5 s. */
  shutdownFlushMs?: number;
  /** Serve /metrics, /healthz, /readyz on this port (0 = any). Unset: no ops server. */
  opsPort?: number;
  opsHost?: string;
  /** Jitter source (tests). */
  random?: () => number;
}

export interface IngestorDeps {
  options: IngestorOptions;
  venue: IngestorVenue;
  /** Builds the WS URL for a token: `wsUrl(baseUrl, '/v1/ws/prices', token)`. */
  wsUrl: (token: string) => string;
  /** Decodes a raw text frame (`parseServerFrame` from @polybot/shared). */
  parseFrame: FrameParser;
  /** A Redis URL (the ingestor opens a fail-fast connection and closes it) or a fail-fast connection. */
  redis: { url: string; clusterNodes?: string } | { connection: RedisClient };
  logger: Logger;
  clock?: Clock;
  /** Opens a socket; default `new WebSocket(url, { maxPayload: 16 MiB })`. */
  wsFactory?: (url: string) => WebSocket;
  /** Metrics registry; default a fresh one (with process metrics when the ops server runs). */
  registry?: Registry;
  /**
   * Called when the ingestor must stop for good after start() resolved: Redis was unreachable at start-up,
   * and once it answered, the namespace turned out to hold another partition count (PartitionsMismatchError).
   * Default: the error is logged and the ingestor closes. The process entry exits with the error's line.
   */
  onFatal?: (err: Error) => void;
}

export interface ConnectionStats {
  id: number;
  state: ConnState;
  epoch: number;
  markets: number;
  reconnects: number;
  canary: string | undefined;
}

export interface IngestorStats {
  markets: string[];
  unplaced: string[];
  rejected: { id: string; reason: string }[];
  connections: ConnectionStats[];
  writer: TickWriterStats;
  deadLetters: number;
  openGaps: number;
  ticksReceived: number;
}

export interface Ingestor {
  readonly lifecycle: Lifecycle;
  readonly registry: Registry;
  /** The ops server, once started (when `opsPort` is set). */
  readonly ops: OpsServer | undefined;
  /** Resolves markets, plans sockets and starts streaming. Rejects only if the market list cannot be read. */
  start(): Promise<void>;
  /** Stops the sockets (writing shutdown gaps), flushes the buffer, closes Redis. Idempotent. */
  close(): Promise<void>;
  stats(): IngestorStats;
}

const DEFAULTS = {
  pingMs: 20_000,
  stallMs: 15_000,
  quietFactor: 20,
  batchSize: 256,
  bufferMax: 100_000,
  streamMaxlen: 1_000_000,
  shutdownFlushMs: 5000,
};

/** Key of the epoch counter: INCR on every connect, so epochs stay unique across restarts and ingestors. */
export function epochKey(k: Keys): string {
  return `${k.ns}:ingest:epoch`;
}

function tokenOf(v: string | { token: string }): string {
  return typeof v === 'string' ? v : v.token;
}

/** The tier cap: the venue's current tier, else the configured one, else the only tier listed. */
export function connectionCapOf(
  reply: Awaited<ReturnType<IngestorVenue['tiers']>>,
  tierName: string | undefined,
): number | undefined {
  const list: readonly TierInfo[] = Array.isArray(reply) ? reply : (reply as { tiers: readonly TierInfo[] }).tiers;
  const current = Array.isArray(reply) ? undefined : (reply as { current?: string }).current;
  const name = current ?? tierName;
  const found = name === undefined ? (list.length === 1 ? list[0] : undefined) : list.find((t) => t.tier === name);
  const cap = found?.max_ws_connections;
  return typeof cap === 'number' && Number.isFinite(cap) && cap >= 0 ? cap : undefined;
}

export function createIngestor(deps: IngestorDeps): Ingestor {
  const o = { ...DEFAULTS, ...deps.options };
  const log = deps.logger.child({ component: 'ingestor' });
  const clock = deps.clock ?? systemClock;
  const k = keys(o.ns);
  const lifecycle = new Lifecycle('ingestor');
  // Process metrics (CPU, memory, heap, event loop) as every other polybot process serves them.
  const registry = deps.registry ?? createMetricsRegistry({ app: 'ingestor' }, o.opsPort !== undefined);
  // Buffer depth and Redis health are sampled at scrape time.
  const tickCounts = new TickCounts();
  const metrics: IngestMetrics = createIngestMetrics(registry, () => writer.stats(), tickCounts);
  const ownRedis = 'url' in deps.redis;
  const redis: RedisClient =
    'url' in deps.redis
      ? createRedisClient(deps.redis.url, 'fail-fast', {
          name: 'ingestor',
          ...(deps.redis.clusterNodes !== undefined ? { clusterNodes: deps.redis.clusterNodes } : {}),
        })
      : deps.redis.connection;
  let lastRedisErrLog = 0;
  const onRedisError = (err: Error) => {
    const now = performance.now();
    if (now - lastRedisErrLog < 5000) return;
    lastRedisErrLog = now;
    log.warn({ err }, 'redis connection error');
  };
  redis.on('error', onRedisError);

  // A market's partition never changes: hashed once per market, not once per tick.
  const partitions = new Map<string, number>();
  const partitionOf = (market: string): number => {
    let p = partitions.get(market);
    if (p === undefined) {
      p = partition(market, o.partitions);
      partitions.set(market, p);
    }
    return p;
  };
  const writer = new TickWriter({
    redis,
    logger: log.child({ component: 'writer' }),
    ticksKey: (p) => k.ticks(p),
    lastEmitKey: (p) => k.lastEmit(p),
    feedKey: k.feed,
    deadKey: k.dead,
    batchSize: o.batchSize,
    bufferMax: o.bufferMax,
    controlMax: Math.max(4096, Math.floor(o.bufferMax / 10)),
    streamMaxlen: o.streamMaxlen,
    now: () => clock.now(),
    onTickWritten: (t, p) => tickCounts.written(t.market_id, p),
    onTickDeduped: () => tickCounts.deduped(),
    onTickLost: (t, _p, reason) => openGap(t.market_id, t.conn_epoch, reason, -1),
  });

  const wsFactory =
    deps.wsFactory ?? ((url: string) => new WebSocket(url, { maxPayload: 16 << 20, perMessageDeflate: false }));

  let markets: string[] = [];
  let unplaced: string[] = [];
  const rejected: { id: string; reason: string }[] = [];
  const connections: FeedConnection[] = [];
  const lastEmit = new Map<string, number>();
  const openGaps = new Map<string, number>();
  const quietMarkets = new Set<string>();
  let deadLetters = 0;
  let ticksReceived = 0;
  let lastDeadWarn = 0;
  let suppressedDead = 0;
  let localEpoch = 0;
  let ops: OpsServer | undefined;
  let started = false;
  let closing = false;

  const feed = (ev: FeedEventInput) => writer.feed(ev);

  function openGap(market: string, epoch: number, reason: string, connId: number): void {
    if (openGaps.has(market)) return;
    openGaps.set(market, epoch);
    const now = clock.now();
    const last = lastEmit.get(market);
    const gap: GapValue = {
      type: 'gap',
      market_id: market,
      conn_epoch: epoch,
      reason,
      ts_ms: now,
      ...(last !== undefined ? { last_emit_ts_ms: last } : {}),
    };
    writer.gap(gap, partitionOf(market));
    metrics.gaps.inc({ reason });
    feed({
      event: 'gap_opened',
      conn_id: Math.max(0, connId),
      conn_epoch: epoch,
      ts_ms: now,
      market_id: market,
      reason,
    });
  }

  function deadLetter(reason: string, raw: string, connId: number, epoch: number): void {
    deadLetters++;
    metrics.deadLetters.inc({ kind: 'ws_frame' });
    writer.dead({
      source: 'ingestor',
      kind: 'ws_frame',
      reason,
      tsMs: clock.now(),
      origin: `conn:${connId}:epoch:${epoch}`,
      raw,
    });
    const now = performance.now();
    if (now - lastDeadWarn < 5000) {
      suppressedDead++;
      return;
    }
    lastDeadWarn = now;
    log.warn(
      { conn_id: connId, reason: reason.slice(0, 200), suppressed: suppressedDead },
      'invalid frame dead-lettered',
    );
    suppressedDead = 0;
  }

  function onPrice(frame: PriceFrameInput, raw: string, recv: number, epoch: number, connId: number) {
    const res = normalisePriceFrame(frame, recv, epoch);
    if (!res.ok) {
      deadLetter(res.reason, raw, connId, epoch);
      return undefined;
    }
    const t = res.tick;
    ticksReceived++;
    metrics.lag.observe(Math.max(0, recv - t.emit_ts_ms));
    const m = t.market_id;
    const p = partitionOf(m);
    const prev = lastEmit.get(m);
    if (!writer.tick(t, p)) {
      metrics.bufferOverflow.inc();
      openGap(m, epoch, 'buffer_overflow', connId);
      return m;
    }
    if (prev === undefined || t.emit_ts_ms > prev) {
      lastEmit.set(m, t.emit_ts_ms);
      if (openGaps.delete(m)) {
        feed({ event: 'gap_closed', conn_id: connId, conn_epoch: epoch, ts_ms: clock.now(), market_id: m });
      }
    }
    return m;
  }

  async function waitRedisReady(ms: number): Promise<boolean> {
    if (redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(t);
        redis.off('ready', onReady);
        resolve(v);
      };
      const onReady = () => done(true);
      const t = setTimeout(() => done(false), ms);
      redis.on('ready', onReady);
    });
  }

  async function nextEpoch(): Promise<number> {
    if (await waitRedisReady(1000)) {
      try {
        const e = await redis.incr(epochKey(k));
        localEpoch = Math.max(localEpoch, e);
        return e;
      } catch (err) {
        log.warn({ err }, 'epoch counter unavailable');
      }
    }
    // Redis is down: streaming goes on into the buffer with a local epoch (unique within this process).
    localEpoch++;
    log.warn({ epoch: localEpoch }, 'using a local connection epoch while Redis is unreachable');
    return localEpoch;
  }

  function updateReadiness(): void {
    if (!started || closing || lifecycle.state === 'stopping' || lifecycle.state === 'stopped') return;
    const counts = new Map<string, number>();
    for (const c of connections) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
    metrics.connections.reset();
    for (const [s, n] of counts) metrics.connections.set({ state: s }, n);
    const all = connections.length > 0 && connections.every((c) => c.state === 'streaming');
    const notStreaming = connections.filter((c) => c.state !== 'streaming').map((c) => c.id);
    lifecycle.transition(
      all ? 'running' : 'degraded',
      all ? undefined : connections.length === 0 ? 'no connections' : `not streaming: ${notStreaming.join(',')}`,
    );
  }

  const connOptions: FeedConnectionOptions = {
    pingMs: o.pingMs,
    stallMs: o.stallMs,
    quietFactor: o.quietFactor,
    ...(o.pongTimeoutMs !== undefined ? { pongTimeoutMs: o.pongTimeoutMs } : {}),
    ...(o.minQuietMs !== undefined ? { minQuietMs: o.minQuietMs } : {}),
    ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
    ...(o.subscribeTimeoutMs !== undefined ? { subscribeTimeoutMs: o.subscribeTimeoutMs } : {}),
    ...(o.backoffBaseMs !== undefined ? { backoffBaseMs: o.backoffBaseMs } : {}),
    ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
    ...(o.healthyMs !== undefined ? { healthyMs: o.healthyMs } : {}),
    ...(o.subscribeRetryMs !== undefined ? { subscribeRetryMs: o.subscribeRetryMs } : {}),
    ...(o.subscribeRetries !== undefined ? { subscribeRetries: o.subscribeRetries } : {}),
    ...(o.maxFrameBytes !== undefined ? { maxFrameBytes: o.maxFrameBytes } : {}),
    ...(o.random !== undefined ? { random: o.random } : {}),
  };

  function makeConnection(id: number, group: string[]): FeedConnection {
    const clog = log.child({ conn_id: id });
    const ev = (event: FeedEventInput['event'], epoch: number, extra: Partial<FeedEventInput> = {}) =>
      feed({ event, conn_id: id, conn_epoch: epoch, ts_ms: clock.now(), ...extra });
    return new FeedConnection(
      id,
      group,
      connOptions,
      {
        mintToken: async () => tokenOf(await deps.venue.mintWsToken()),
        url: deps.wsUrl,
        openSocket: wsFactory,
        parse: deps.parseFrame,
        nextEpoch,
        now: () => clock.now(),
        onPrice: (frame, recv, epoch, raw) => onPrice(frame, raw, recv, epoch, id),
        onInvalid: (reason, raw, epoch) => deadLetter(reason, raw, id, epoch),
        onState: () => updateReadiness(),
        onTokenMinted: (epoch) => ev('token_minted', epoch),
        onConnected: (epoch) => {
          clog.debug({ epoch }, 'feed connected');
          ev('connected', epoch);
        },
        onSubscribed: (epoch, ms) => {
          clog.info({ epoch, markets: ms.length }, 'feed subscribed and streaming');
          ev('subscribed', epoch, { markets: ms.length });
        },
        onSubscribeMissing: (epoch, missing, attempt) => {
          clog.warn({ epoch, missing, attempt }, 'subscribe ack is missing markets');
          ev('subscribe_missing', epoch, {
            markets: missing.length,
            reason: `attempt ${attempt}: ${missing.slice(0, 5).join(',')}`.slice(0, 512),
          });
        },
        onRejected: (epoch, ms) => {
          clog.warn({ epoch, markets: ms }, 'venue does not stream these markets (unknown or closed)');
          for (const m of ms) if (!rejected.some((r) => r.id === m)) rejected.push({ id: m, reason: 'not acked' });
          ev('markets_rejected', epoch, { markets: ms.length, reason: 'missing from subscribe ack after retries' });
        },
        onStalled: (epoch, reason) => {
          metrics.stalls.inc({ kind: 'connection' });
          clog.warn({ epoch, reason }, 'feed stalled: recycling the socket');
          ev('stalled', epoch, { reason });
        },
        onQuiet: (epoch, market, silenceMs, cadenceMs) => {
          metrics.stalls.inc({ kind: 'market' });
          metrics.quiet.set({ market }, 1);
          quietMarkets.add(market);
          clog.info({ market_id: market, silenceMs, cadenceMs }, 'market quiet beyond its cadence');
          ev('market_quiet', epoch, {
            market_id: market,
            reason: `silent ${Math.round(silenceMs)} ms, cadence ${Math.round(cadenceMs)} ms`,
          });
        },
        onActive: (market) => {
          if (quietMarkets.delete(market)) metrics.quiet.set({ market }, 0);
        },
        onConnCap: (epoch) => {
          clog.warn({ epoch }, 'venue refused the socket: per-user connection cap reached (4002)');
          ev('conn_cap', epoch, { reason: 'close 4002: connection cap reached' });
        },
        onDisconnect: (info: DisconnectInfo) => {
          metrics.reconnects.inc({ cause: info.cause });
          const level = info.cause === 'shutdown' ? 'info' : 'warn';
          clog[level]({ epoch: info.epoch, cause: info.cause, code: info.code }, 'feed socket closed');
          ev('disconnected', info.epoch, {
            ...(info.code !== undefined ? { code: info.code } : {}),
            reason: (info.reason ? `${info.cause}: ${info.reason}` : info.cause).slice(0, 512),
          });
          const gapReason =
            info.cause === 'shutdown'
              ? 'shutdown'
              : info.cause === 'stall' || info.cause === 'canary_quiet'
                ? 'stall'
                : 'disconnect';
          for (const m of info.markets) openGap(m, info.epoch, gapReason, id);
        },
      },
      clog,
    );
  }

  async function resolveMarkets(): Promise<void> {
    const spec = parseMarketsSpec(o.markets);
    if (spec.kind === 'list') {
      markets = spec.ids;
      return;
    }
    const sel = await selectTopMarkets(spec.count, async (limit, offset) =>
      deps.venue.markets({ limit, offset, active_only: true }),
    );
    markets = sel.markets;
    rejected.push(...sel.rejected);
    if (sel.markets.length < spec.count) {
      log.warn({ asked: spec.count, found: sel.markets.length }, 'fewer active markets than asked');
    }
  }

  /** True when checked and equal; false when Redis did not answer; throws PartitionsMismatchError. */
  async function verifyPartitions(): Promise<boolean> {
    try {
      await ensurePartitions(redis, o.ns, o.partitions);
      return true;
    } catch (err) {
      if (err instanceof PartitionsMismatchError) throw err;
      log.debug({ err }, 'partition check failed');
      return false;
    }
  }

  /**
   * A venue read at start-up. A transient failure (transport error, 408, 429, 5xx) is retried with backoff for
   * as long as it lasts, while /readyz says not ready: a venue that is briefly failing must not end the process.
   * Anything else (a bad key, a refused request) fails after `attempts`.
   */
  async function withRetries<T>(what: string, fn: () => Promise<T>, attempts = 5): Promise<T> {
    const base = o.backoffBaseMs ?? 250;
    const max = o.backoffMaxMs ?? 30_000;
    let delay = base;
    let failures = 0;
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        const transient = isTransientVenueError(err);
        if (!transient) failures++;
        if (failures >= attempts || closing) {
          throw new PolybotError('VENUE_ERROR', `${what} failed after ${i} attempts`, { cause: err });
        }
        const retryAfter = (err as { retryAfterMs?: unknown }).retryAfterMs;
        if (i <= 5 || i % 10 === 0) log.warn({ err, attempt: i, transient }, `${what} failed: retrying`);
        await new Promise((r) => setTimeout(r, typeof retryAfter === 'number' ? Math.max(retryAfter, delay) : delay));
        delay = Math.min(max, delay * 2);
      }
    }
  }

  const ingestor: Ingestor = {
    lifecycle,
    registry,
    get ops() {
      return ops;
    },
    async start() {
      if (started) return;
      started = true;
      if (o.opsPort !== undefined) {
        ops = await startOpsServer({
          port: o.opsPort,
          ...(o.opsHost !== undefined ? { host: o.opsHost } : {}),
          registry,
          components: () => [lifecycle],
        });
      }
      await waitRedisReady(5000);
      // POLYBOT_PARTITIONS must be the namespace's own (a mismatch rejects start). With Redis down the feed
      // still starts into the outage buffer, and the check runs as soon as Redis answers.
      if (!(await verifyPartitions())) {
        log.warn('partition count not verified yet: Redis unreachable; checking once it answers');
        const later = () => {
          verifyPartitions().then(
            (ok) => {
              if (!ok && !closing) redis.once('ready', later);
            },
            (err: Error) => {
              log.fatal({ err }, 'refusing to run: partition count differs from the namespace');
              if (deps.onFatal) deps.onFatal(err);
              else void ingestor.close();
            },
          );
        };
        redis.once('ready', later);
      }
      await withRetries('reading the market list', resolveMarkets);
      let cap = o.maxConnections;
      if (cap === undefined) {
        try {
          cap = connectionCapOf(await withRetries('reading tiers', () => deps.venue.tiers()), o.tier);
        } catch (err) {
          log.warn({ err }, 'tiers unavailable: no connection cap applied (4002 closes will report it)');
        }
      }
      const plan = planConnections(markets, cap);
      unplaced = plan.unplaced;
      const now = clock.now();
      if (rejected.length > 0) {
        log.warn({ rejected: rejected.slice(0, 20) }, 'markets not streamed (closed, inactive or malformed)');
        feed({
          event: 'markets_rejected',
          conn_id: 0,
          conn_epoch: 0,
          ts_ms: now,
          markets: rejected.length,
          reason: 'closed, inactive or malformed in the market list',
        });
      }
      if (unplaced.length > 0) {
        log.warn(
          { cap, needed: Math.ceil(markets.length / 50), unplaced: unplaced.length },
          'tier connection cap is too small: streaming the markets that fit',
        );
        feed({
          event: 'conn_cap',
          conn_id: 0,
          conn_epoch: 0,
          ts_ms: now,
          markets: unplaced.length,
          reason: `tier allows ${cap} connections; ${unplaced.length} markets not streamed`,
        });
      }
      log.info(
        { markets: markets.length - unplaced.length, connections: plan.groups.length, partitions: o.partitions },
        'ingestor starting',
      );
      plan.groups.forEach((g, i) => {
        connections.push(makeConnection(i, g));
      });
      updateReadiness();
      for (const c of connections) c.start();
    },
    close() {
      closing = true;
      return lifecycle.close(async () => {
        await Promise.all(connections.map((c) => c.stop()));
        const left = await writer.close(o.shutdownFlushMs);
        if (left > 0) log.error({ left }, 'shutdown: entries could not be written to Redis');
        redis.off('error', onRedisError);
        if (ownRedis) {
          await redis.quit().catch(() => redis.disconnect());
        }
        await ops?.close();
        log.info('ingestor stopped');
      });
    },
    stats() {
      const w = writer.stats();
      return {
        markets: [...markets],
        unplaced: [...unplaced],
        rejected: [...rejected],
        connections: connections.map((c) => ({
          id: c.id,
          state: c.state,
          epoch: c.epoch,
          markets: c.markets.length,
          reconnects: c.reconnects,
          canary: c.canary,
        })),
        writer: w,
        deadLetters,
        openGaps: openGaps.size,
        ticksReceived,
      };
    },
  };
  return ingestor;
}
