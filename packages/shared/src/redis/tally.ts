// Per-tick accounting of the tick streams (keys.tally): the strategy workers count every entry they ack by
// class, in the same fenced script as the ack, so the counts of a partition add up to the number of entries
// ever added to its stream, however often workers crashed, took over or were redelivered an entry.

import type { RedisClient } from './connection.js';
import type { Keys } from './keys.js';

export interface PartitionTally {
  partition: number;
  /** Entries ever appended to the partition's stream (XINFO STREAM entries-added; trimming does not lower it). */
  entriesAdded: number;
  /** Entries the workers acked, by class: none, decided, gap, dup, skip, dead (the `t:` fields). */
  entries: Record<string, number>;
  /** Decisions by outcome: intent, blocked:<reason>, repeat, invalid (the `d:` fields). */
  decisions: Record<string, number>;
  /** Sum of `entries`. */
  accounted: number;
}

function entriesAdded(info: unknown): number {
  if (!Array.isArray(info)) throw new Error('XINFO STREAM: unexpected reply');
  const i = info.indexOf('entries-added');
  if (i < 0) throw new Error('XINFO STREAM has no entries-added (Redis 7 or later is required)');
  const n = Number(info[i + 1]);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`XINFO STREAM entries-added is ${String(info[i + 1])}`);
  return n;
}

export async function readPartitionTally(redis: RedisClient, k: Keys, partition: number): Promise<PartitionTally> {
  const exists = await redis.exists(k.ticks(partition));
  const added = exists ? entriesAdded(await redis.xinfo('STREAM', k.ticks(partition))) : 0;
  const raw = await redis.hgetall(k.tally(partition));
  const entries: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  let accounted = 0;
  for (const [field, value] of Object.entries(raw)) {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new Error(`${k.tally(partition)} ${field} is not an integer: ${value}`);
    if (field.startsWith('t:')) {
      entries[field.slice(2)] = n;
      accounted += n;
    } else if (field.startsWith('d:')) decisions[field.slice(2)] = n;
    else throw new Error(`${k.tally(partition)} has an unknown field ${field}`);
  }
  return { partition, entriesAdded: added, entries, decisions, accounted };
}

export async function readTallies(redis: RedisClient, k: Keys, partitions: number): Promise<PartitionTally[]> {
  const out: PartitionTally[] = [];
  for (let p = 0; p < partitions; p++) out.push(await readPartitionTally(redis, k, p));
  return out;
}

/** Sums of every partition's counts, field by field. */
export function sumTallies(tallies: readonly PartitionTally[]): Omit<PartitionTally, 'partition'> {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [f, n] of Object.entries(from)) into[f] = (into[f] ?? 0) + n;
  };
  const entries: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  let entriesAddedSum = 0;
  let accounted = 0;
  for (const t of tallies) {
    add(entries, t.entries);
    add(decisions, t.decisions);
    entriesAddedSum += t.entriesAdded;
    accounted += t.accounted;
  }
  return { entriesAdded: entriesAddedSum, entries, decisions, accounted };
}
