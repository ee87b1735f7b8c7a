// Prometheus metrics of the executor: outcomes by code, attempts, 429s, ambiguity and reconciliation, and the
// tick-to-order (t_sent − t_recv) and venue (t_ack − t_sent) latencies.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ExecutorMetrics {
  orders: Counter<'outcome' | 'code'>;
  attempts: Counter<'result'>;
  rateLimited: Counter;
  ambiguous: Counter<'code'>;
  reconciliations: Counter<'result'>;
  internalErrors: Counter<'stage'>;
  sweptJobs: Counter;
  driftPositions: Gauge;
  driftCash: Gauge;
  heartbeatState: Gauge<'state'>;
  tickToOrder: Histogram;
  venueLatency: Histogram;
}

const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

export function createExecutorMetrics(registry: Registry): ExecutorMetrics {
  const registers = [registry];
  return {
    orders: new Counter({
      name: 'polybot_executor_orders_total',
      help: 'Terminal order outcomes (acked, rejected) by venue status or error code.',
      labelNames: ['outcome', 'code'],
      registers,
    }),
    attempts: new Counter({
      name: 'polybot_executor_attempts_total',
      help: 'Order POST attempts by classified result.',
      labelNames: ['result'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'polybot_executor_rate_limited_total',
      help: '429 replies (the worker paused for Retry-After).',
      registers,
    }),
    ambiguous: new Counter({
      name: 'polybot_executor_ambiguous_total',
      help: 'Ambiguous outcomes (timeout, reset after send, persistence unknown) by code.',
      labelNames: ['code'],
      registers,
    }),
    reconciliations: new Counter({
      name: 'polybot_executor_reconciliations_total',
      help: 'Reconciliations by result (found, not_found, failed).',
      labelNames: ['result'],
      registers,
    }),
    internalErrors: new Counter({
      name: 'polybot_executor_internal_errors_total',
      help: 'Unexpected errors (Redis down, bugs); the job is retried later.',
      labelNames: ['stage'],
      registers,
    }),
    sweptJobs: new Counter({
      name: 'polybot_executor_swept_jobs_total',
      help: 'Failed order jobs without a terminal event that the sweep re-queued.',
      registers,
    }),
    driftPositions: new Gauge({
      name: 'polybot_executor_projection_drift_positions',
      help: 'Market/outcome positions whose projected shares differ from the venue at the last check.',
      registers,
    }),
    driftCash: new Gauge({
      name: 'polybot_executor_projection_drift_cash_micro',
      help: '(starting balance + projected cash) − venue balance at the last check, micro-USD.',
      registers,
    }),
    heartbeatState: new Gauge({
      name: 'polybot_executor_heartbeat_state',
      help: 'Dead-man switch state (1 = current): beating, halted, feed_stale, failing.',
      labelNames: ['state'],
      registers,
    }),
    tickToOrder: new Histogram({
      name: 'polybot_executor_tick_to_order_ms',
      help: 't_sent − t_recv of each POST, in ms.',
      buckets: LATENCY_BUCKETS_MS,
      registers,
    }),
    venueLatency: new Histogram({
      name: 'polybot_executor_venue_latency_ms',
      help: 't_ack − t_sent of each POST that got a reply, in ms.',
      buckets: LATENCY_BUCKETS_MS,
      registers,
    }),
  };
}
