// Bench helper: the strategy worker process exactly as apps/strategy/src/main.ts builds it, except that the
// strategy is `every-nth` loaded from strategy-kit's build (used only while the registry does not list it;
// otherwise the bench runs `node apps/strategy/dist/main.js` itself).

import {
  createLogger,
  createMetricsRegistry,
  installShutdownHandlers,
  loadConfigOrExit,
  requireConfig,
  startOpsServer,
  toMicro,
} from '@polybot/shared';
import { createStrategyWorker } from '@polybot/strategy';
import { loadEveryNth } from '../lib/every-nth.js';

const cfg = loadConfigOrExit();
const logger = createLogger({ name: 'strategy', level: cfg.LOG_LEVEL });
const strategy = await loadEveryNth();
const parsed = strategy.params.safeParse(JSON.parse(cfg.STRATEGY_PARAMS || '{}'));
if (!parsed.success) {
  process.stderr.write(`bench strategy: invalid STRATEGY_PARAMS: ${parsed.error.message}\n`);
  process.exit(2);
}

const registry = createMetricsRegistry({ app: 'strategy' });
const worker = createStrategyWorker({
  redisUrl: requireConfig(cfg, 'REDIS_URL'),
  ns: cfg.POLYBOT_NS,
  partitions: cfg.POLYBOT_PARTITIONS,
  strategy,
  params: parsed.data,
  limits: {
    staleMs: cfg.RISK_STALE_MS,
    maxPosition: toMicro(cfg.RISK_MAX_POSITION),
    maxExposure: toMicro(cfg.RISK_MAX_EXPOSURE),
    cooldownMs: cfg.RISK_COOLDOWN_MS,
    ordersPerMinute: cfg.RISK_ORDERS_PER_MIN,
  },
  leaseTtlMs: cfg.LEASE_TTL_MS,
  batch: cfg.STRATEGY_BATCH,
  logger,
  registry,
});

const ops = await startOpsServer({
  host: cfg.METRICS_HOST,
  port: cfg.METRICS_PORT,
  registry,
  components: () => [worker.lifecycle],
});

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
  logger.error({ err }, 'strategy worker failed to start');
  await worker.close().catch(() => {});
  await ops.close();
  process.exit(1);
}
