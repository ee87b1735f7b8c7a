// @polybot/ingestor: the venue price feed → partitioned Redis Streams. main.ts wires it; tests import the factory.
export {
  connectionCapOf,
  createIngestor,
  epochKey,
  type Ingestor,
  type IngestorDeps,
  type IngestorOptions,
  type IngestorStats,
} from './ingestor.js';
export type { IngestorVenue, TierInfo } from './venue/venue-port.js';
