// DeadLetter: input that failed validation, kept in `{ns}:dead` with the reason; processing carries on.

import { defineStreamContract } from './contract.js';
import { int, num, str } from './fields.js';

/** Raw payloads are cut to this many characters before they are stored. */
export const DEAD_RAW_MAX = 2048;

export const DeadLetterContract = defineStreamContract('DeadLetter', 1, {
  v: int(),
  /** Component that rejected the input: ingestor, strategy, executor, … */
  source: str(64),
  /** What was being decoded: ws_frame, Tick, OrderJob, venue_response, … */
  kind: str(64),
  reason: str(2048),
  ts_ms: num(),
  /** Where it came from: a stream key and id, a connection id. */
  origin: str(256).optional(),
  raw: str(DEAD_RAW_MAX + 16).optional(),
});
export type DeadLetter = ReturnType<typeof DeadLetterContract.decode>;

export function truncateRaw(raw: string): string {
  return raw.length > DEAD_RAW_MAX ? `${raw.slice(0, DEAD_RAW_MAX)}…[cut]` : raw;
}
