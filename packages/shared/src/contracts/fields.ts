// Field codecs for Redis stream entries: every value on the wire is a string; decoded values are typed.

import { z } from 'zod';
import { fromMicro, isDecimalString, MICRO, toMicro } from '../money/decimal.js';

const INT_RE = /^-?\d{1,16}$/;
const NUM_RE = /^-?\d{1,16}(?:\.\d{1,9})?$/;

/** A plain string field. */
export const str = (max = 1024) => z.string().min(1).max(max);

/** Integer carried as a decimal string. */
export const int = () =>
  z.codec(z.string().regex(INT_RE, 'expected an integer'), z.int(), {
    decode: (s) => Number(s),
    encode: (n) => String(n),
  });

/** Finite number (timestamps with a sub-ms fraction) carried as a string. */
export const num = () =>
  z.codec(z.string().regex(NUM_RE, 'expected a number'), z.number(), {
    decode: (s) => Number(s),
    encode: (n) => (Number.isInteger(n) ? String(n) : n.toFixed(3)),
  });

/** Boolean carried as "1"/"0". */
export const bool = () =>
  z.codec(z.enum(['0', '1']), z.boolean(), {
    decode: (s) => s === '1',
    encode: (b) => (b ? '1' : '0'),
  });

/** A decimal amount (micro-units inside, decimal string on the wire). */
export const micro = (opts: { min?: number; max?: number } = {}) =>
  z.codec(
    z.string().max(40).refine(isDecimalString, 'expected a plain decimal string'),
    z
      .int()
      .min(opts.min ?? Number.MIN_SAFE_INTEGER)
      .max(opts.max ?? Number.MAX_SAFE_INTEGER),
    {
      decode: (s, ctx) => {
        try {
          return toMicro(s);
        } catch (err) {
          ctx.issues.push({ code: 'custom', message: (err as Error).message, input: s });
          return z.NEVER;
        }
      },
      encode: (n) => fromMicro(n),
    },
  );

/** A probability price in [0, 1] (0 and 1 only on settled markets) as micro-units. */
export const price = () => micro({ min: 0, max: MICRO });

/** A non-negative size as micro-units. */
export const size = () => micro({ min: 0 });

/** Condition id: 0x + 64 hex characters. */
export const marketId = () => z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x + 64 hex condition id');

export const side = () => z.enum(['BUY', 'SELL']);
