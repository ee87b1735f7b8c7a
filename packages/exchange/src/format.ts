// Allocation-light decimal formatting for the hot path (price frames, order replies). Same output as
// fromMicro/formatFixed of @polybot/shared, without bigint.

import type { Micro } from '@polybot/shared';

const priceCache = new Map<number, string>();

/** Micro-units as a plain decimal with trailing zeros trimmed ("0.65", "10", "0.0001"). */
export function fmt(units: Micro): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  if (units < 0) return `-${fmt(-units)}`;
  const whole = Math.floor(units / 1_000_000);
  const frac = units - whole * 1_000_000;
  if (frac === 0) return String(whole);
  let f = String(frac).padStart(6, '0');
  let end = f.length;
  while (end > 0 && f.charCodeAt(end - 1) === 48) end--;
  f = f.slice(0, end);
  return `${whole}.${f}`;
}

/** Like fmt() but memoised: for prices, which take few distinct values. */
export function fmtPrice(units: Micro): string {
  let s = priceCache.get(units);
  if (s === undefined) {
    s = fmt(units);
    if (priceCache.size < 100_000) priceCache.set(units, s);
  }
  return s;
}

/** Micro-units rounded half-up (away from zero) to `dp` places, always exactly `dp` places ("9993.34"). */
export function fmtFixed(units: Micro, dp: number): string {
  const step = 10 ** (6 - dp);
  const neg = units < 0;
  const abs = Math.abs(units);
  const q = Math.floor(abs / step);
  const r = abs - q * step;
  const n = r * 2 >= step ? q + 1 : q;
  const scale = 10 ** dp;
  const whole = Math.floor(n / scale);
  const body = dp === 0 ? String(whole) : `${whole}.${String(n - whole * scale).padStart(dp, '0')}`;
  return neg && n !== 0 ? `-${body}` : body;
}
