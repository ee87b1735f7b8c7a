// Reads a recording, validating every line. A corrupt or truncated file is a RecordingError naming the
// line; no partial result is returned silently (the trailer must be present and agree with the count).
//
// Speed (the backtest reads millions of lines): the file is gunzipped in large chunks on the thread pool,
// ahead of the reader, and split on newline bytes by hand; batches() decodes canonical tick lines straight
// from the bytes (tick-line.ts) and sends every other line — gaps, the end line, anything unusual or
// invalid — through the slow path (JSON.parse, the checks below, the Tick/Gap contracts), which is the
// authority. Lines are numbered as node:readline numbers them (a lone CR also ends a line).

import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { decodeTickStreamEntryFast, type Gap, type Tick } from '@polybot/shared';
import {
  RecordingError,
  type RecordingHeader,
  RecordingHeaderSchema,
  type RecordingTrailer,
  RecordingTrailerSchema,
} from './format.js';
import { TickLineDecoder } from './tick-line.js';

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
  /**
   * The decoded entries in file order, a few thousand at a time (one gunzipped chunk), validated exactly
   * as entries() validates them. Throws RecordingError on the first bad line (after yielding the entries
   * before it) or on truncation. Use either this or entries(), once.
   */
  batches(): AsyncGenerator<(Tick | Gap)[]>;
  /** Available after entries() or batches() finished. */
  trailer(): RecordingTrailer;
}

/** Bytes read from the file and gunzipped per chunk. */
const CHUNK_BYTES = 1 << 20;
/** Gunzipped bytes buffered ahead of the reader, so inflating overlaps decoding. */
const READ_AHEAD_BYTES = 4 << 20;
const LF = 0x0a;

function parseJsonLine(file: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RecordingError(file, line, 'not valid JSON');
  }
}

