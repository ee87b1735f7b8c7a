// One factory for every Redis connection, with options set by role and topology from REDIS_URL.

import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisTopology, type RedisTopology } from './topology.js';

/** A connection to any supported topology: one node or Sentinel (`Redis`), or a cluster (`Cluster`). */
export type RedisClient = Redis | Cluster;

/**
 * - `command`: ordinary commands; queued while reconnecting, a few retries per request.
 * - `fail-fast`: no offline queue, errors at once while Redis is down (callers buffer, e.g. the ingestor).
 * - `blocking`: XREADGROUP BLOCK and other blocking readers; retries forever.
 * - `bullmq`: BullMQ Queue/Worker connections (maxRetriesPerRequest must be null).
 */
export type RedisRole = 'command' | 'fail-fast' | 'blocking' | 'bullmq';

export interface CreateRedisOptions {
  /** Shown in CLIENT LIST as `polybot:<name>`. */
  name?: string;
  /** Extra ioredis options, applied last. */
  overrides?: RedisOptions;
}

/** Jittered exponential reconnect delay: 50 ms doubling to 2 s, ±50 %. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(attempt, 10));
  return Math.round(base / 2 + random() * (base / 2));
}

export function redisOptionsFor(role: RedisRole, name?: string): RedisOptions {
  const common: RedisOptions = {
    retryStrategy: (times) => reconnectDelay(times),
    ...(name ? { connectionName: `polybot:${name}` } : {}),
  };
  switch (role) {
    case 'command':
      return { ...common, maxRetriesPerRequest: 3 };
    case 'fail-fast':
      return { ...common, maxRetriesPerRequest: 0, enableOfflineQueue: false };
    case 'blocking':
      return { ...common, maxRetriesPerRequest: null };
    case 'bullmq':
      return { ...common, maxRetriesPerRequest: null, enableReadyCheck: false };
  }
}

function nodeOrSentinel(t: Exclude<RedisTopology, { kind: 'cluster' }>, options: RedisOptions): Redis {
  if (t.kind === 'single') return new Redis(t.url, options);
  return new Redis({
    ...options,
    sentinels: t.sentinels,
    name: t.name,
    db: t.db,
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  });
}

/**
 * A connection to a single node or a Sentinel-managed master (both are ioredis `Redis`). Cluster URLs need
 * `createRedisClient`, whose callers handle `Cluster` too.
 */
export function createRedis(url: string, role: RedisRole, opts: CreateRedisOptions = {}): Redis {
  const t = parseRedisTopology(url);
  if (t.kind === 'cluster') {
    throw new Error(
      'this component needs a single-node or Sentinel REDIS_URL (cluster URLs go through createRedisClient)',
    );
  }
  return nodeOrSentinel(t, { ...redisOptionsFor(role, opts.name), ...(opts.overrides ?? {}) });
}

/**
 * A connection to any topology: `redis://` (one node), `redis+sentinel://…?name=` (failover follows the
 * sentinels) or `redis+cluster://` / REDIS_CLUSTER_NODES (an ioredis Cluster; keys must be hash-tagged as
 * `keys()` builds them).
 */
export function createRedisClient(
  url: string,
  role: RedisRole,
  opts: CreateRedisOptions & { clusterNodes?: string } = {},
): RedisClient {
  const t = parseRedisTopology(url, opts.clusterNodes);
  const options = { ...redisOptionsFor(role, opts.name), ...(opts.overrides ?? {}) };
  if (t.kind !== 'cluster') return nodeOrSentinel(t, options);
  const { maxRetriesPerRequest, enableOfflineQueue, retryStrategy: _perNode, ...nodeOptions } = options;
  return new Cluster(t.nodes, {
    clusterRetryStrategy: (times) => reconnectDelay(times),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    redisOptions: {
      ...nodeOptions,
      ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
      ...(t.username !== undefined ? { username: t.username } : {}),
      ...(t.password !== undefined ? { password: t.password } : {}),
      ...(t.tls ? { tls: {} } : {}),
    },
  });
}
