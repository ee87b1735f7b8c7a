import { Account } from '@polybot/exchange';
import { describe, expect, it } from 'vitest';
import type { AccountRecord } from '../accounts.js';
import { ApiError } from '../errors.js';
import { DEFAULT_TIERS } from '../options.js';
import { takeRateLimit } from './rate-limit.js';

function rec(rps: number, rpm: number): AccountRecord {
  const tier = {
    ...(DEFAULT_TIERS[1] as (typeof DEFAULT_TIERS)[number]),
    requests_per_second: rps,
    requests_per_minute: rpm,
  };
  return {
    userId: 1,
    keyPrefix: 'ps_live_xxxxxxxx',
    tier,
    account: new Account('1', 0),
    idem: new Map(),
    orders: [],
    rate: { sec: 0, secCount: 0, min: 0, minCount: 0 },
    lockFreeAt: 0,
    heartbeat: undefined,
    wsConnections: 0,
  };
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? [err.status, err.code, err.headers['retry-after']] : String(err);
  }
  return 'ok';
};

describe('takeRateLimit', () => {
  it('allows rps per second window, then 429 with Retry-After, and resets next second', () => {
    const r = rec(2, 100);
    const t = 1_700_000_000_100;
    expect(takeRateLimit(r, t)['x-ratelimit-remaining-per-second']).toBe('1');
    expect(takeRateLimit(r, t)['x-ratelimit-remaining-per-second']).toBe('0');
    expect(codeOf(() => takeRateLimit(r, t + 5))).toEqual([429, 'RATE_LIMIT_EXCEEDED', '1']);
    expect(codeOf(() => takeRateLimit(r, t + 1000))).toBe('ok');
  });

  it('enforces the per-minute window with a Retry-After to the minute boundary', () => {
    const r = rec(100, 3);
    const t = 1_700_000_080_000; // 40 s into a minute
    for (let i = 0; i < 3; i++) takeRateLimit(r, t + i * 1000);
    const res = codeOf(() => takeRateLimit(r, t + 3000));
    expect(res).toEqual([429, 'RATE_LIMIT_EXCEEDED', '17']);
    expect(codeOf(() => takeRateLimit(r, t + 20_000))).toBe('ok');
  });
});
