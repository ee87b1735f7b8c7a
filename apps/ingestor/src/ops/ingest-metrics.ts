// Prometheus metrics of the ingestor; ticks/s come from rate() over the counters.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngestMetrics {
  ticks: Counter<'market' | 'partition'>;
  deduped: Counter;
  lag: Histogram;
  reconnects: Counter<'cause'>;
  stalls: Counter<'kind'>;
  quiet: Gauge<'market'>;
  deadLetters: Counter<'kind'>;
  bufferDepth: Gauge;
  bufferOverflow: Counter;
  gaps: Counter<'reason'>;
  connections: Gauge<'state'>;
  redisUp: Gauge;
}

/**
 * The ticks written per market and deduplicated, counted as plain numbers: a labelled prom-client inc() builds
 * and looks up its label string on every call (about 670 ns here). The counters take these counts when they are
 * collected (every scrape, every read of the registry).
 */
export class TickCounts {
  readonly #written = new Map<string, { partition: number; n: number }>();
  #deduped = 0;

  written(market: string, partition: number): void {
    const c = this.#written.get(market);
    if (c) c.n++;
    else this.#written.set(market, { partition, n: 1 });
  }

  deduped(): void {
    this.#deduped++;
  }

  /** Calls `add` once per market with the ticks written since the last call; returns the ticks deduplicated since. */
  drain(add: (market: string, partition: number, ticks: number) => void): number {
    for (const [market, c] of this.#written) {
      if (c.n === 0) continue;
      add(market, c.partition, c.n);
      c.n = 0;
    }
    const d = this.#deduped;
    this.#deduped = 0;
    return d;
  }
}

export function createIngestMetrics(
  registry: Registry,
  sample: () => { bufferedTicks: number; redisUp: boolean },
  counts: TickCounts,
): IngestMetrics {
  const registers = [registry];
  // Both tick counters take what `counts` holds when either is collected (the registry reads all metrics).
  const take = () => {
    const d = counts.drain((market, partition, n) => ticks.inc({ market, partition: String(partition) }, n));
    if (d > 0) deduped.inc(d);
  };
  const ticks = new Counter({
    name: 'polybot_ingest_ticks_total',
    help: 'Ticks appended to the tick streams (after dedup), by market and partition.',
    labelNames: ['market', 'partition'],
    registers,
    collect: take,
  });
  const deduped = new Counter({
    name: 'polybot_ingest_ticks_deduplicated_total',
    help: 'Ticks dropped by the dedup script because another ingestor (or a retry) already wrote them.',
    registers,
    collect: take,
  });
  return {
    ticks,
    deduped,
    lag: new Histogram({
      name: 'polybot_ingest_emit_to_recv_ms',
      help: 'Venue emit time to ingestor receive time, ms.',
      buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    reconnects: new Counter({
      name: 'polybot_ingest_reconnects_total',
      help: 'Feed socket sessions that ended, by cause (token, conn_cap, stall, pong_timeout, closed, …).',
      labelNames: ['cause'],
      registers,
    }),
    stalls: new Counter({
      name: 'polybot_ingest_stalls_total',
      help: 'Stalls detected: kind=connection (socket recycled) or market (quiet far past its cadence).',
      labelNames: ['kind'],
      registers,
    }),
    quiet: new Gauge({
      name: 'polybot_ingest_market_quiet',
      help: '1 while a market is quiet far beyond its usual cadence.',
      labelNames: ['market'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'polybot_ingest_dead_letters_total',
      help: 'Frames that failed validation and went to the dead-letter stream.',
      labelNames: ['kind'],
      registers,
    }),
    bufferDepth: new Gauge({
      name: 'polybot_ingest_buffer_depth',
      help: 'Ticks held in memory waiting for Redis.',
      registers,
      collect() {
        this.set(sample().bufferedTicks);
      },
    }),
    bufferOverflow: new Counter({
      name: 'polybot_ingest_buffer_overflow_total',
      help: 'Ticks dropped because the outage buffer was full (each covered by a Gap).',
      registers,
    }),
    gaps: new Counter({
      name: 'polybot_ingest_gaps_total',
      help: 'Gap markers written, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    connections: new Gauge({
      name: 'polybot_ingest_connections',
      help: 'Feed sockets by state.',
      labelNames: ['state'],
      registers,
    }),
    redisUp: new Gauge({
      name: 'polybot_ingest_redis_up',
      help: '1 while tick writes reach Redis.',
      registers,
      collect() {
        this.set(sample().redisUp ? 1 : 0);
      },
    }),
  };
}
