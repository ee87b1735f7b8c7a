// How many partitions each live worker should hold: an even split (ceil or floor of P/N), decided by each
// worker from the same registry snapshot, so the shares always add up to P and nobody negotiates.

/** The number of partitions `workerId` should hold when `liveWorkers` are alive (itself included). */
export function targetShare(partitions: number, liveWorkers: readonly string[], workerId: string): number {
  const ids = [...new Set([...liveWorkers, workerId])].sort();
  const n = ids.length;
  const rank = ids.indexOf(workerId);
  const base = Math.floor(partitions / n);
  return base + (rank < partitions % n ? 1 : 0);
}

/**
 * The order in which a worker tries free partitions: starting at an offset derived from its rank, so workers
 * that start together do not all race for partition 0.
 */
export function acquisitionOrder(partitions: number, liveWorkers: readonly string[], workerId: string): number[] {
  const ids = [...new Set([...liveWorkers, workerId])].sort();
  const start = Math.floor((ids.indexOf(workerId) * partitions) / ids.length);
  return Array.from({ length: partitions }, (_, i) => (start + i) % partitions);
}

/** Which held partitions to give up to come down to `target`: the ones furthest from the worker's offset. */
export function surplus(held: readonly number[], target: number, order: readonly number[]): number[] {
  if (held.length <= target) return [];
  const rank = new Map(order.map((p, i) => [p, i]));
  const sorted = [...held].sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  return sorted.slice(target);
}