export async function openRecording(path: string): Promise<OpenRecording> {
  const file = basename(path);
  // zlib streams pass their options on to Transform, which takes the read-ahead from highWaterMark.
  const gunzipOptions: ZlibOptions & { highWaterMark: number } = {
    chunkSize: CHUNK_BYTES,
    highWaterMark: READ_AHEAD_BYTES,
  };
  const gunzip = createGunzip(gunzipOptions);
  const input = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let streamError: Error | undefined;
  input.once('error', (e) => {
    streamError = e;
    gunzip.destroy(e);
  });
  const chunks = input.pipe(gunzip)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let lineNo = 0;
  let eof = false;
  /** The next gunzipped chunk; undefined at the end of the stream. */
  const nextChunk = async (): Promise<Buffer | undefined> => {
    if (eof) return undefined;
    try {
      const r = await chunks.next();
      if (r.done) eof = true;
      return r.done ? undefined : r.value;
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

  /** Stops reading early (a bad line, or the caller stopped): closes the file and the gunzip stream. */
  const close = () => {
    if (eof) return;
    eof = true;
    input.destroy();
    gunzip.destroy();
  };

  // The line splitter: `pending` is the part of the current chunk not split yet, `tail` a line begun in an
  // earlier chunk. Lines are [start, end) of a buffer, without the LF.
  let pending: Buffer | undefined;
  let pendingPos = 0;
  let tail: Buffer | undefined;
  /** Calls `onLine` for each complete line of the current chunk; false when it needs the next chunk. */
  const splitPending = (onLine: (buf: Buffer, start: number, end: number) => boolean): boolean => {
    const buf = pending;
    if (buf === undefined) return false;
    let pos = pendingPos;
    if (tail !== undefined) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) {
        tail = Buffer.concat([tail, buf.subarray(pos)]);
        pending = undefined;
        return false;
      }
      const line = Buffer.concat([tail, buf.subarray(pos, nl)]);
      tail = undefined;
      pos = nl + 1;
      pendingPos = pos;
      if (!onLine(line, 0, line.length)) return true;
    }
    for (;;) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) break;
      const start = pos;
      pos = nl + 1;
      pendingPos = pos;
      if (!onLine(buf, start, nl)) return true;
    }
    if (pos < buf.length) tail = buf.subarray(pos);
    pending = undefined;
    return false;
  };
  /** At the end of the stream: the last line when it has no LF (node:readline emits it when not empty). */
  const takeLast = (): Buffer | undefined => {
    const t = tail;
    tail = undefined;
    return t !== undefined && t.length > 0 ? t : undefined;
  };

  /** Text lines of bytes [start, end) as node:readline splits them: CRLF, and a lone CR, end a line. */
  const textLines = (buf: Buffer, start: number, end: number): string[] => {
    const text = buf.toString('utf8', start, end);
    if (!text.includes('\r')) return [text];
    return (text.endsWith('\r') ? text.slice(0, -1) : text).split('\r');
  };

  // The header: the first line. Should the first LF-terminated line hold lone CRs, the parts after the
  // first are the next lines.
  let firstLines: string[] | undefined;
  for (;;) {
    pending = await nextChunk();
    pendingPos = 0;
    if (pending === undefined) {
      const last = takeLast();
      if (last !== undefined) firstLines = textLines(last, 0, last.length);
      break;
    }
    if (
      splitPending((buf, start, end) => {
        firstLines = textLines(buf, start, end);
        return false;
      })
    ) {
      break;
    }
  }
  const [header, ...afterHeader] = firstLines ?? [];
  let h: ReturnType<typeof RecordingHeaderSchema.safeParse>;
  try {
    if (header === undefined) throw new RecordingError(file, 1, 'empty recording (no header)');
    lineNo = 1;
    h = RecordingHeaderSchema.safeParse(parseJsonLine(file, 1, header));
    if (!h.success) throw new RecordingError(file, 1, `not a polybot recording header: ${h.error.issues[0]?.message}`);
  } catch (err) {
    close();
    throw err;
  }
  let trailer: RecordingTrailer | undefined;
  let count = 0;
  let started = false;

  /** The slow path for one text line: the trailer (returns undefined) or a validated entry. */
  const slowLine = (text: string, line: number): { fields: Record<string, string>; value: Tick | Gap } | undefined => {
    if (trailer) throw new RecordingError(file, line, 'data after the end line');
    const obj = parseJsonLine(file, line, text) as Record<string, unknown> | null;
    if (obj && typeof obj === 'object' && obj.type === 'end') {
      const t = RecordingTrailerSchema.safeParse(obj);
      if (!t.success) throw new RecordingError(file, line, `bad end line: ${t.error.issues[0]?.message}`);
      if (t.data.count !== count) {
        throw new RecordingError(file, line, `end line says ${t.data.count} entries, found ${count}`);
      }
      trailer = t.data;
      return undefined;
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new RecordingError(file, line, 'not an object');
    for (const v of Object.values(obj)) {
      if (typeof v !== 'string') throw new RecordingError(file, line, 'field values must be strings');
    }
    const fields = obj as Record<string, string>;
    const d = decodeTickStreamEntryFast(fields);
    if (!d.ok) throw new RecordingError(file, line, d.error.message);
    count++;
    return { fields, value: d.value };
  };

  /**
   * Runs `onLine` over every line after the header, in order, a chunk at a time; `flush` after each chunk.
   * A thrown RecordingError is raised after the flush of the lines before it.
   */
  async function* run<T>(
    onLine: (buf: Buffer, start: number, end: number) => void,
    flush: () => T[],
  ): AsyncGenerator<T[]> {
    if (started) throw new Error('a recording is read once: entries() or batches()');
    started = true;
    const each = (buf: Buffer, start: number, end: number) => {
      onLine(buf, start, end);
      return true;
    };
    try {
      for (;;) {
        let failure: unknown;
        let done = false;
        try {
          for (const text of afterHeader.splice(0)) {
            const b = Buffer.from(text, 'utf8');
            onLine(b, 0, b.length);
          }
          splitPending(each);
          pending = await nextChunk();
          pendingPos = 0;
          if (pending === undefined) {
            const last = takeLast();
            if (last !== undefined) onLine(last, 0, last.length);
            done = true;
          }
        } catch (err) {
          failure = err;
        }
        const out = flush();
        if (out.length > 0) yield out;
        if (failure !== undefined) throw failure;
        if (done) break;
      }
    } finally {
      close();
    }
    if (!trailer) throw new RecordingError(file, lineNo + 1, `truncated: no end line after ${count} entries`);
  }

  async function* entries(): AsyncGenerator<RecordingEntry> {
    let out: RecordingEntry[] = [];
    const onLine = (buf: Buffer, start: number, end: number) => {
      for (const text of textLines(buf, start, end)) {
        const line = ++lineNo;
        const e = slowLine(text, line);
        if (e) out.push({ line, fields: e.fields, value: e.value });
      }
    };
    const flush = () => {
      const o = out;
      out = [];
      return o;
    };
    for await (const batch of run(onLine, flush)) yield* batch;
  }

  async function* batches(): AsyncGenerator<(Tick | Gap)[]> {
    const decoder = new TickLineDecoder();
    let out: (Tick | Gap)[] = [];
    const onLine = (buf: Buffer, start: number, end: number) => {
      const fast = trailer === undefined ? decoder.decode(buf, start, end) : undefined;
      if (fast !== undefined) {
        lineNo++;
        count++;
        out.push(fast);
        return;
      }
      for (const text of textLines(buf, start, end)) {
        const e = slowLine(text, ++lineNo);
        if (e) out.push(e.value);
      }
    };
    const flush = () => {
      const o = out;
      out = [];
      return o;
    };
    yield* run(onLine, flush);
  }

  return {
    header: h.data,
    entries,
    batches,
    trailer() {
      if (!trailer) throw new Error('trailer is read after entries() or batches()');
      return trailer;
    },
  };
}
