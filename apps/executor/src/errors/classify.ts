// The one place that decides what a placement outcome means (polysim-api.md §5.3, §8, §9):
//   done       – 200 with any status;
//   rejected   – definite business rejection: never placed, the intent ends and its reservation is released;
//   rate_limit – 429: wait Retry-After through the worker's rate limiter, does not use an attempt;
//   retry      – provably not placed (busy/lock codes with Retry-After, or never sent): same key, later;
//   ambiguous  – may have been placed: reconcile by client_order_id before any retry.
// Rule from the venue docs: a busy/lock reply is retried only when it carries Retry-After.

import type { VenueFailure, VenueOrder, VenueResult } from '../venue/venue-port.js';

export type Classified =
  | { kind: 'done'; order: VenueOrder; requestId?: string }
  | { kind: 'rejected'; code: string; httpStatus?: number; requestId?: string; reason: string }
  | { kind: 'rate_limit'; code: string; retryAfterMs: number; requestId?: string }
  | { kind: 'retry'; code: string; httpStatus?: number; retryAfterMs?: number; requestId?: string; reason: string }
  | {
      kind: 'ambiguous';
      code: string;
      httpStatus?: number;
      /** Venue order id when the venue told us (X-Polysim-Order-Id). */
      orderIdHint?: string;
      requestId?: string;
      reason: string;
    };

/** 409/503 codes that mean "not placed, try again after Retry-After". */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'TRADE_IN_PROGRESS',
  'LOCK_BUSY_RETRY',
  'IDEMPOTENCY_CONFLICT_PENDING',
  'SERVER_BUSY',
  'DB_CONTENTION_RETRY',
]);

/** Codes that say the order may be (or is) persisted: reconcile before anything else. */
export const AMBIGUOUS_CODES: ReadonlySet<string> = new Set([
  'PERSISTENCE_UNKNOWN',
  'DEADLINE_OVERSHOT_BUT_PERSISTED',
  // The key is already bound to an order: find it instead of failing the intent.
  'IDEMPOTENCY_KEY_REUSE',
  'DUPLICATE_CLIENT_ORDER_ID',
]);

/** When a 429 has no usable Retry-After. */
export const DEFAULT_RATE_LIMIT_MS = 1000;

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function classifyFailure(f: VenueFailure): Classified {
  switch (f.kind) {
    case 'transport':
      return f.sent
        ? { kind: 'ambiguous', code: f.code, reason: `transport error after send: ${f.message}` }
        : { kind: 'retry', code: f.code, reason: `not sent: ${f.message}` };
    case 'invalid_request':
      // Never left this process: nothing was placed, and sending it again would fail the same way.
      return { kind: 'rejected', code: f.code, reason: f.message };
    case 'malformed':
      // A 2xx we cannot read: the venue did something, find out what.
      return {
        kind: 'ambiguous',
        code: 'MALFORMED_RESPONSE',
        httpStatus: f.status,
        ...opt('requestId', f.requestId),
        reason: f.message,
      };
    case 'http': {
      const base = { code: f.code, httpStatus: f.status, ...opt('requestId', f.requestId) };
      if (f.status === 429) {
        return {
          kind: 'rate_limit',
          code: f.code,
          retryAfterMs: f.retryAfterMs ?? DEFAULT_RATE_LIMIT_MS,
          ...opt('requestId', f.requestId),
        };
      }
      if (AMBIGUOUS_CODES.has(f.code)) {
        return { kind: 'ambiguous', ...base, ...opt('orderIdHint', f.orderId), reason: f.message ?? f.code };
      }
      if (RETRYABLE_CODES.has(f.code) || f.code === 'VENUE_UNAVAILABLE') {
        if (f.retryAfterMs !== undefined) {
          return { kind: 'retry', ...base, retryAfterMs: f.retryAfterMs, reason: f.message ?? f.code };
        }
        return { kind: 'rejected', ...base, reason: `${f.code} without Retry-After: not retried` };
      }
      if (f.orderId !== undefined) {
        // Whatever the code, the venue says an order exists.
        return { kind: 'ambiguous', ...base, orderIdHint: f.orderId, reason: f.message ?? f.code };
      }
      if (f.status >= 500 || f.status === 408) {
        // An unknown server error (500 EXECUTION_ERROR, proxy 502/504): the write may have happened.
        return { kind: 'ambiguous', ...base, reason: f.message ?? `HTTP ${f.status}` };
      }
      // Every other 4xx is a definite business or request rejection.
      return { kind: 'rejected', ...base, reason: f.message ?? f.code };
    }
  }
}

export function classify(result: VenueResult<VenueOrder>): Classified {
  if (result.ok) return { kind: 'done', order: result.value, ...opt('requestId', result.requestId) };
  return classifyFailure(result.failure);
}
