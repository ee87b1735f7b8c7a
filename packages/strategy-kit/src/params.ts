// zod helpers for strategy parameters: prices and sizes are decimal strings (or plain JSON numbers, read
// through their shortest decimal form), parsed to integer micro-units.

import { isDecimalString, MICRO, type Micro, toMicro } from '@polybot/shared';
import { z } from 'zod';

const decimalInput = z.union([z.string(), z.number()]).transform((v, ctx): Micro => {
  const s = typeof v === 'number' ? String(v) : v.trim();
  if (!isDecimalString(s)) {
    ctx.issues.push({
      code: 'custom',
      message: `expected a plain decimal such as "0.35", got ${JSON.stringify(v)}`,
      input: v,
    });
    return z.NEVER;
  }
  try {
    return toMicro(s);
  } catch (err) {
    ctx.issues.push({ code: 'custom', message: (err as Error).message, input: v });
    return z.NEVER;
  }
});

/** A price strictly between 0 and 1, as micro-units. */
export const priceParam = () =>
  decimalInput.refine((m) => m > 0 && m < MICRO, { message: 'expected a price strictly between 0 and 1' });

/** A share quantity (> 0, at most 4 decimal places: the venue quantum), as micro-units. */
export const sharesParam = () =>
  decimalInput
    .refine((m) => m > 0, { message: 'expected a positive number of shares' })
    .refine((m) => m % 100 === 0, { message: 'expected at most 4 decimal places (venue quantum)' });

/** A non-negative decimal (z-score thresholds and the like), as micro-units. */
export const decimalParam = () => decimalInput.refine((m) => m >= 0, { message: 'expected a non-negative number' });
