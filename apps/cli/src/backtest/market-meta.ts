// What a backtest needs to know about a market beyond its ticks: fee category, price tick and book seed.
// Recordings may carry it in an optional header field `market_meta` (the header schema keeps unknown
// fields); otherwise the category falls back to a default and the tick is inferred from the prices seen.

import { isDecimalString, MICRO, type Micro, toMicro } from '@polybot/shared';
import { z } from 'zod';

export const MarketMetaSchema = z.looseObject({
  /** Fee category (polysim-api.md §10); unknown categories pay the default rate. */
  category: z.string().min(1).max(64).optional(),
  /** Price tick as a decimal string ("0.01"). */
  tick: z
    .string()
    .refine(isDecimalString, 'expected a decimal such as "0.01"')
    .transform((s) => toMicro(s))
    .refine((m) => m > 0 && m < MICRO, 'tick must be inside (0, 1)')
    .optional(),
  /** Seed of the simulator's synthetic book for this market (its ticks then fill exactly as live). */
  book_seed: z.int().min(0).max(0xffff_ffff).optional(),
});
export type MarketMeta = z.output<typeof MarketMetaSchema>;

export const MarketMetaMapSchema = z.record(z.string(), MarketMetaSchema);

/** The `market_meta` field of a recording header, validated; empty when absent. */
export function marketMetaOf(header: Record<string, unknown>): Map<string, MarketMeta> {
  const raw = header.market_meta;
  if (raw === undefined) return new Map();
  const r = MarketMetaMapSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new RangeError(`recording header market_meta.${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`);
  }
  return new Map(Object.entries(r.data).map(([k, v]) => [k.toLowerCase(), v]));
}

const TICK_CANDIDATES: readonly Micro[] = [10_000, 1_000, 100, 10, 1];

/** The coarsest candidate tick that all the given prices sit on (undefined prices are ignored). */
export function tickOf(a: Micro, b: Micro | undefined, c: Micro | undefined): Micro {
  for (const t of TICK_CANDIDATES) {
    if (a % t === 0 && (b === undefined || b % t === 0) && (c === undefined || c % t === 0)) return t;
  }
  return 1;
}
