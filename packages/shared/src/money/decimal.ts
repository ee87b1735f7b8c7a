// Money never travels as a JS float: decimal strings on the wire, integer micro-units (1e-6) inside.

import { DecimalError } from '../errors/polybot-error.js';

/** Micro-units per whole unit (6 decimal places). */
export const MICRO = 1_000_000;
const MICRO_BIG = 1_000_000n;

/** An amount in integer micro-units (1 unit = 1_000_000). Always a safe integer. */
export type Micro = number;

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

export type Rounding = 'exact' | 'floor' | 'ceil' | 'half-up';

/**
 * Parses a plain decimal string ("0.65", "10", "-3.25") into micro-units.
 * Rejects exponents, NaN, infinities, empty strings and values beyond Number.MAX_SAFE_INTEGER micro-units.
 * With `rounding: 'exact'` (default) more than 6 decimal places is an error.
 */
export function toMicro(value: string, rounding: Rounding = 'exact'): Micro {
  if (typeof value === 'string') {
    const fast = plainMicro(value);
    if (fast !== undefined) return fast;
  }
  return toMicroGeneral(value, rounding);
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/**
 * The common case of toMicro without a regex or bigint: unsigned digits with at most 9 before the point and at
 * most 6 after it (prices, sizes), which number arithmetic takes exactly (the result stays below 2^53). Returns
 * undefined for anything else (sign, space, more places, longer, malformed); toMicroGeneral decides those.
 */
function plainMicro(s: string): Micro | undefined {
  const n = s.length;
  let i = 0;
  let whole = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    whole = whole * 10 + (c - 48);
  }
  if (i === 0 || i > 9) return undefined;
  if (i === n) return whole * MICRO;
  const places = n - i - 1;
  if (s.charCodeAt(i) !== 46 || places < 1 || places > 6) return undefined;
  let frac = 0;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    frac = frac * 10 + (c - 48);
  }
  return whole * MICRO + frac * (POW10[6 - places] as number);
}

/** toMicro for every input (bigint arithmetic); toMicro's fast path must agree with it wherever it answers. */
export function toMicroGeneral(value: string, rounding: Rounding = 'exact'): Micro {
  if (typeof value !== 'string') throw new DecimalError('decimal must be a string', { type: typeof value });
  const m = DECIMAL_RE.exec(value.trim());
  if (!m) throw new DecimalError(`not a plain decimal: ${JSON.stringify(value.slice(0, 40))}`);
  const [, sign, whole = '0', frac = ''] = m;
  const head = frac.slice(0, 6).padEnd(6, '0');
  const rest = frac.slice(6);
  let units = BigInt(whole) * MICRO_BIG + BigInt(head);
  if (rest !== '' && /[1-9]/.test(rest)) {
    const negative = sign === '-';
    switch (rounding) {
      case 'exact':
        throw new DecimalError(`more than 6 decimal places: ${JSON.stringify(value.slice(0, 40))}`);
      case 'floor':
        if (negative) units += 1n;
        break;
      case 'ceil':
        if (!negative) units += 1n;
        break;
      case 'half-up':
        if (Number(rest[0]) >= 5) units += 1n;
        break;
    }
  }
  const signed = sign === '-' ? -units : units;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new DecimalError('decimal out of range');
  }
  return Number(signed);
}

