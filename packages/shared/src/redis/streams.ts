// Stream helpers: batched, pipelined XADD and reply parsing that never throws on garbage.

import type { Cluster, Redis } from 'ioredis';
import type { WireFields } from '../contracts/contract.js';
import { DeadLetterContract, truncateRaw } from '../contracts/dead-letter.js';
import { decodeTickStreamEntryFast, fastDecodeTickFlat } from '../contracts/fast-decode.js';
import type { Gap, Tick } from '../contracts/tick.js';
import { DecodeError } from '../errors/polybot-error.js';
import { scrubString } from '../logging/scrub.js';
import type { RedisClient } from './connection.js';

export interface XaddEntry {
  key: string;
  /** Flat `[field, value, …]`. */
  args: string[];
  /** Approximate MAXLEN for this append (XADD MAXLEN ~ n). */
  maxlen?: number;
}

export type XaddResult = { ok: true; id: string } | { ok: false; error: Error };

/**
 * Appends many entries in one pipeline (one round trip). Results are in input order. On a Cluster every entry
 * must hash to one slot (one partition's stream): group entries by key first.
 */
export async function xaddBatch(redis: Redis | Cluster, entries: readonly XaddEntry[]): Promise<XaddResult[]> {
  if (entries.length === 0) return [];
  const pipe = redis.pipeline();
  for (const e of entries) {
    if (e.maxlen !== undefined) pipe.xadd(e.key, 'MAXLEN', '~', e.maxlen, '*', ...e.args);
    else pipe.xadd(e.key, '*', ...e.args);
  }
  const replies = (await pipe.exec()) ?? [];
  return entries.map((_, i) => {
    const r = replies[i];
    if (!r) return { ok: false as const, error: new Error('no reply') };
    const [err, id] = r;
    if (err) return { ok: false as const, error: err };
    return { ok: true as const, id: String(id) };
  });
}

/** Converts a stream entry's flat field list to a record; garbage becomes a DecodeError. */
export function fieldsToRecord(flat: unknown): WireFields {
  if (!Array.isArray(flat) || flat.length % 2 !== 0) {
    throw new DecodeError('StreamEntry', ['(entry): field list is not an even-length array']);
  }
  const out: WireFields = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i];
    const v = flat[i + 1];
    if (typeof k !== 'string' || typeof v !== 'string') {
      throw new DecodeError('StreamEntry', [`(entry): field ${i / 2} is not a string pair`]);
    }
    out[k] = v;
  }
  return out;
}

/** A stream that holds fewer entries than were ever appended to it (trimmed by MAXLEN, or XDEL). */
export interface StreamShortfall {
  kept: number;
  added: number;
}

/**
 * How many entries `key` holds against how many were ever appended (XINFO STREAM, Redis ≥ 7), when it holds
 * fewer; undefined when it holds them all or does not exist.
 */
export async function streamShortfall(redis: RedisClient, key: string): Promise<StreamShortfall | undefined> {
  let info: unknown[];
  try {
    info = (await redis.xinfo('STREAM', key)) as unknown[];
  } catch {
    return undefined; // no such stream: nothing is missing from it
  }
  const field = (name: string) => {
    const i = info.indexOf(name);
    return i >= 0 ? Number(info[i + 1]) : Number.NaN;
  };
  const kept = field('length');
  const added = field('entries-added');
  return Number.isFinite(kept) && Number.isFinite(added) && added > kept ? { kept, added } : undefined;
}

/** The millisecond part of a stream entry id (`<ms>-<seq>`), NaN when `id` is not one. */
export function streamIdMs(id: string): number {
  const dash = id.indexOf('-');
  return dash > 0 ? Number(id.slice(0, dash)) : Number.NaN;
}

export interface StreamEntry {
  id: string;
  fields: WireFields;
}

/** Parses an XRANGE/XREVRANGE reply. Malformed entries are returned separately, never thrown. */
export function parseEntries(reply: unknown): { entries: StreamEntry[]; bad: { id: string; error: DecodeError }[] } {
  const entries: StreamEntry[] = [];
  const bad: { id: string; error: DecodeError }[] = [];
  if (!Array.isArray(reply)) return { entries, bad };
  for (const item of reply) {
    const id = Array.isArray(item) && typeof item[0] === 'string' ? item[0] : '?';
    try {
      if (!Array.isArray(item)) throw new DecodeError('StreamEntry', ['(entry): not an array']);
      entries.push({ id, fields: fieldsToRecord(item[1]) });
    } catch (err) {
      bad.push({ id, error: err instanceof DecodeError ? err : new DecodeError('StreamEntry', [String(err)]) });
    }
  }
  return { entries, bad };
}

export type DecodedTickEntry =
  | { id: string; ok: true; value: Tick | Gap }
  | { id: string; ok: false; error: DecodeError; entry: StreamEntry };

/**
 * A tick stream's XREADGROUP/XAUTOCLAIM entry list, decoded into ticks and gaps in stream order: parseEntries
 * then decodeTickStreamEntryFast, with canonical ticks decoded straight from the reply's field list (no record
 * in between). Entries that are not even field lists come back in `bad`, as parseEntries returns them; those
 * that fail the contract carry their fields (for the dead letter).
 */
export function decodeTickEntries(reply: unknown): {
  entries: DecodedTickEntry[];
  bad: { id: string; error: DecodeError }[];
} {
  const entries: DecodedTickEntry[] = [];
  const bad: { id: string; error: DecodeError }[] = [];
  if (!Array.isArray(reply)) return { entries, bad };
  for (const item of reply) {
    const id = Array.isArray(item) && typeof item[0] === 'string' ? item[0] : '?';
    if (!Array.isArray(item)) {
      bad.push({ id, error: new DecodeError('StreamEntry', ['(entry): not an array']) });
      continue;
    }
    const flat: unknown = item[1];
    const fast = Array.isArray(flat) ? fastDecodeTickFlat(flat) : undefined;
    if (fast) {
      entries.push({ id, ok: true, value: fast });
      continue;
    }
    let fields: WireFields;
    try {
      fields = fieldsToRecord(flat);
    } catch (err) {
      bad.push({ id, error: err instanceof DecodeError ? err : new DecodeError('StreamEntry', [String(err)]) });
      continue;
    }
    const r = decodeTickStreamEntryFast(fields);
    entries.push(r.ok ? { id, ok: true, value: r.value } : { id, ok: false, error: r.error, entry: { id, fields } });
  }
  return { entries, bad };
}

export interface DeadLetterInput {
  source: string;
  kind: string;
  reason: string;
  tsMs: number;
  origin?: string;
  raw?: string;
}

/** Appends a dead letter to `{ns}:dead` (capped at ~100k entries); secrets are scrubbed from it first. */
export async function writeDeadLetter(redis: RedisClient, deadKey: string, d: DeadLetterInput): Promise<void> {
  const args = DeadLetterContract.toArgs({
    source: d.source,
    kind: d.kind,
    reason: scrubString(d.reason).slice(0, 2048),
    ts_ms: d.tsMs,
    ...(d.origin !== undefined ? { origin: d.origin.slice(0, 256) } : {}),
    ...(d.raw !== undefined ? { raw: truncateRaw(scrubString(d.raw)) } : {}),
  });
  await redis.xadd(deadKey, 'MAXLEN', '~', 100_000, '*', ...args);
}
