// Field codecs for Redis stream entries: every value on the wire is a string; decoded values are typed.

import { z } from 'zod';
import { fromMicro, isDecimalString, MICRO, toMicro } from '../money/decimal.js';

const INT_RE = /^-?\d{1,16}$/;
const NUM_RE = /^-?\d{1,16}(?:\.\d{1,9})?$/;

/** A fast encoder's answer for a value it does not take in canonical form: the zod codec decides. */
export const SLOW: unique symbol = Symbol('slow path');

/**
 * Fast encoders of the field codecs below, keyed by schema: each returns exactly the wire string the zod
 * codec's encode would return, or SLOW for anything it is not sure about (the contract then runs zod, which
 * stays the authority and throws on invalid values). contracts/contract.ts uses them on the hot path.
 */
export const fastEncoders = new WeakMap<z.ZodType, (value: unknown) => string | typeof SLOW>();

function fast<S extends z.ZodType>(schema: S, enc: (value: unknown) => string | typeof SLOW): S {
  fastEncoders.set(schema, enc);
  return schema;
}

/** A plain string field. */
export const str = (max = 1024) =>
  fast(z.string().min(1).max(max), (v) => (typeof v === 'string' && v.length >= 1 && v.length <= max ? v : SLOW));

/** Integer carried as a decimal string. */
export const int = () =>
  fast(
    z.codec(z.string().regex(INT_RE, 'expected an integer'), z.int(), {
      decode: (s) => Number(s),
      encode: (n) => String(n),
    }),
    // A safe integer prints as at most 16 digits with an optional sign: INT_RE holds by construction.
    (v) => (Number.isSafeInteger(v) ? String(v) : SLOW),
  );

/** Finite number (timestamps with a sub-ms fraction) carried as a string. */
export const num = () =>
  fast(
    z.codec(z.string().regex(NUM_RE, 'expected a number'), z.number(), {
      decode: (s) => Number(s),
      encode: (n) => (Number.isInteger(n) ? String(n) : n.toFixed(3)),
    }),
    // Below 1e16 in magnitude, String() of an integer and toFixed(3) of anything else print plain digits, at most
    // 16 before the point: NUM_RE holds. Larger values (17 digits, exponents) are left to zod.
    (v) => {
      if (typeof v !== 'number' || !(Math.abs(v) < 1e16)) return SLOW;
      return Number.isInteger(v) ? String(v) : v.toFixed(3);
    },
  );

/** Boolean carried as "1"/"0". */
export const bool = () =>
  fast(
    z.codec(z.enum(['0', '1']), z.boolean(), {
      decode: (s) => s === '1',
      encode: (b) => (b ? '1' : '0'),
    }),
    (v) => (v === true ? '1' : v === false ? '0' : SLOW),
  );

/** A decimal amount (micro-units inside, decimal string on the wire). */
export const micro = (opts: { min?: number; max?: number } = {}) => {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return fast(
    z.codec(z.string().max(40).refine(isDecimalString, 'expected a plain decimal string'), z.int().min(min).max(max), {
      decode: (s, ctx) => {
        try {
          return toMicro(s);
        } catch (err) {
          ctx.issues.push({ code: 'custom', message: (err as Error).message, input: s });
          return z.NEVER;
        }
      },
      encode: (n) => fromMicro(n),
    }),
    // fromMicro prints a safe integer as a plain decimal of at most 18 characters: the string rules hold.
    (v) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? fromMicro(v as number) : SLOW),
  );
};

/** A probability price in [0, 1] (0 and 1 only on settled markets) as micro-units. */
export const price = () => micro({ min: 0, max: MICRO });

/** A non-negative size as micro-units. */
export const size = () => micro({ min: 0 });

const MARKET_ID_RE = /^0x[0-9a-fA-F]{64}$/;
/** Condition id: 0x + 64 hex characters. */
export const marketId = () =>
  fast(z.string().regex(MARKET_ID_RE, 'expected 0x + 64 hex condition id'), (v) =>
    typeof v === 'string' && MARKET_ID_RE.test(v) ? v : SLOW,
  );

export const side = () => z.enum(['BUY', 'SELL']);
