// Stable partition function: the same market always lands in the same tick stream, in every process.

import { fnv1a32 } from '../util/fnv1a.js';

export function partition(marketId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`partitions must be >= 1, got ${partitions}`);
  return fnv1a32(marketId.toLowerCase()) % partitions;
}
