// FeedEvent: the ingestor's connection lifecycle in `{ns}:feed`.

import { z } from 'zod';
import { defineStreamContract } from './contract.js';
import { int, num, str } from './fields.js';

export const FEED_EVENT_TYPES = [
  'token_minted',
  'connected',
  'subscribed',
  'subscribe_missing',
  'disconnected',
  'stalled',
  'market_quiet',
  'conn_cap',
  'gap_opened',
  'gap_closed',
  'buffer_overflow',
  'markets_rejected',
] as const;

export const FeedEventContract = defineStreamContract('FeedEvent', 1, {
  v: int(),
  event: z.enum(FEED_EVENT_TYPES),
  conn_id: int(),
  conn_epoch: int(),
  ts_ms: num(),
  /** Number of markets concerned (subscribed, missing, rejected). */
  markets: int().optional(),
  market_id: str(256).optional(),
  /** WebSocket close code, when the event is a close. */
  code: int().optional(),
  reason: str(512).optional(),
});
export type FeedEvent = ReturnType<typeof FeedEventContract.decode>;
