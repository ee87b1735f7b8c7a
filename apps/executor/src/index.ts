// @polybot/executor: idempotent REST order execution with retries, ambiguity reconciliation and the order log.

export { type Classified, classify, classifyFailure } from './errors/classify.js';
export { createOrderLog, type OrderLog, type Settlement } from './events/order-log.js';
export {
  createExecutor,
  type Executor,
  type ExecutorDeps,
  type ExecutorOptions,
  type JobOutcome,
} from './executor.js';
export { createExecutorMetrics, type ExecutorMetrics } from './ops/executor-metrics.js';
export { createHeartbeat, type Heartbeat, type HeartbeatOptions, type HeartbeatState } from './ops/heartbeat.js';
export { buildOrderBody, quantityString, worstPrice } from './order/order-body.js';
export { type DriftReport, measureDrift } from './projection/drift.js';
export { applyFill, type Fill, type Projection, projectFill } from './projection/positions.js';
export { projectFromOrderLog, type RebuildResult, rebuildProjection } from './projection/rebuild.js';
export { findOrderByClientId, type ReconcileResult } from './reconcile/find-order.js';
export { failureOf, orderFromResponse, orderFromRow, venueFromClient } from './venue/shared-venue.js';
export type * from './venue/venue-port.js';
