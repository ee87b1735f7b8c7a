// Per-key fixed windows, one per second and one per minute (polysim-api.md §8). A burst straddling a
// window boundary can reach about 2× the rps, as on the real service.

import type { AccountRecord } from '../accounts.js';
import { ApiError } from '../errors.js';

/** Counts one request; returns the x-ratelimit-* headers, or throws 429 RATE_LIMIT_EXCEEDED. */
export function takeRateLimit(rec: AccountRecord, nowMs: number): Record<string, string> {
  const sec = Math.floor(nowMs / 1000);
  const min = Math.floor(nowMs / 60_000);
  const r = rec.rate;
  if (r.sec !== sec) {
    r.sec = sec;
    r.secCount = 0;
  }
  if (r.min !== min) {
    r.min = min;
    r.minCount = 0;
  }
  const t = rec.tier;
  const overSec = r.secCount >= t.requests_per_second;
  const overMin = r.minCount >= t.requests_per_minute;
  if (!overSec && !overMin) {
    r.secCount++;
    r.minCount++;
  }
  const reset = overMin ? (min + 1) * 60 : sec + 1;
  const headers: Record<string, string> = {
    'x-ratelimit-tier': t.tier,
    'x-ratelimit-limit': String(t.requests_per_minute),
    'x-ratelimit-limit-per-second': String(t.requests_per_second),
    'x-ratelimit-remaining': String(Math.max(0, t.requests_per_minute - r.minCount)),
    'x-ratelimit-remaining-per-second': String(Math.max(0, t.requests_per_second - r.secCount)),
    'x-ratelimit-reset': String(reset),
  };
  for (const [k, v] of Object.entries(headers)) headers[k.replace('x-ratelimit', 'x-polysim-ratelimit')] = v;
  if (overSec || overMin) {
    const retry = Math.max(1, Math.ceil(reset - nowMs / 1000));
    throw new ApiError(429, 'RATE_LIMIT_EXCEEDED', `Rate limit exceeded. Retry after ${retry}s.`, {
      ...headers,
      'retry-after': String(retry),
    });
  }
  return headers;
}
