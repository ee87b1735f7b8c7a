// The `every-nth` bench strategy (packages/strategy-kit/src/strategies/every-nth.ts). Until the registry
// lists it, it is loaded from strategy-kit's build output next to the package entry, so the bench runs the
// very same code the workers would.

import { type AnyStrategy, getStrategy, STRATEGY_NAMES } from '@polybot/strategy-kit';

export const EVERY_NTH = 'every-nth';

/** Whether `STRATEGY=every-nth` works in the real strategy app (the registry lists it). */
export function registered(): boolean {
  return STRATEGY_NAMES.includes(EVERY_NTH);
}

export async function loadEveryNth(): Promise<AnyStrategy> {
  if (registered()) return getStrategy(EVERY_NTH);
  const entry = import.meta.resolve('@polybot/strategy-kit');
  const mod = (await import(new URL('./strategies/every-nth.js', entry).href)) as { everyNth?: AnyStrategy };
  if (!mod.everyNth) throw new Error('strategy-kit build has no every-nth strategy: run npm run build');
  return mod.everyNth;
}
