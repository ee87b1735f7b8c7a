// The partition count of a namespace, fixed at deploy time. Every process hashes markets with the same
// POLYBOT_PARTITIONS, or one market's ticks would land in two streams and be decided by two workers out of
// order. The first process to start records the count in the namespace's metadata hash (`{ns}:meta`, field
// `partitions`, a single key: cluster-safe); every later one compares and refuses a different value.

import { ConfigError } from '../errors/polybot-error.js';
import type { RedisClient } from './connection.js';
import { keys } from './keys.js';

/** Field of `keys(ns).meta` that holds the namespace's partition count. */
export const PARTITIONS_FIELD = 'partitions';

/** POLYBOT_PARTITIONS differs from the count the namespace was created with. Code CONFIG_INVALID. */
export class PartitionsMismatchError extends ConfigError {
  readonly ns: string;
  readonly configured: number;
  readonly recorded: string;
  constructor(ns: string, configured: number, recorded: string) {
    const metaKey = keys(ns).meta;
    super(
      'POLYBOT_PARTITIONS',
      /^[1-9]\d{0,5}$/.test(recorded)
        ? `POLYBOT_PARTITIONS=${configured} but namespace "${ns}" was created with POLYBOT_PARTITIONS=${recorded} ` +
            `(field ${PARTITIONS_FIELD} of ${metaKey}): set POLYBOT_PARTITIONS=${recorded}, or run with ` +
            `${configured} partitions in a new namespace (POLYBOT_NS); see README "Partitions"`
        : `namespace "${ns}" records an invalid partition count in field ${PARTITIONS_FIELD} of ${metaKey}: ` +
            `repair it (HSET ${metaKey} ${PARTITIONS_FIELD} <n>) or use a new namespace (POLYBOT_NS)`,
    );
    this.name = 'PartitionsMismatchError';
    this.ns = ns;
    this.configured = configured;
    this.recorded = recorded;
  }
}

export interface PartitionsCheck {
  /** The count the namespace holds after the check (undefined: none recorded and `record` was false). */
  recorded: number | undefined;
  /** True when this call recorded the count (the namespace's first start). */
  created: boolean;
}

/**
 * Compares `partitions` with the namespace's recorded count. With `record` (default true) a namespace that
 * has none gets this one, atomically (HSETNX in a MULTI with the read: two processes starting at once agree).
 * Readers (status, record) pass `record: false`, so they never fix the count of a namespace nobody runs.
 * Throws PartitionsMismatchError on a different count; Redis errors propagate as they are.
 */
export async function ensurePartitions(
  redis: RedisClient,
  ns: string,
  partitions: number,
  opts: { record?: boolean } = {},
): Promise<PartitionsCheck> {
  const meta = keys(ns).meta;
  let created = false;
  let value: string | null;
  if (opts.record ?? true) {
    const res = await redis
      .multi()
      .hsetnx(meta, PARTITIONS_FIELD, String(partitions))
      .hget(meta, PARTITIONS_FIELD)
      .exec();
    if (!res) throw new Error('partition check: transaction aborted');
    const [setRes, getRes] = res;
    if (setRes?.[0]) throw setRes[0];
    if (getRes?.[0]) throw getRes[0];
    created = Number(setRes?.[1]) === 1;
    value = (getRes?.[1] as string | null) ?? null;
  } else {
    value = await redis.hget(meta, PARTITIONS_FIELD);
  }
  if (value === null) return { recorded: undefined, created };
  if (value !== String(partitions)) throw new PartitionsMismatchError(ns, partitions, value);
  return { recorded: partitions, created };
}
