// What the connection needs from the outside, as narrow function types: the shared venue client and wire
// schemas satisfy them, and tests can script them.
import type { DecodeError } from '@polybot/shared';
import type { PriceFrameInput } from './normalise.js';

/** A decoded server frame of `/v1/ws/prices` (the shape of `parseServerFrame` in @polybot/shared). */
export type ServerFrame =
  | { kind: 'price'; frame: PriceFrameInput }
  | { kind: 'connected'; frame: unknown }
  | { kind: 'subscribed'; frame: { markets: readonly string[] } }
  | { kind: 'pong'; frame: unknown }
  | { kind: 'error'; frame: { message?: unknown } };

/** Decodes one raw text frame; invalid frames come back as a DecodeError, never thrown. */
export type FrameParser = (raw: string) => ServerFrame | DecodeError;
