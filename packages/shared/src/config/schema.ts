// The one environment schema for every polybot process. Each entry documents its default; `.env.example`
// is generated from this list (npm run env:example) and a test keeps the two in sync.

import { z } from 'zod';

/**
 * The shortest ORDER_RECORDS_TTL_MS accepted (for tests and benchmarks that must see retention fill). Below an
 * hour the processes warn: an executor outage longer than the TTL can settle a stalled order twice.
 */
export const MIN_RECORDS_TTL_MS = 60_000;

export interface EnvVarSpec {
  /** Environment variable name. */
  name: string;
  /** One line for operators: what it does and which apps read it. */
  doc: string;
  /** The default as it would be written in .env (undefined = unset by default). */
  default?: string;
  /** Secrets are never echoed: not in errors, not in logs, not in .env.example. */
  secret?: boolean;
  schema: z.ZodType;
}

const port = z.coerce.number().int().min(0).max(65535);
const posInt = z.coerce.number().int().positive();
const nonNegInt = z.coerce.number().int().min(0);
const ms = z.coerce.number().int().min(1);
const bool = z.stringbool();
const decimal = z.string().regex(/^\d+(?:\.\d+)?$/, 'expected a plain decimal such as 0.35');
const namespace = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected lowercase letters, digits, - or _ (at most 32, starting with a letter)');
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const apiKey = z
  .string()
  .regex(/^ps_(live|test)_[A-Za-z0-9]{8,128}$/, 'expected a PolySimulator key (ps_live_… or ps_test_…)');
const url = z.url({ protocol: /^(https?|wss?)$/ });
const redisUrl = z.string().regex(/^(rediss?|redis\+cluster|redis\+sentinel):\/\/.+/, 'expected redis://host:port');
/** A JSON value in an environment variable, validated by `schema` (a parse error is one readable issue). */
const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
const decimalRate = z.string().regex(/^0(?:\.\d{1,6})?$|^1(?:\.0+)?$/, 'expected a rate such as "0.05"');
const simTier = z.strictObject({
  tier: z.string().min(1).max(32),
  requests_per_second: z.number().int().positive(),
  requests_per_minute: z.number().int().positive(),
  max_ws_connections: z.number().int().min(0),
  max_batch_size: z.number().int().min(1),
  starting_balance: decimal,
});
const share = z.number().min(0).max(1);
const simFaults = z.strictObject({
  latencyMs: z.number().int().min(0).optional(),
  serverBusyShare: share.optional(),
  ambiguousShare: share.optional(),
  ambiguousMode: z.enum(['persistence_unknown', 'hang', 'reset']).optional(),
  hangMs: z.number().int().min(0).optional(),
  storm429: z.boolean().optional(),
  stallFeeds: z.boolean().optional(),
  malformedShare: share.optional(),
  tokenTtlMs: z.number().int().min(0).optional(),
});

