// The `every-nth` bench strategy from strategy-kit's registry: the baseline bot runs the very same code the
// strategy workers run with STRATEGY=every-nth.

import { type AnyStrategy, getStrategy } from '@polybot/strategy-kit';

export const EVERY_NTH = 'every-nth';

export async function loadEveryNth(): Promise<AnyStrategy> {
  return getStrategy(EVERY_NTH);
}
