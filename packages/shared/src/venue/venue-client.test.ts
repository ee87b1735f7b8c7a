// Transport classification and Retry-After parsing, without a network: a surely-unsent request is the only
// one reported as "not sent"; anything unknown is treated as possibly sent (the safe side for orders).
import { describe, expect, it } from 'vitest';
import { classifyTransportFailure, parseRetryAfter } from './venue-client.js';
import { VenueError, VenueTransportError } from './venue-errors.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('classifyTransportFailure', () => {
  it.each([
    ['ECONNREFUSED', 'refused'],
    ['UND_ERR_CONNECT_TIMEOUT', 'refused'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['UND_ERR_CLOSED', 'closed'],
  ])('%s is not sent (%s)', (code, reason) => {
    expect(classifyTransportFailure(withCode(code), false)).toEqual({
      reason,
      mayHaveBeenSent: false,
      errorCode: code,
    });
  });

  it.each([
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_SOCKET', 'reset'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['UND_ERR_ABORTED', 'aborted'],
    ['UND_ERR_DESTROYED', 'closed'],
    ['ESOMETHINGNEW', 'other'],
  ])('%s may have been sent (%s)', (code, reason) => {
    expect(classifyTransportFailure(withCode(code), false)).toMatchObject({ reason, mayHaveBeenSent: true });
  });

  it('our own deadline wins over whatever error the abort produced', () => {
    expect(classifyTransportFailure(withCode('ECONNREFUSED'), true)).toMatchObject({
      reason: 'timeout',
      mayHaveBeenSent: true,
    });
  });

  it('finds the code inside an AggregateError (happy eyeballs) or a cause', () => {
    const agg = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed');
    expect(classifyTransportFailure(agg, false)).toMatchObject({ reason: 'refused', mayHaveBeenSent: false });
    const wrapped = new Error('fetch failed', { cause: withCode('ENOTFOUND') });
    expect(classifyTransportFailure(wrapped, false)).toMatchObject({ reason: 'dns', mayHaveBeenSent: false });
    expect(classifyTransportFailure('weird', false)).toMatchObject({ reason: 'other', mayHaveBeenSent: true });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-11T20:30:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('1', now)).toBe(1_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 60 ', now)).toBe(60_000);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
    expect(parseRetryAfter('Mon, 11 May 2026 20:30:02 GMT', now)).toBe(2_000);
    expect(parseRetryAfter('Mon, 11 May 2026 20:29:00 GMT', now)).toBe(0);
  });
  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});

describe('venue errors', () => {
  it('have stable codes and kinds, and scrub secrets from messages', () => {
    const key = `ps_live_${'f'.repeat(64)}`;
    const e = new VenueError({
      method: 'POST',
      path: '/v1/orders',
      status: 401,
      venueCode: 'INVALID_KEY',
      message: `bad ${key}`,
    });
    expect(e).toMatchObject({ code: 'VENUE_ERROR', kind: 'http', name: 'VenueError' });
    expect(e.message).not.toContain(key);
    const t = new VenueTransportError({
      method: 'GET',
      path: '/v1/x?token=eyJabc.def.ghi',
      reason: 'reset',
      mayHaveBeenSent: true,
    });
    expect(t).toMatchObject({ code: 'VENUE_ERROR', kind: 'transport' });
    expect(t.message).not.toContain('eyJabc');
  });
});
