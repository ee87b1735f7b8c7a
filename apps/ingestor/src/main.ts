// Ingestor process: read config, build the venue client and the ingestor, serve ops, wire signals.
import {
  ConfigError,
  createLogger,
  createVenueClient,
  installShutdownHandlers,
  loadConfigOrExit,
  parseServerFrame,
  requireConfigOrExit,
  wsUrl,
} from '@polybot/shared';
import { createIngestor } from './ingestor.js';

const cfg = loadConfigOrExit();
const logger = createLogger({ name: 'ingestor', level: cfg.LOG_LEVEL });
const baseUrl = requireConfigOrExit(cfg, 'POLYSIM_BASE_URL');
const venue = createVenueClient({
  baseUrl,
  apiKey: requireConfigOrExit(cfg, 'POLYSIM_API_KEY'),
  timeoutMs: cfg.VENUE_TIMEOUT_MS,
  connections: cfg.VENUE_CONNECTIONS,
  logger,
});
const ingestor = createIngestor({
  options: {
    ns: cfg.POLYBOT_NS,
    partitions: cfg.POLYBOT_PARTITIONS,
    markets: cfg.POLYBOT_MARKETS,
    pingMs: cfg.INGEST_PING_MS,
    stallMs: cfg.INGEST_STALL_MS,
    quietFactor: cfg.INGEST_QUIET_FACTOR,
    batchSize: cfg.INGEST_BATCH,
    bufferMax: cfg.INGEST_BUFFER_MAX,
    streamMaxlen: cfg.STREAM_MAXLEN,
    opsPort: cfg.METRICS_PORT,
    opsHost: cfg.METRICS_HOST,
  },
  venue,
  wsUrl: (token) => wsUrl(baseUrl, '/v1/ws/prices', token),
  parseFrame: parseServerFrame,
  redis: {
    url: requireConfigOrExit(cfg, 'REDIS_URL'),
    ...(cfg.REDIS_CLUSTER_NODES ? { clusterNodes: cfg.REDIS_CLUSTER_NODES } : {}),
  },
  logger,
  onFatal: (err) => void refuse(err),
});

/** A configuration the namespace refuses (POLYBOT_PARTITIONS): one line on stderr, exit code 2. */
async function refuse(err: Error): Promise<never> {
  process.stderr.write(`polybot: ${err.message}\n`);
  await ingestor.close().catch(() => {});
  await venue.close().catch(() => {});
  process.exit(2);
}

installShutdownHandlers({
  logger,
  shutdown: async () => {
    await ingestor.close();
    await venue.close();
  },
});

ingestor.start().catch(async (err: unknown) => {
  if (err instanceof ConfigError) return refuse(err);
  logger.fatal({ err }, 'ingestor failed to start');
  await ingestor.close();
  await venue.close();
  process.exit(1);
});
