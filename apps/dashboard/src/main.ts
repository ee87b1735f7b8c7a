// Dashboard process entry: reads config, refuses an unsafe bind, builds the connections, wires signals.
// The logic lives in createDashboard (create-dashboard.ts).

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertBindAllowed,
  BindRefusedError,
  createLogger,
  createRedisClient,
  installShutdownHandlers,
  loadConfigOrExit,
  parseRedisTopology,
  requireConfigOrExit,
} from '@polybot/shared';
import { redisUrlPassword } from './live/secret-scrubber.js';
import { parseProcessProbes } from './status/process-probes.js';

async function main(): Promise<void> {
  const cfg = loadConfigOrExit();
  try {
    assertBindAllowed(cfg.DASHBOARD_HOST, cfg.DASHBOARD_TOKEN);
  } catch (err) {
    if (!(err instanceof BindRefusedError)) throw err;
    process.stderr.write(`polybot dashboard: ${err.message}\n`);
    process.exit(2);
  }
  const redisUrl = requireConfigOrExit(cfg, 'REDIS_URL');
  // Loaded after the checks above, so a refused start answers at once (fastify and Bull Board are not small).
  const { createDashboard } = await import('./create-dashboard.js');
  const logger = createLogger({ name: 'dashboard', level: cfg.LOG_LEVEL });
  const clusterNodes = cfg.REDIS_CLUSTER_NODES;
  const topo = clusterNodes ? { clusterNodes } : {};
  const redis = createRedisClient(redisUrl, 'command', { name: 'dashboard', ...topo });
  const bull = createRedisClient(redisUrl, 'bullmq', { name: 'dashboard-bullmq', ...topo });
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  bull.on('error', (err) => logger.warn({ err }, 'redis (bullmq) connection error'));
  const dashboard = createDashboard({
    ns: cfg.POLYBOT_NS,
    partitions: cfg.POLYBOT_PARTITIONS,
    redis,
    bullConnection: bull,
    connectBlocking: (name) => createRedisClient(redisUrl, 'blocking', { name, ...topo }),
    cluster: parseRedisTopology(redisUrl, clusterNodes).kind === 'cluster',
    logger,
    host: cfg.DASHBOARD_HOST,
    port: cfg.DASHBOARD_PORT,
    token: cfg.DASHBOARD_TOKEN,
    controls: cfg.DASHBOARD_CONTROLS,
    probes: parseProcessProbes(cfg.DASHBOARD_PROCESSES),
    webDir: join(dirname(fileURLToPath(import.meta.url)), 'web'),
    secrets: [cfg.POLYSIM_API_KEY, cfg.DASHBOARD_TOKEN, cfg.SIM_API_KEYS, redisUrlPassword(redisUrl)],
  });
  installShutdownHandlers({
    logger,
    shutdown: async () => {
      await dashboard.close();
      await Promise.allSettled([redis.quit(), bull.quit()]);
    },
  });
  await dashboard.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`polybot dashboard: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
