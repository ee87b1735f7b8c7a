// The recording format: gzip JSON lines.
//   line 1      header  {"format":"polybot-recording","version":1,"ns",…,"partitions","markets","from_ms","to_ms","producer"}
//   lines 2…n   one Tick or Gap per line, as its Redis stream fields (string values), in stream order
//               (partitions merged by recv_ts_ms for ticks / ts_ms for gaps; ties by partition, then stream id)
//   last line   trailer {"type":"end","count","ticks","gaps","markets","first_ms","last_ms"}
// The trailer makes truncation detectable even when the gzip stream itself ends cleanly.

import { z } from 'zod';

export const RECORDING_FORMAT = 'polybot-recording';
export const RECORDING_VERSION = 1;

export const RecordingHeaderSchema = z.looseObject({
  format: z.literal(RECORDING_FORMAT),
  version: z.literal(RECORDING_VERSION),
  ns: z.string().min(1).max(64),
  partitions: z.int().min(1),
  /** Markets in the recording, sorted (empty when unknown at start, e.g. --follow). */
  markets: z.array(z.string()),
  /** Time range of the entries (ms), null when unknown at start. */
  from_ms: z.number().nullable(),
  to_ms: z.number().nullable(),
  producer: z.string(),
});
export type RecordingHeader = z.infer<typeof RecordingHeaderSchema>;

export const RecordingTrailerSchema = z.looseObject({
  type: z.literal('end'),
  count: z.int().min(0),
  ticks: z.int().min(0),
  gaps: z.int().min(0),
  markets: z.array(z.string()),
  first_ms: z.number().nullable(),
  last_ms: z.number().nullable(),
});
export type RecordingTrailer = z.infer<typeof RecordingTrailerSchema>;

/** The time an entry is ordered by: recv_ts_ms for ticks, ts_ms for gaps. */
export function entryTime(fields: Record<string, string>): number {
  const v = fields.type === 'gap' ? fields.ts_ms : fields.recv_ts_ms;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export class RecordingError extends Error {
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super(`${file}${line === undefined ? '' : ` line ${line}`}: ${message}`, options);
    this.name = 'RecordingError';
    this.line = line;
  }
}
