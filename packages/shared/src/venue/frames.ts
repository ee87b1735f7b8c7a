// Decoders of the venue's WS text frames. They never throw: a bad frame comes back as a DecodeError that
// the caller dead-letters (or counts) before carrying on with the next one.

import type { z } from 'zod';
import { issuesOf } from '../contracts/contract.js';
import { DecodeError } from '../errors/polybot-error.js';
import {
  type ConnectedFrame,
  ConnectedFrameSchema,
  type ErrorFrame,
  ErrorFrameSchema,
  type FillFrame,
  FillFrameSchema,
  type PongFrame,
  PongFrameSchema,
  type PriceFrame,
  PriceFrameSchema,
  type SubscribedFrame,
  SubscribedFrameSchema,
} from './wire.js';

/** A decoded server frame of `/v1/ws/prices`. */
export type ServerFrame =
  | { kind: 'price'; frame: PriceFrame }
  | { kind: 'connected'; frame: ConnectedFrame }
  | { kind: 'subscribed'; frame: SubscribedFrame }
  | { kind: 'pong'; frame: PongFrame }
  | { kind: 'error'; frame: ErrorFrame };

/** A decoded server frame of `/v1/ws/executions` (greeting, pong and error are undocumented there [§13]). */
export type ExecutionFrame =
  | { kind: 'fill'; frame: FillFrame }
  | { kind: 'connected'; frame: ConnectedFrame }
  | { kind: 'pong'; frame: PongFrame }
  | { kind: 'error'; frame: ErrorFrame };

/** Frames larger than this are rejected before JSON.parse. */
export const MAX_FRAME_BYTES = 1 << 20;

type Parsed = { ok: true; type: string; value: Record<string, unknown> } | { ok: false; error: DecodeError };

function parseObject(kind: string, raw: string): Parsed {
  if (typeof raw !== 'string') return { ok: false, error: new DecodeError(kind, ['(frame): not a text frame']) };
  if (raw.length > MAX_FRAME_BYTES) return { ok: false, error: new DecodeError(kind, ['(frame): too large']) };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: new DecodeError(kind, ['(frame): invalid JSON'], { cause: err }) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: new DecodeError(kind, ['(frame): not a JSON object']) };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, error: new DecodeError(kind, ['type: missing or not a string']) };
  return { ok: true, type, value: value as Record<string, unknown> };
}

function decode<S extends z.ZodType>(kind: string, schema: S, value: unknown): z.output<S> | DecodeError {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  return new DecodeError(kind, issuesOf(res.error), { cause: res.error });
}

const UNSIGNED_DECIMAL_RE = /^\+?\d{1,30}(?:\.\d{1,30})?$/;
const PRICE_FRAME_DECIMALS = ['buy', 'sell', 'best_bid', 'best_ask', 'last_trade', 'last_trade_size', 'volume'];
const OUTCOME_DECIMALS = new Set(['price', 'best_bid', 'best_ask', 'last_trade']);

const nullishDecimal = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && UNSIGNED_DECIMAL_RE.test(v));
const nullishText = (v: unknown, max: number) =>
  v === undefined || v === null || (typeof v === 'string' && v.length <= max);
const optionalId = (v: unknown) => v === undefined || (typeof v === 'string' && v.length >= 1 && v.length <= 256);

function plainOutcome(o: unknown): boolean {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;
  const q = o as Record<string, unknown>;
  for (const key in q) {
    const v = q[key];
    if (key === 'label') {
      if (typeof v !== 'string' || v.length > 200) return false;
    } else if (key === 'token_id') {
      if (!nullishText(v, 128)) return false;
    } else if (!OUTCOME_DECIMALS.has(key) || !nullishDecimal(v)) return false;
  }
  return typeof q.label === 'string';
}

/**
 * The hot path of price frames: the common shape (the documented fields, plain values, no `tokens` map) is
 * checked field by field with exactly PriceFrameSchema's rules and returned as parsed. Anything else (an
 * unknown or unusual field, every invalid frame) returns undefined and goes through the zod schema, which
 * stays the authority.
 */
