// Executor process entry: reads config, builds the dependencies, wires signals and the ops server.
// The logic lives in createExecutor (executor.ts).

import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  createRedisClient,
  createVenueClient,
  ensurePartitions,
  installShutdownHandlers,
  loadConfigOrExit,
  PartitionsMismatchError,
  requireConfig,
  retentionFromConfig,
  retentionWarnings,
  startOpsServer,
} from '@polybot/shared';
import { createExecutor } from './executor.js';
import { venueFromClient } from './venue/shared-venue.js';

/** Venue heartbeat interval: resting orders are cancelled ~12.5 s after the last beat. */
const HEARTBEAT_INTERVAL_MS = 10_000;

async function main(): Promise<void> {
  const cfg = loadConfigOrExit();
  let redisUrl: string;
  let apiKey: string;
  try {
    redisUrl = requireConfig(cfg, 'REDIS_URL');
    apiKey = requireConfig(cfg, 'POLYSIM_API_KEY');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`polybot: ${err.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'executor', level: cfg.LOG_LEVEL });
  const clusterNodes = cfg.REDIS_CLUSTER_NODES;
  const topo = clusterNodes ? { clusterNodes } : {};
  const redis = createRedisClient(redisUrl, 'command', { name: 'executor', ...topo });
  const bull = createRedisClient(redisUrl, 'bullmq', { name: 'executor-bullmq', ...topo });
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  bull.on('error', (err) => logger.warn({ err }, 'redis (bullmq) connection error'));
  const client = createVenueClient({
    baseUrl: cfg.POLYSIM_BASE_URL,
    apiKey,
    timeoutMs: cfg.VENUE_TIMEOUT_MS,
    connections: cfg.VENUE_CONNECTIONS,
    logger: logger.child({ component: 'venue' }),
  });
  const venue = venueFromClient(client);
  const retention = retentionFromConfig(cfg);
  for (const w of retentionWarnings(retention)) logger.warn(w);
  const registry = createMetricsRegistry({ app: 'executor' });
  const executor = createExecutor({
    ns: cfg.POLYBOT_NS,
    redis,
    bullConnection: bull,
    venue,
    logger,
    registry,
    options: {
      concurrency: cfg.EXECUTOR_CONCURRENCY,
      writesPerSec: cfg.EXECUTOR_WRITES_PER_SEC,
      maxAttempts: cfg.EXECUTOR_MAX_ATTEMPTS,
      slippageBps: cfg.EXECUTOR_SLIPPAGE_BPS,
      retention,
      ...(cfg.EXECUTOR_HEARTBEAT
        ? {
            heartbeat: {
              intervalMs: HEARTBEAT_INTERVAL_MS,
              partitions: cfg.POLYBOT_PARTITIONS,
              feedStaleMs: cfg.INGEST_STALL_MS,
            },
          }
        : {}),
    },
  });
  const ops = await startOpsServer({
    host: cfg.METRICS_HOST,
    port: cfg.METRICS_PORT,
    registry,
    components: () => [executor.lifecycle],
  });
  logger.info({ url: ops.url }, 'ops server listening');
  installShutdownHandlers({
    logger,
    shutdown: async () => {
      // Finish in-flight orders first: their outcomes must reach {ns}:orders.
      await executor.close();
      await client.close();
      await ops.close();
      await Promise.allSettled([redis.quit(), bull.quit()]);
    },
  });
  if (cfg.EXECUTOR_HEARTBEAT) {
    // The heartbeat reads the tick partitions: POLYBOT_PARTITIONS must be the namespace's own. Read-only (the
    // ingestor and strategy workers record it); best effort while Redis is unreachable.
    try {
      await ensurePartitions(redis, cfg.POLYBOT_NS, cfg.POLYBOT_PARTITIONS, { record: false });
    } catch (err) {
      if (err instanceof PartitionsMismatchError) throw err;
      logger.warn({ err }, 'partition count not verified: Redis unreachable');
    }
  }
  await executor.start();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`polybot: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`polybot executor: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
