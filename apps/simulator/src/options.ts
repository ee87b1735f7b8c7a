// Simulator options with their defaults. Everything a test or `polybot sim` can tune lives here.

import type { Clock, Logger } from '@polybot/shared';
import type { FaultSettings } from './faults.js';
import type { FeedPhases } from './market/feed.js';

export interface TierSpec {
  tier: string;
  requests_per_second: number;
  requests_per_minute: number;
  max_ws_connections: number;
  max_batch_size: number;
  /** Starting API-wallet balance (decimal string); "0" = no wallet (read-only tier). */
  starting_balance: string;
}

/** Newest documented table (polysim-api.md §8, rl md / eh / hl). */
export const DEFAULT_TIERS: readonly TierSpec[] = Object.freeze([
  {
    tier: 'free',
    requests_per_second: 2,
    requests_per_minute: 120,
    max_ws_connections: 1,
    max_batch_size: 1,
    starting_balance: '0',
  },
  {
    tier: 'pro',
    requests_per_second: 10,
    requests_per_minute: 600,
    max_ws_connections: 3,
    max_batch_size: 5,
    starting_balance: '10000',
  },
  {
    tier: 'pro_plus',
    requests_per_second: 30,
    requests_per_minute: 1800,
    max_ws_connections: 10,
    max_batch_size: 10,
    starting_balance: '25000',
  },
  {
    tier: 'enterprise',
    requests_per_second: 100,
    requests_per_minute: 6000,
    max_ws_connections: 50,
    max_batch_size: 25,
    starting_balance: '25000',
  },
]);

export interface ApiKeySpec {
  key: string;
  tier?: string;
}

export interface SimulatorOptions {
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (any free port). `polybot sim` passes 8000. */
  port?: number;
  /** Seed of markets, prices and books; default 42. */
  seed?: number;
  /** Number of synthetic markets; default 24. */
  markets?: number;
  /** Mean update interval of a busy market in ms (normal ×4, quiet ×40); default 250. May be fractional. */
  tickMs?: number;
  /**
   * `spread` (default): the markets of an activity class tick at phases spread evenly over their interval,
   * as independent markets do; `aligned`: all of a class tick at the same instants (bursts of frames).
   */
  feedPhases?: FeedPhases;
  /** Accept any well-formed ps_live_/ps_test_ key and expose /_sim; default true. */
  devMode?: boolean;
  /** Keys accepted besides dev-mode keys (the only ones when devMode is off). */
  apiKeys?: ReadonlyArray<string | ApiKeySpec>;
  /** Tier of keys not listed in apiKeys; default 'pro'. */
  defaultTier?: string;
  /** Tier table served at /v1/keys/tiers and enforced; default DEFAULT_TIERS. */
  tiers?: readonly TierSpec[];
  /** Enforce rate limits and the per-account write lock; default true. */
  limits?: boolean;
  /** Writes per second per account under the write lock; default 4. */
  writesPerSecond?: number;
  /** How long a write waits for the lock before 409 TRADE_IN_PROGRESS; default 2000 ms. */
  lockWaitMs?: number;
  /** WS token lifetime; default 60 000 ms. */
  tokenTtlMs?: number;
  /** Tokens work once only (old docs); default false (reusable within TTL, newest docs). */
  strictTokens?: boolean;
  /** Close open sockets with 4001 when their token expires; default false (checked at connect only). */
  closeOnTokenExpiry?: boolean;
  /** Markets per WS connection; default 50. */
  maxSubscriptions?: number;
  /** Send each newly subscribed market's current price right after the ack; default true. */
  snapshotOnSubscribe?: boolean;
  /** Taker fee rate per category as decimal strings (e.g. { crypto: '0.07' }); default the documented table. */
  feeRates?: Readonly<Record<string, string>>;
  /** Resting-order matching interval; default 1000 ms. */
  matchIntervalMs?: number;
  /** Request body limit in bytes; default 65 536. */
  bodyLimit?: number;
  /** Fault defaults (also settable at run time via sim.faults or /_sim/faults). */
  faults?: Partial<FaultSettings>;
  /** Time source for timestamps, token expiry and rate windows; default the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  seed: number;
  markets: number;
  tickMs: number;
  feedPhases: FeedPhases;
  devMode: boolean;
  apiKeys: ApiKeySpec[];
  defaultTier: string;
  tiers: readonly TierSpec[];
  limits: boolean;
  writesPerSecond: number;
  lockWaitMs: number;
  tokenTtlMs: number;
  strictTokens: boolean;
  closeOnTokenExpiry: boolean;
  maxSubscriptions: number;
  snapshotOnSubscribe: boolean;
  matchIntervalMs: number;
  bodyLimit: number;
  feeRates: Readonly<Record<string, string>>;
}

export function resolveOptions(o: SimulatorOptions): ResolvedOptions {
  const tiers = o.tiers ?? DEFAULT_TIERS;
  const defaultTier = o.defaultTier ?? 'pro';
  if (!tiers.some((t) => t.tier === defaultTier))
    throw new Error(`defaultTier ${defaultTier} is not in the tier table`);
  return {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    seed: o.seed ?? 42,
    markets: o.markets ?? 24,
    tickMs: o.tickMs ?? 250,
    feedPhases: o.feedPhases ?? 'spread',
    devMode: o.devMode ?? true,
    apiKeys: (o.apiKeys ?? []).map((k) => (typeof k === 'string' ? { key: k } : k)),
    defaultTier,
    tiers,
    limits: o.limits ?? true,
    writesPerSecond: o.writesPerSecond ?? 4,
    lockWaitMs: o.lockWaitMs ?? 2000,
    tokenTtlMs: o.tokenTtlMs ?? 60_000,
    strictTokens: o.strictTokens ?? false,
    closeOnTokenExpiry: o.closeOnTokenExpiry ?? false,
    maxSubscriptions: o.maxSubscriptions ?? 50,
    snapshotOnSubscribe: o.snapshotOnSubscribe ?? true,
    matchIntervalMs: o.matchIntervalMs ?? 1000,
    bodyLimit: o.bodyLimit ?? 65_536,
    feeRates: o.feeRates ?? {},
  };
}
