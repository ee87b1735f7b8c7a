// @polybot/shared: what every polybot process has in common.

export * from './config/env-example.js';
export * from './config/load-config.js';
export * from './config/schema.js';
export * from './contracts/contract.js';
export * from './contracts/dead-letter.js';
export * from './contracts/fast-decode.js';
export * from './contracts/feed-event.js';
export * as fields from './contracts/fields.js';
export * from './contracts/intent.js';
export * from './contracts/order-event.js';
export * from './contracts/tick.js';
export * from './contracts/tick-stream.js';
export * from './errors/polybot-error.js';
export * from './lifecycle/lifecycle.js';
export * from './lifecycle/signals.js';
export * from './logging/logger.js';
export * from './logging/scrub.js';
export * from './money/decimal.js';
export * from './ops/ops-server.js';
export * from './redis/connection.js';
export * from './redis/keys.js';
export * from './redis/partition.js';
export * from './redis/streams.js';
export * from './redis/topology.js';
export * from './time/clock.js';
export * from './util/fnv1a.js';
export * from './venue/index.js';