export const ENV_SPECS = [
  // General
  { name: 'LOG_LEVEL', doc: 'Log level for every process (fatal…trace, silent).', default: 'info', schema: logLevel },
  {
    name: 'POLYBOT_NS',
    doc: 'Namespace prefix of every Redis key, stream and queue.',
    default: 'polybot',
    schema: namespace,
  },
  {
    name: 'POLYBOT_PARTITIONS',
    doc: 'Tick stream partitions (hash(market) mod P), fixed per namespace at its first start. Keep it >= the most strategy workers you will run.',
    default: '8',
    schema: posInt.max(1024),
  },
  {
    name: 'REDIS_URL',
    doc: 'Redis to use. Unset: polybot up starts a local redis-server under .polybot/.',
    schema: redisUrl,
  },
  {
    name: 'REDIS_CLUSTER_NODES',
    doc: 'Redis Cluster seed nodes (h1:p1,h2:p2,…): a Cluster whatever REDIS_URL says (its password still applies).',
    schema: z.string().regex(/^[^,\s]+(?::\d{1,5})?(?:,[^,\s]+(?::\d{1,5})?)*$/, 'expected host:port,host:port'),
  },
  {
    name: 'METRICS_PORT',
    doc: 'Port of /metrics, /healthz and /readyz (0 = any free port).',
    default: '0',
    schema: port,
  },
  {
    name: 'METRICS_HOST',
    doc: 'Bind address of the metrics and health server.',
    default: '127.0.0.1',
    schema: z.string().min(1),
  },
  // Venue
  {
    name: 'POLYSIM_BASE_URL',
    doc: 'PolySimulator base URL. Unset: polybot up starts the embedded simulator.',
    default: 'http://127.0.0.1:8000',
    schema: url,
  },
  {
    name: 'POLYSIM_API_KEY',
    doc: 'PolySimulator API key (ps_live_…). Secret: never logged.',
    secret: true,
    schema: apiKey,
  },
  { name: 'VENUE_TIMEOUT_MS', doc: 'REST request timeout (headers and body).', default: '5000', schema: ms },
  { name: 'VENUE_CONNECTIONS', doc: 'Keep-alive connections in the REST pool.', default: '8', schema: posInt.max(256) },
  // Ingestor
  {
    name: 'POLYBOT_MARKETS',
    doc: 'Markets to stream: 0x…,0x… or auto:N (top N active markets by volume).',
    default: 'auto:10',
    schema: z.string().regex(/^(auto:\d{1,5}|0x[0-9a-fA-F]{64}(,0x[0-9a-fA-F]{64})*)$/, 'expected auto:N or 0x…,0x…'),
  },
  {
    name: 'INGEST_PING_MS',
    doc: 'App-level ping interval; a missing pong recycles the socket.',
    default: '20000',
    schema: ms,
  },
  {
    name: 'INGEST_STALL_MS',
    doc: 'An open socket with no frame for this long is recycled.',
    default: '15000',
    schema: ms,
  },
  {
    name: 'INGEST_QUIET_FACTOR',
    doc: 'A market quiet for this many times its usual cadence raises a market_quiet event.',
    default: '20',
    schema: posInt,
  },
  {
    name: 'INGEST_BATCH',
    doc: 'Entries per write batch: one dedup script call takes at most this many ticks of a partition; while a backlog drains, one pipelined round trip carries everything queued, up to 16,384 entries (flushed within ~1 ms anyway).',
    default: '256',
    schema: posInt,
  },
  {
    name: 'INGEST_BUFFER_MAX',
    doc: 'Ticks held in memory while Redis is unreachable or refuses writes (maxmemory reached, too few replicas).',
    default: '100000',
    schema: posInt,
  },
  {
    name: 'STREAM_MAXLEN',
    doc: 'Approximate retention per tick partition (XADD MAXLEN ~).',
    default: '1000000',
    schema: posInt,
  },
  // Strategy
  {
    name: 'STRATEGY',
    doc: 'Strategy to run: threshold, zscore, or every-nth (the benchmark strategy).',
    default: 'threshold',
    schema: z.string().min(1).max(64),
  },
  {
    name: 'STRATEGY_PARAMS',
    doc: 'Strategy parameters as JSON, validated by the strategy.',
    default: '{}',
    schema: z.string().max(4096),
  },
  {
    name: 'LEASE_TTL_MS',
    doc: 'Partition lease TTL; a dead worker’s partitions move after this.',
    default: '5000',
    schema: ms,
  },
  { name: 'STRATEGY_BATCH', doc: 'Stream entries read per XREADGROUP.', default: '512', schema: posInt },
  { name: 'RISK_STALE_MS', doc: 'Ticks older than this (now − emit) are not traded.', default: '2000', schema: ms },
  {
    name: 'RISK_MAX_POSITION',
    doc: 'Per-market position cap, in shares.',
    default: '100',
    schema: decimal,
  },
  { name: 'RISK_MAX_EXPOSURE', doc: 'Account gross exposure cap, in USD.', default: '1000', schema: decimal },
  {
    name: 'RISK_COOLDOWN_MS',
    doc: 'Minimum time between orders per market and side.',
    default: '5000',
    schema: nonNegInt,
  },
  { name: 'RISK_ORDERS_PER_MIN', doc: 'Orders-per-minute budget across all workers.', default: '60', schema: posInt },
  // Executor
  { name: 'EXECUTOR_CONCURRENCY', doc: 'Jobs processed at once per executor.', default: '4', schema: posInt.max(256) },
  {
    name: 'EXECUTOR_WRITES_PER_SEC',
    doc: 'Global order write budget shared by all executors (the venue serialises writes per account).',
    default: '3',
    schema: posInt,
  },
  { name: 'EXECUTOR_MAX_ATTEMPTS', doc: 'Attempts per order before it is rejected.', default: '8', schema: posInt },
  {
    name: 'EXECUTOR_SLIPPAGE_BPS',
    doc: 'Worst price = tick price ± this many basis points, on the market tick.',
    default: '200',
    schema: nonNegInt.max(10000),
  },
  {
    name: 'EXECUTOR_HEARTBEAT',
    doc: 'Send venue heartbeats (dead-man switch for resting orders).',
    default: 'false',
    schema: bool,
  },
  // Retention of what each order leaves in Redis (strategy and executor)
  {
    name: 'ORDER_RECORDS_TTL_MS',
    doc: 'Lifetime of per-intent records (terminal, attempt, appended and applied markers; failed jobs); a duplicate is recognised this long. Keep it above your longest executor outage.',
    default: '604800000',
    schema: ms.min(MIN_RECORDS_TTL_MS),
  },
  {
    name: 'ORDER_JOBS_KEPT',
    doc: 'Completed order jobs kept at most (they also go after min(24 h, ORDER_RECORDS_TTL_MS)).',
    default: '10000',
    schema: posInt,
  },
  {
    name: 'ORDERS_MAXLEN',
    doc: 'Approximate retention of the order event stream {ns}:orders (XADD MAXLEN ~; at least 10000).',
    default: '1000000',
    schema: posInt.min(10_000),
  },
  {
    name: 'INTENTS_MAXLEN',
    doc: 'Approximate retention of the approved intent stream {ns}:intents (XADD MAXLEN ~; at least 10000, the orphan sweep reads its tail).',
    default: '1000000',
    schema: posInt.min(10_000),
  },
  // Simulator
  { name: 'SIM_HOST', doc: 'Simulator bind address.', default: '127.0.0.1', schema: z.string().min(1) },
  { name: 'SIM_PORT', doc: 'Simulator port (the reference bot’s default base URL).', default: '8000', schema: port },
  { name: 'SIM_SEED', doc: 'Simulator seed: same seed, same markets and prices.', default: '42', schema: nonNegInt },
  { name: 'SIM_MARKETS', doc: 'Number of synthetic markets.', default: '24', schema: posInt.max(10000) },
  { name: 'SIM_TICK_MS', doc: 'Mean price update interval per busy market.', default: '250', schema: ms },
  {
    name: 'SIM_FEED_PHASES',
    doc: 'spread: markets tick at their own phase, as on the venue; aligned: all of a class at once (bursts).',
    default: 'spread',
    schema: z.enum(['spread', 'aligned']),
  },
  {
    name: 'SIM_DEV_MODE',
    doc: 'Accept any well-formed key and enable /_sim fault injection.',
    default: 'true',
    schema: bool,
  },
  {
    name: 'SIM_API_KEYS',
    doc: 'Comma-separated keys accepted when dev mode is off. Secret: never logged.',
    secret: true,
    schema: z.string(),
  },
  {
    name: 'SIM_LIMITS',
    doc: 'Enforce tier rate limits and the per-account write lock.',
    default: 'true',
    schema: bool,
  },
  {
    name: 'SIM_WRITES_PER_SEC',
    doc: 'Simulator: order writes per second per account under the write lock.',
    default: '4',
    schema: posInt,
  },
  {
    name: 'SIM_DEFAULT_TIER',
    doc: 'Simulator: tier of keys not listed in SIM_API_KEYS (a tier of the table).',
    default: 'pro',
    schema: z.string().min(1).max(32),
  },
  {
    name: 'SIM_TIERS',
    doc: 'Simulator: tier table as JSON [{tier,requests_per_second,requests_per_minute,max_ws_connections,max_batch_size,starting_balance}]. Unset: the documented table.',
    schema: json(z.array(simTier).min(1)),
  },
  {
    name: 'SIM_FEE_RATES',
    doc: 'Simulator: taker fee rate per category as JSON, e.g. {"crypto":"0.07"}. Unset: the documented rates.',
    schema: json(z.record(z.string().min(1).max(32), decimalRate)),
  },
  {
    name: 'SIM_FAULTS',
    doc: 'Simulator: fault defaults as JSON, e.g. {"serverBusyShare":0.1,"latencyMs":20} (dev mode also has /_sim/faults).',
    schema: json(simFaults),
  },
  {
    name: 'SIM_STRICT_TOKENS',
    doc: 'Simulator: WS tokens work once only (the older documented behaviour).',
    default: 'false',
    schema: bool,
  },
  // CLI and dashboard
  {
    name: 'DASHBOARD_ENABLED',
    doc: 'polybot up serves the web dashboard as one more child (false = no dashboard).',
    default: 'true',
    schema: bool,
  },
  {
    name: 'DASHBOARD_PORT',
    doc: 'Dashboard port (0 = any free port; polybot up prints the URL).',
    default: '7070',
    schema: port,
  },
  {
    name: 'DASHBOARD_HOST',
    doc: 'Dashboard bind address (non-loopback requires DASHBOARD_TOKEN).',
    default: '127.0.0.1',
    schema: z.string(),
  },
  {
    name: 'DASHBOARD_TOKEN',
    doc: 'Token required for dashboard control actions and non-loopback binds. Secret.',
    secret: true,
    schema: z.string().min(16),
  },
  {
    name: 'DASHBOARD_CONTROLS',
    doc: 'Dashboard control actions (halt, resume, Bull Board job actions); false = read-only.',
    default: 'true',
    schema: bool,
  },
  {
    name: 'DASHBOARD_PROCESSES',
    doc: 'Processes whose /readyz the dashboard shows, as name=url,… (polybot up sets it for its children).',
    schema: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]{1,64}=https?:\/\/[^,\s]+(?:,[A-Za-z0-9_.-]{1,64}=https?:\/\/[^,\s]+)*$/,
        'expected name=http://host:port/readyz,…',
      ),
  },
] as const satisfies readonly EnvVarSpec[];

type Specs = typeof ENV_SPECS;
type SpecByName<N extends Specs[number]['name']> = Extract<Specs[number], { name: N }>;
type ValueOf<S> = S extends { schema: infer Z extends z.ZodType } ? z.output<Z> : never;

/** The parsed, frozen configuration: variables with a default are always set, the others may be undefined. */
export type Config = {
  readonly [N in Specs[number]['name']]: SpecByName<N> extends { default: string }
    ? ValueOf<SpecByName<N>>
    : ValueOf<SpecByName<N>> | undefined;
};
