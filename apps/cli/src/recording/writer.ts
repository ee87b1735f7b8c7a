// Writes a recording: header, entries, trailer, gzip-compressed, flushed to disk on close.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import {
  entryTime,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  type RecordingHeader,
  type RecordingTrailer,
} from './format.js';

export interface RecordingWriter {
  write(fields: Record<string, string>): Promise<void>;
  /** Writes the trailer and closes the file. */
  close(): Promise<RecordingTrailer>;
}

export async function createRecordingWriter(
  path: string,
  header: Omit<RecordingHeader, 'format' | 'version'>,
): Promise<RecordingWriter> {
  const gzip = createGzip();
  const out = createWriteStream(path);
  gzip.pipe(out);
  const push = async (obj: unknown) => {
    if (!gzip.write(`${JSON.stringify(obj)}\n`)) await once(gzip, 'drain');
  };
  await push({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header });
  let count = 0;
  let ticks = 0;
  let gaps = 0;
  let first: number | null = null;
  let last: number | null = null;
  const markets = new Set<string>();
  return {
    async write(fields) {
      count++;
      if (fields.type === 'gap') gaps++;
      else ticks++;
      if (fields.market_id) markets.add(fields.market_id);
      const t = entryTime(fields);
      first ??= t;
      last = t;
      await push(fields);
    },
    async close() {
      const trailer: RecordingTrailer = {
        type: 'end',
        count,
        ticks,
        gaps,
        markets: [...markets].sort(),
        first_ms: first,
        last_ms: last,
      };
      await push(trailer);
      gzip.end();
      await once(out, 'close');
      return trailer;
    },
  };
}