/** Formats micro-units as a decimal string with at least `minDp` and at most 6 places (trailing zeros trimmed). */
export function fromMicro(units: Micro, minDp = 0): string {
  assertMicro(units);
  if (units >= 0 && minDp === 0) {
    // Number arithmetic is exact here: % of a safe integer, and a multiple of 1e6 divided by 1e6.
    const rest = units % MICRO;
    const whole = (units - rest) / MICRO;
    if (rest === 0) return `${whole}`;
    let frac = `${rest}`.padStart(6, '0');
    let end = frac.length;
    while (frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
    return `${whole}.${frac}`;
  }
  return fromMicroGeneral(units, minDp);
}

/** fromMicro for every input (bigint arithmetic); fromMicro's fast path must agree with it. */
export function fromMicroGeneral(units: Micro, minDp = 0): string {
  assertMicro(units);
  const negative = units < 0;
  // Plain number arithmetic is exact here (hot in strategies and reports): units is a safe integer, so is
  // abs % MICRO, and abs − that is a multiple of MICRO whose quotient is an exact integer.
  const abs = Math.abs(units);
  const rest = abs % MICRO;
  const whole = (abs - rest) / MICRO;
  let frac = '';
  if (rest !== 0) {
    frac = String(rest).padStart(6, '0');
    let end = 6;
    while (frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
  }
  if (frac.length < minDp) frac = frac.padEnd(minDp, '0');
  const body = frac.length > 0 ? `${whole}.${frac}` : `${whole}`;
  return negative && units !== 0 ? `-${body}` : body;
}

/** Formats micro-units rounded half-up to exactly `dp` decimal places (0–6), e.g. cents for display. */
export function formatFixed(units: Micro, dp: number): string {
  if (!Number.isInteger(dp) || dp < 0 || dp > 6) throw new DecimalError('dp must be 0..6', { dp });
  const step = 10 ** (6 - dp);
  const rounded = roundTo(units, step, 'half-up');
  return fromMicro(rounded, dp);
}

export function assertMicro(units: Micro): void {
  if (!Number.isSafeInteger(units)) throw new DecimalError('micro-units must be a safe integer', { units });
}

/** A price in (0, 1) exclusive, as micro-units. */
export function parsePrice(value: string): Micro {
  const p = toMicro(value);
  if (p <= 0 || p >= MICRO) throw new DecimalError(`price outside (0, 1): ${JSON.stringify(value.slice(0, 40))}`);
  return p;
}

/** A size (shares or USD) that is zero or more, as micro-units. */
export function parseSize(value: string): Micro {
  const s = toMicro(value);
  if (s < 0) throw new DecimalError(`negative size: ${JSON.stringify(value.slice(0, 40))}`);
  return s;
}

/** Rounds micro-units to a multiple of `step` micro-units. */
export function roundTo(units: Micro, step: Micro, rounding: Exclude<Rounding, 'exact'>): Micro {
  assertMicro(units);
  if (!Number.isSafeInteger(step) || step <= 0) throw new DecimalError('step must be a positive integer', { step });
  const q = Math.trunc(units / step);
  const r = units - q * step;
  if (r === 0) return units;
  switch (rounding) {
    case 'floor':
      return (r > 0 ? q : q - 1) * step;
    case 'ceil':
      return (r > 0 ? q + 1 : q) * step;
    case 'half-up': {
      const twice = Math.abs(r) * 2;
      if (units >= 0) return (twice >= step ? q + 1 : q) * step;
      return (twice >= step ? q - 1 : q) * step;
    }
  }
}

/**
 * Multiplies two micro-unit amounts (e.g. shares × price) and returns micro-units,
 * rounded as asked. Uses bigint internally, so no precision is lost on the way.
 */
export function mulMicro(a: Micro, b: Micro, rounding: Exclude<Rounding, 'exact'> = 'half-up'): Micro {
  assertMicro(a);
  assertMicro(b);
  return divBig(BigInt(a) * BigInt(b), MICRO_BIG, rounding);
}

/** Divides micro-units by micro-units (e.g. USD / price = shares), returning micro-units. */
export function divMicro(a: Micro, b: Micro, rounding: Exclude<Rounding, 'exact'> = 'floor'): Micro {
  assertMicro(a);
  assertMicro(b);
  if (b === 0) throw new DecimalError('division by zero');
  return divBig(BigInt(a) * MICRO_BIG, BigInt(b), rounding);
}

function divBig(num: bigint, den: bigint, rounding: Exclude<Rounding, 'exact'>): Micro {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  let q = num / den;
  const r = num % den;
  if (r !== 0n) {
    if (rounding === 'floor' && num < 0n) q -= 1n;
    else if (rounding === 'ceil' && num > 0n) q += 1n;
    else if (rounding === 'half-up') {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice >= den) q += num < 0n ? -1n : 1n;
    }
  }
  const out = Number(q);
  if (!Number.isSafeInteger(out)) throw new DecimalError('result out of range');
  return out;
}

/** True when `value` is a plain decimal string we accept (no exponent, no NaN). */
export function isDecimalString(value: string): boolean {
  return DECIMAL_RE.test(value);
}
