// Reads a recording, validating every line. A corrupt or truncated file is a RecordingError naming the
// line; no partial result is returned silently (the trailer must be present and agree with the count).

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { decodeTickStreamEntryFast, type Gap, type Tick } from '@polybot/shared';
import {
  RecordingError,
  type RecordingHeader,
  RecordingHeaderSchema,
  type RecordingTrailer,
  RecordingTrailerSchema,
} from './format.js';

export interface RecordingEntry {
  /** 1-based line number in the file. */
  line: number;
  fields: Record<string, string>;
  value: Tick | Gap;
}

export interface OpenRecording {
  header: RecordingHeader;
  /** Yields entries in file order; throws RecordingError on the first bad line or on truncation. */
  entries(): AsyncGenerator<RecordingEntry>;
  /** Available after entries() finished. */
  trailer(): RecordingTrailer;
}

function parseJsonLine(file: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RecordingError(file, line, 'not valid JSON');
  }
}

export async function openRecording(path: string): Promise<OpenRecording> {
  const file = basename(path);
  const gunzip = createGunzip();
  const input = createReadStream(path);
  let streamError: Error | undefined;
  input.once('error', (e) => {
    streamError = e;
    gunzip.destroy(e);
  });
  const rl = createInterface({ input: input.pipe(gunzip), crlfDelay: Number.POSITIVE_INFINITY });
  const it = rl[Symbol.asyncIterator]();
  let lineNo = 0;
  const next = async (): Promise<string | undefined> => {
    try {
      const r = await it.next();
      if (r.done) return undefined;
      lineNo++;
      return r.value;
    } catch (err) {
      const e = streamError ?? (err as Error);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RecordingError(file, undefined, 'no such file');
      if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || /unexpected end/i.test(e.message)) {
        throw new RecordingError(file, lineNo + 1, `truncated or corrupt gzip data (${e.message})`, { cause: e });
      }
      throw new RecordingError(file, lineNo + 1, e.message, { cause: e });
    }
  };

  const first = await next();
  if (first === undefined) throw new RecordingError(file, 1, 'empty recording (no header)');
  const h = RecordingHeaderSchema.safeParse(parseJsonLine(file, 1, first));
  if (!h.success) throw new RecordingError(file, 1, `not a polybot recording header: ${h.error.issues[0]?.message}`);
  let trailer: RecordingTrailer | undefined;

  async function* entries(): AsyncGenerator<RecordingEntry> {
    let count = 0;
    for (;;) {
      const text = await next();
      if (text === undefined) break;
      if (trailer) throw new RecordingError(file, lineNo, 'data after the end line');
      const obj = parseJsonLine(file, lineNo, text) as Record<string, unknown> | null;
      if (obj && typeof obj === 'object' && obj.type === 'end') {
        const t = RecordingTrailerSchema.safeParse(obj);
        if (!t.success) throw new RecordingError(file, lineNo, `bad end line: ${t.error.issues[0]?.message}`);
        if (t.data.count !== count) {
          throw new RecordingError(file, lineNo, `end line says ${t.data.count} entries, found ${count}`);
        }
        trailer = t.data;
        continue;
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj))
        throw new RecordingError(file, lineNo, 'not an object');
      for (const v of Object.values(obj)) {
        if (typeof v !== 'string') throw new RecordingError(file, lineNo, 'field values must be strings');
      }
      const fields = obj as Record<string, string>;
      const d = decodeTickStreamEntryFast(fields);
      if (!d.ok) throw new RecordingError(file, lineNo, d.error.message);
      count++;
      yield { line: lineNo, fields, value: d.value };
    }
    if (!trailer) throw new RecordingError(file, lineNo + 1, `truncated: no end line after ${count} entries`);
  }

  return {
    header: h.data,
    entries,
    trailer() {
      if (!trailer) throw new Error('trailer is read after entries()');
      return trailer;
    },
  };
}
