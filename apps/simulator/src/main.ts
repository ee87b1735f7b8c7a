// `polybot sim` / `node apps/simulator/dist/main.js`: read config, start the simulator, print the dev key,
// stop cleanly on SIGINT/SIGTERM.

import { createLogger, installShutdownHandlers, loadConfigOrExit } from '@polybot/shared';
import type { FaultSettings } from './faults.js';
import { createSimulator } from './simulator.js';

const config = loadConfigOrExit();

/** Drops keys whose value is undefined (the parsed JSON never has them; the type says it might). */
function definedOnly<T extends object>(o: T): Partial<FaultSettings> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<FaultSettings>;
}
const logger = createLogger({ name: 'simulator', level: config.LOG_LEVEL });
const apiKeys = (config.SIM_API_KEYS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter((k) => k.length > 0);

const sim = await createSimulator({
  host: config.SIM_HOST,
  port: config.SIM_PORT,
  seed: config.SIM_SEED,
  markets: config.SIM_MARKETS,
  tickMs: config.SIM_TICK_MS,
  feedPhases: config.SIM_FEED_PHASES,
  devMode: config.SIM_DEV_MODE,
  apiKeys,
  limits: config.SIM_LIMITS,
  writesPerSecond: config.SIM_WRITES_PER_SEC,
  defaultTier: config.SIM_DEFAULT_TIER,
  strictTokens: config.SIM_STRICT_TOKENS,
  ...(config.SIM_TIERS !== undefined ? { tiers: config.SIM_TIERS } : {}),
  ...(config.SIM_FEE_RATES !== undefined ? { feeRates: config.SIM_FEE_RATES } : {}),
  ...(config.SIM_FAULTS !== undefined ? { faults: definedOnly(config.SIM_FAULTS) } : {}),
  logger,
}).catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? `port ${config.SIM_PORT} is in use (set SIM_PORT)`
      : err instanceof Error
        ? err.message
        : String(err);
  process.stderr.write(`polybot simulator: cannot start: ${why}\n`);
  process.exit(1);
});

installShutdownHandlers({ logger, shutdown: () => sim.close() });

const keyLine =
  config.SIM_DEV_MODE || apiKeys.length === 0
    ? `dev API key: ${sim.devApiKey} (any well-formed ps_live_/ps_test_ key works in dev mode)`
    : 'API keys: from SIM_API_KEYS';
process.stdout.write(`PolySimulator listening on ${sim.baseUrl} (${sim.marketIds.length} markets)\n${keyLine}\n`);
