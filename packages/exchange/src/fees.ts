// Taker fee model (polysim-api.md §10): shares × rate × p × (1 − p), rounded to 5 dp, debited in cents.

import { MICRO, type Micro } from '@polybot/shared';

export type Category =
  | 'crypto'
  | 'economics'
  | 'culture'
  | 'weather'
  | 'other'
  | 'finance'
  | 'politics'
  | 'mentions'
  | 'tech'
  | 'sports'
  | 'geopolitics';

/** Fee rate per category in micro-units (70_000 = 7 %). Unknown categories pay 5 %. */
export const FEE_RATES: Readonly<Record<Category, Micro>> = Object.freeze({
  crypto: 70_000,
  economics: 50_000,
  culture: 50_000,
  weather: 50_000,
  other: 50_000,
  finance: 40_000,
  politics: 40_000,
  mentions: 40_000,
  tech: 40_000,
  sports: 30_000,
  geopolitics: 0,
});

export const DEFAULT_FEE_RATE: Micro = 50_000;

export const CATEGORIES = Object.keys(FEE_RATES) as Category[];

export function feeRate(category: string): Micro {
  return (FEE_RATES as Record<string, Micro>)[category] ?? DEFAULT_FEE_RATE;
}

export interface Fee {
  /** The fee at 5 decimal places (micro-units, a multiple of 10). */
  exact: Micro;
  /** What is debited: `exact` rounded half-up to cents (micro-units, a multiple of 10_000). */
  charged: Micro;
}

const BIG_M = BigInt(MICRO);
const DEN = BIG_M * BIG_M * BIG_M; // shares·rate·p·(1−p) carries four micro factors; one stays.
const STEP_5DP = 10n;
const STEP_CENT = 10_000;

/**
 * Taker fee for `shares` at price `price` (both micro-units) at `rate` (micro-units).
 * 10 sh @ 0.65 at 7 % → exact 0.15925, charged 0.16; at 4 % → exact 0.091, charged 0.09.
 */
export function takerFee(shares: Micro, price: Micro, rate: Micro): Fee {
  if (shares <= 0 || rate <= 0 || price <= 0 || price >= MICRO) return { exact: 0, charged: 0 };
  const num = BigInt(shares) * BigInt(rate) * BigInt(price) * BigInt(MICRO - price);
  // Round half-up to 5 dp: units of 10 micro.
  const unit = DEN * STEP_5DP;
  const q = num / unit;
  const r = num % unit;
  const exact = Number((r * 2n >= unit ? q + 1n : q) * STEP_5DP);
  const cents = Math.floor(exact / STEP_CENT);
  const rem = exact - cents * STEP_CENT;
  const charged = (rem * 2 >= STEP_CENT ? cents + 1 : cents) * STEP_CENT;
  return { exact, charged };
}
