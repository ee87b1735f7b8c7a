// Prometheus metrics of a strategy worker, registered on the registry it is given (one set per worker, so
// several workers in one test process do not collide).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WorkerMetrics {
  entries: Counter<'partition'>;
  decisions: Counter<'strategy'>;
  intents: Counter<'strategy'>;
  blocks: Counter<'reason'>;
  invalidDecisions: Counter;
  deadLetters: Counter<'kind'>;
  leaseChanges: Counter<'change'>;
  lag: Gauge<'partition'>;
  owned: Gauge;
  liveWorkers: Gauge;
  claimed: Counter;
  trimmedPending: Counter;
  batchErrors: Counter;
  tickToEnqueue: Histogram;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    entries: new Counter({
      name: 'polybot_strategy_entries_total',
      help: 'Tick stream entries processed (acked), by partition',
      labelNames: ['partition'],
      registers,
    }),
    decisions: new Counter({
      name: 'polybot_strategy_decisions_total',
      help: 'Decisions made by the strategy, before the risk gate',
      labelNames: ['strategy'],
      registers,
    }),
    intents: new Counter({
      name: 'polybot_strategy_intents_total',
      help: 'Decisions that passed the risk gate and were enqueued',
      labelNames: ['strategy'],
      registers,
    }),
    blocks: new Counter({
      name: 'polybot_strategy_blocks_total',
      help: 'Decisions blocked by the risk gate, by reason',
      labelNames: ['reason'],
      registers,
    }),
    invalidDecisions: new Counter({
      name: 'polybot_strategy_invalid_decisions_total',
      help: 'Malformed decisions dropped (strategy bugs)',
      registers,
    }),
    deadLetters: new Counter({
      name: 'polybot_strategy_dead_letters_total',
      help: 'Stream entries that failed validation and were dead-lettered',
      labelNames: ['kind'],
      registers,
    }),
    leaseChanges: new Counter({
      name: 'polybot_strategy_lease_changes_total',
      help: 'Partition lease changes (acquired, released, lost)',
      labelNames: ['change'],
      registers,
    }),
    lag: new Gauge({
      name: 'polybot_strategy_consumer_lag',
      help: 'Entries of an owned partition not yet delivered to the consumer group',
      labelNames: ['partition'],
      registers,
    }),
    owned: new Gauge({ name: 'polybot_strategy_partitions_owned', help: 'Partitions held', registers }),
    liveWorkers: new Gauge({
      name: 'polybot_strategy_live_workers',
      help: 'Live workers in the registry',
      registers,
    }),
    claimed: new Counter({
      name: 'polybot_strategy_claimed_entries_total',
      help: 'Pending entries claimed on takeover (XAUTOCLAIM)',
      registers,
    }),
    trimmedPending: new Counter({
      name: 'polybot_strategy_trimmed_pending_total',
      help: 'Pending entries that were trimmed from the stream before they could be processed',
      registers,
    }),
    batchErrors: new Counter({
      name: 'polybot_strategy_batch_errors_total',
      help: 'Batches that failed (Redis errors); they are retried from the pending list',
      registers,
    }),
    tickToEnqueue: new Histogram({
      name: 'polybot_strategy_tick_to_enqueue_ms',
      help: 'From tick receive (t_recv) to enqueue, for enqueued intents',
      buckets: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000],
      registers,
    }),
  };
}
