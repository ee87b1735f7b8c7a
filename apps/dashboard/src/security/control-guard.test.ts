import { describe, expect, it } from 'vitest';
import { checkControl, originsFor, tokenMatches } from './control-guard.js';

const origins = originsFor('127.0.0.1', 7070);
const base = { controls: true, token: undefined, allowedOrigins: () => origins };

describe('checkControl', () => {
  it('accepts the dashboard’s own origin (and its loopback aliases) without a token when none is set', () => {
    for (const o of ['http://127.0.0.1:7070', 'http://localhost:7070', 'http://[::1]:7070'])
      expect(checkControl({ origin: o }, base)).toEqual({ ok: true });
  });

  it('refuses a missing or foreign origin: another site cannot POST a halt', () => {
    expect(checkControl({}, base)).toMatchObject({ ok: false, status: 403, code: 'ORIGIN_REJECTED' });
    for (const o of ['http://evil.example', 'http://127.0.0.1:7071', 'null', 'https://127.0.0.1:7070'])
      expect(checkControl({ origin: o }, base)).toMatchObject({ ok: false, code: 'ORIGIN_REJECTED' });
  });

  it('refuses everything when controls are disabled', () => {
    expect(checkControl({ origin: 'http://127.0.0.1:7070' }, { ...base, controls: false })).toMatchObject({
      ok: false,
      status: 403,
      code: 'CONTROLS_DISABLED',
    });
  });

  it('requires the right token when one is set, by header or bearer', () => {
    const token = 'a-long-dashboard-token-1234';
    const opts = { ...base, token };
    const origin = 'http://127.0.0.1:7070';
    expect(checkControl({ origin }, opts)).toMatchObject({ ok: false, status: 401, code: 'TOKEN_REQUIRED' });
    expect(checkControl({ origin, 'x-dashboard-token': 'wrong-token-000000000' }, opts)).toMatchObject({
      ok: false,
      code: 'TOKEN_INVALID',
    });
    expect(checkControl({ origin, 'x-dashboard-token': token }, opts)).toEqual({ ok: true });
    expect(checkControl({ origin, authorization: `Bearer ${token}` }, opts)).toEqual({ ok: true });
    // The right token from a foreign origin is still refused.
    expect(checkControl({ origin: 'http://evil.example', 'x-dashboard-token': token }, opts)).toMatchObject({
      code: 'ORIGIN_REJECTED',
    });
  });

  it('compares tokens by value only', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
  });

  it('adds a specific bind address to the allowed origins, not a wildcard one', () => {
    expect(originsFor('10.1.2.3', 80).has('http://10.1.2.3:80')).toBe(true);
    expect([...originsFor('0.0.0.0', 80)].some((o) => o.includes('0.0.0.0'))).toBe(false);
    expect(originsFor('::1', 80).has('http://[::1]:80')).toBe(true);
  });
});