export function fastPriceFrame(value: Record<string, unknown>): PriceFrame | undefined {
  if (value.type !== 'price') return undefined;
  for (const key in value) {
    switch (key) {
      case 'type':
      case 'market_id':
      case 'condition_id':
      case 'buy':
      case 'sell':
      case 'best_bid':
      case 'best_ask':
      case 'last_trade':
      case 'last_trade_side':
      case 'last_trade_size':
      case 'volume':
      case 'outcomes':
      case 'active':
      case 'closed':
      case 'source':
      case 'emit_ts_ms':
      case 'updated_at':
      case 'ws_updated_at':
        break;
      default:
        return undefined;
    }
  }
  if (!optionalId(value.market_id) || !optionalId(value.condition_id)) return undefined;
  if (value.market_id === undefined && value.condition_id === undefined) return undefined;
  for (const k of PRICE_FRAME_DECIMALS) if (!nullishDecimal(value[k])) return undefined;
  if (!nullishText(value.last_trade_side, 16)) return undefined;
  if (!nullishText(value.updated_at, 64) || !nullishText(value.ws_updated_at, 64)) return undefined;
  for (const k of ['active', 'closed']) {
    const v = value[k];
    if (v !== undefined && v !== null && typeof v !== 'boolean') return undefined;
  }
  const source = value.source;
  if (source !== undefined && (typeof source !== 'string' || source.length < 1 || source.length > 64)) {
    return undefined;
  }
  const emit = value.emit_ts_ms;
  if (!Number.isSafeInteger(emit) || (emit as number) <= 0) return undefined;
  const outcomes = value.outcomes;
  if (outcomes !== undefined) {
    if (!Array.isArray(outcomes) || outcomes.length > 64) return undefined;
    for (const o of outcomes) if (!plainOutcome(o)) return undefined;
  }
  return value as PriceFrame;
}

function unknownType(kind: string, type: string): DecodeError {
  return new DecodeError(kind, [`type: unknown frame type ${JSON.stringify(type.slice(0, 40))}`]);
}

/** The schema of each frame type of a feed, keyed by the frame's `type` (which is also its decoded `kind`). */
type FrameSchemas<F extends { kind: string; frame: unknown }> = {
  readonly [K in F['kind']]: z.ZodType<Extract<F, { kind: K }>['frame']>;
};

/**
 * Decodes one text frame of a feed with the schema of its type (`fast` may answer first for the common shape);
 * an unknown type is refused. Never throws.
 */
function decodeFrame<F extends { kind: string; frame: unknown }>(
  kind: string,
  raw: string,
  schemas: FrameSchemas<F>,
  fast?: (type: string, value: Record<string, unknown>) => F | undefined,
): F | DecodeError {
  const p = parseObject(kind, raw);
  if (!p.ok) return p.error;
  const quick = fast?.(p.type, p.value);
  if (quick) return quick;
  if (!Object.hasOwn(schemas, p.type)) return unknownType(kind, p.type);
  const frame = decode(kind, schemas[p.type as F['kind']], p.value);
  return frame instanceof DecodeError ? frame : ({ kind: p.type, frame } as F);
}

const SERVER_FRAMES: FrameSchemas<ServerFrame> = {
  price: PriceFrameSchema,
  pong: PongFrameSchema,
  subscribed: SubscribedFrameSchema,
  error: ErrorFrameSchema,
  connected: ConnectedFrameSchema,
};

const EXECUTION_FRAMES: FrameSchemas<ExecutionFrame> = {
  fill: FillFrameSchema,
  pong: PongFrameSchema,
  error: ErrorFrameSchema,
  connected: ConnectedFrameSchema,
};

/** The price frame's fast path (fastPriceFrame) as decodeFrame's `fast`. */
function fastServerFrame(type: string, value: Record<string, unknown>): ServerFrame | undefined {
  if (type !== 'price') return undefined;
  const frame = fastPriceFrame(value);
  return frame ? { kind: 'price', frame } : undefined;
}

/** Decodes one text frame of `/v1/ws/prices`. Never throws. */
export function parseServerFrame(raw: string): ServerFrame | DecodeError {
  return decodeFrame('PriceFeedFrame', raw, SERVER_FRAMES, fastServerFrame);
}

/** Decodes one text frame of `/v1/ws/executions`. Never throws. */
export function parseExecutionFrame(raw: string): ExecutionFrame | DecodeError {
  return decodeFrame('ExecutionFeedFrame', raw, EXECUTION_FRAMES);
}
