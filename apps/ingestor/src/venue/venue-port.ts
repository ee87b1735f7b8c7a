// The slice of the venue the ingestor uses. The shared venue client (`createVenueClient`) satisfies it;
// integration tests script the same routes with node:http.
import type { ListedMarket } from '../markets/market-plan.js';

export interface TierInfo {
  tier: string;
  max_ws_connections: number;
}

export interface IngestorVenue {
  /** POST /v1/keys/ws-token. */
  mintWsToken(): Promise<string | { token: string }>;
  /** GET /v1/keys/tiers. */
  tiers(): Promise<readonly TierInfo[] | { tiers: readonly TierInfo[]; current?: string | undefined }>;
  /** GET /v1/markets (volume-ordered). */
  markets(query: { limit: number; offset: number; active_only?: boolean }): Promise<readonly ListedMarket[]>;
}
