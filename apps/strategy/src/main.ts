// Strategy worker process: reads config, builds the worker, serves /metrics /healthz /readyz, wires signals.

import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  installShutdownHandlers,
  loadConfigOrExit,
  requireConfig,
  retentionFromConfig,
  retentionWarnings,
  startOpsServer,
  toMicro,
} from '@polybot/shared';
import { loadStrategy } from '@polybot/strategy-kit';
import { createStrategyWorker } from './worker.js';

const cfg = loadConfigOrExit();
const logger = createLogger({ name: 'strategy', level: cfg.LOG_LEVEL });

let loaded: ReturnType<typeof loadStrategy>;
try {
  loaded = loadStrategy(cfg.STRATEGY, cfg.STRATEGY_PARAMS);
} catch (err) {
  process.stderr.write(`polybot: ${(err as Error).message}\n`);
  process.exit(2);
}

const registry = createMetricsRegistry({ app: 'strategy' });
const retention = retentionFromConfig(cfg);
for (const w of retentionWarnings(retention)) logger.warn(w);
const worker = createStrategyWorker({
  redisUrl: requireConfig(cfg, 'REDIS_URL'),
  ...(cfg.REDIS_CLUSTER_NODES ? { clusterNodes: cfg.REDIS_CLUSTER_NODES } : {}),
  ns: cfg.POLYBOT_NS,
  partitions: cfg.POLYBOT_PARTITIONS,
  strategy: loaded.strategy,
  params: loaded.params,
  limits: {
    staleMs: cfg.RISK_STALE_MS,
    maxPosition: toMicro(cfg.RISK_MAX_POSITION),
    maxExposure: toMicro(cfg.RISK_MAX_EXPOSURE),
    cooldownMs: cfg.RISK_COOLDOWN_MS,
    ordersPerMinute: cfg.RISK_ORDERS_PER_MIN,
  },
  leaseTtlMs: cfg.LEASE_TTL_MS,
  slippageBps: cfg.EXECUTOR_SLIPPAGE_BPS,
  batch: cfg.STRATEGY_BATCH,
  retention,
  logger,
  registry,
});

const ops = await startOpsServer({
  host: cfg.METRICS_HOST,
  port: cfg.METRICS_PORT,
  registry,
  components: () => [worker.lifecycle],
});
logger.info({ url: ops.url, worker: worker.id }, 'ops server listening');

installShutdownHandlers({
  logger,
  shutdown: async () => {
    await worker.close();
    await ops.close();
  },
});

try {
  await worker.start();
} catch (err) {
  // A configuration the namespace refuses (POLYBOT_PARTITIONS) is one line on stderr and exit code 2.
  if (err instanceof ConfigError) process.stderr.write(`polybot: ${err.message}\n`);
  else logger.error({ err }, 'strategy worker failed to start');
  await worker.close().catch(() => {});
  await ops.close();
  process.exit(err instanceof ConfigError ? 2 : 1);
}
