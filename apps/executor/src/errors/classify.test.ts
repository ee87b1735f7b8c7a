import { describe, expect, it } from 'vitest';
import type { VenueFailure } from '../venue/venue-port.js';
import { classify, classifyFailure, DEFAULT_RATE_LIMIT_MS } from './classify.js';

const http = (status: number, code: string, extra: Partial<Extract<VenueFailure, { kind: 'http' }>> = {}) =>
  classifyFailure({ kind: 'http', status, code, ...extra });

describe('classify', () => {
  it('200 with any status is done', () => {
    const order = { orderId: '1', status: 'CANCELLED', quantity: 0 };
    expect(classify({ ok: true, value: order, requestId: 'r1' })).toEqual({ kind: 'done', order, requestId: 'r1' });
  });

  it.each([
    [400, 'INSUFFICIENT_BALANCE'],
    [400, 'INSUFFICIENT_POSITION'],
    [400, 'MARKET_CLOSED'],
    [400, 'INVALID_QUANTITY'],
    [400, 'INVALID_ORDER_MIN_TICK_SIZE'],
    [400, 'FOK_ORDER_NOT_FILLED_ERROR'],
    [401, 'INVALID_KEY'],
    [403, 'INSUFFICIENT_PERMISSION'],
    [404, 'MARKET_NOT_FOUND'],
    [422, 'VALIDATION_FAILED'],
  ])('%i %s is a definite rejection', (status, code) => {
    expect(http(status, code)).toMatchObject({ kind: 'rejected', code, httpStatus: status });
  });

  it('429 is a rate limit that honours Retry-After, with a default', () => {
    expect(http(429, 'RATE_LIMIT_EXCEEDED', { retryAfterMs: 3000 })).toMatchObject({
      kind: 'rate_limit',
      retryAfterMs: 3000,
    });
    expect(http(429, 'RATE_LIMITED')).toMatchObject({ kind: 'rate_limit', retryAfterMs: DEFAULT_RATE_LIMIT_MS });
  });

  it.each([
    [409, 'TRADE_IN_PROGRESS'],
    [409, 'LOCK_BUSY_RETRY'],
    [409, 'IDEMPOTENCY_CONFLICT_PENDING'],
    [503, 'SERVER_BUSY'],
    [503, 'DB_CONTENTION_RETRY'],
  ])('%i %s with Retry-After is retried after it', (status, code) => {
    expect(http(status, code, { retryAfterMs: 1000 })).toMatchObject({ kind: 'retry', code, retryAfterMs: 1000 });
  });

  it('a busy code without Retry-After is not retried (venue rule)', () => {
    expect(http(503, 'SERVER_BUSY')).toMatchObject({ kind: 'rejected', code: 'SERVER_BUSY' });
  });

  it.each([
    [503, 'PERSISTENCE_UNKNOWN'],
    [503, 'DEADLINE_OVERSHOT_BUT_PERSISTED'],
    [409, 'IDEMPOTENCY_KEY_REUSE'],
    [409, 'DUPLICATE_CLIENT_ORDER_ID'],
    [500, 'EXECUTION_ERROR'],
    [502, 'HTTP_502'],
  ])('%i %s is ambiguous', (status, code) => {
    expect(http(status, code)).toMatchObject({ kind: 'ambiguous', code });
  });

  it('keeps the venue order id hint of a persisted overshoot', () => {
    expect(http(503, 'DEADLINE_OVERSHOT_BUT_PERSISTED', { orderId: '42' })).toMatchObject({
      kind: 'ambiguous',
      orderIdHint: '42',
    });
  });

  it('a transport error is ambiguous once sent, retryable when never sent', () => {
    expect(
      classifyFailure({ kind: 'transport', sent: true, code: 'UND_ERR_HEADERS_TIMEOUT', message: 't' }),
    ).toMatchObject({
      kind: 'ambiguous',
    });
    expect(classifyFailure({ kind: 'transport', sent: false, code: 'ECONNREFUSED', message: 'r' })).toMatchObject({
      kind: 'retry',
    });
  });

  it('a malformed 2xx body is ambiguous, never done', () => {
    expect(classifyFailure({ kind: 'malformed', status: 200, message: 'bad body' })).toMatchObject({
      kind: 'ambiguous',
      code: 'MALFORMED_RESPONSE',
    });
  });
});

describe('classify: local refusals', () => {
  it('a body the client refused to send is a definite rejection', () => {
    expect(classifyFailure({ kind: 'invalid_request', code: 'INVALID_ORDER_BODY', message: 'price' })).toMatchObject({
      kind: 'rejected',
      code: 'INVALID_ORDER_BODY',
    });
  });
});
