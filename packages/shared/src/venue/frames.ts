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

function unknownType(kind: string, type: string): DecodeError {
  return new DecodeError(kind, [`type: unknown frame type ${JSON.stringify(type.slice(0, 40))}`]);
}

/** Decodes one text frame of `/v1/ws/prices`. Never throws. */
export function parseServerFrame(raw: string): ServerFrame | DecodeError {
  const kind = 'PriceFeedFrame';
  const p = parseObject(kind, raw);
  if (!p.ok) return p.error;
  switch (p.type) {
    case 'price': {
      const frame = decode(kind, PriceFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'price', frame };
    }
    case 'pong': {
      const frame = decode(kind, PongFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'pong', frame };
    }
    case 'subscribed': {
      const frame = decode(kind, SubscribedFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'subscribed', frame };
    }
    case 'error': {
      const frame = decode(kind, ErrorFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'error', frame };
    }
    case 'connected': {
      const frame = decode(kind, ConnectedFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'connected', frame };
    }
    default:
      return unknownType(kind, p.type);
  }
}

/** Decodes one text frame of `/v1/ws/executions`. Never throws. */
export function parseExecutionFrame(raw: string): ExecutionFrame | DecodeError {
  const kind = 'ExecutionFeedFrame';
  const p = parseObject(kind, raw);
  if (!p.ok) return p.error;
  switch (p.type) {
    case 'fill': {
      const frame = decode(kind, FillFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'fill', frame };
    }
    case 'pong': {
      const frame = decode(kind, PongFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'pong', frame };
    }
    case 'error': {
      const frame = decode(kind, ErrorFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'error', frame };
    }
    case 'connected': {
      const frame = decode(kind, ConnectedFrameSchema, p.value);
      return frame instanceof DecodeError ? frame : { kind: 'connected', frame };
    }
    default:
      return unknownType(kind, p.type);
  }
}
