// Guarantees 1 and 2 under a crash mid-stream: one of three workers is killed (connections dropped, timers
// stopped, nothing acked or released) while a deterministic stream is being written. Every tick is still
// processed, and the set of intents is exactly the one a single worker produces on the same stream, with
// one job per intent.

import { intentIdWithoutNs, keys, readTallies, sumTallies } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StrategyWorker } from '../src/index.js';
import {
  drained,
  jobIds,
  makeWorker,
  market,
  ordersQueue,
  readIntents,
  T0,
  type TickSpec,
  writeTicks,
} from './helpers.js';

const P = 6;
const MARKETS = 40;
const PER_MARKET = 200;
const CHUNKS = 10;

const servers: TestRedis[] = [];
const workers: StrategyWorker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A deterministic stream: prices wander around 0.5, so about half the ticks are buys. */
function stream(): TickSpec[] {
  const out: TickSpec[] = [];
  let x = 7;
  for (let i = 0; i < PER_MARKET; i++) {
    for (let m = 1; m <= MARKETS; m++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      out.push({ market: market(m), yes: 400_000 + (x % 200) * 1000, emit: T0 + i * 10 });
    }
  }
  return out;
}

interface RunResult {
  intents: string[];
  jobs: string[];
  intentEntries: number;
  tally: ReturnType<typeof sumTallies>;
  /** Per partition: entries accounted by the workers' tallies vs entries ever added to the stream. */
  perPartition: [number, number][];
}

async function run(crash: boolean): Promise<RunResult> {
  const redis = await startRedis({ own: true });
  servers.push(redis);
  const k = keys(redis.ns);
  const c = redis.client();
  const spawn = () => {
    const w = makeWorker(redis, { partitions: P, batch: 256 });
    workers.push(w);
    return w;
  };
  const pool = crash ? [spawn(), spawn(), spawn()] : [spawn()];
  await Promise.all(pool.map((w) => w.start()));
  const ticks = stream();
  const size = ticks.length / CHUNKS;
  for (let i = 0; i < CHUNKS; i++) {
    await writeTicks(c, k, P, ticks.slice(i * size, (i + 1) * size));
    if (crash && i === CHUNKS / 2) {
      // Kill the worker in the middle of its work: wait until it has intents in flight, then drop it.
      const victim = pool[1] as StrategyWorker;
      await vi.waitFor(() => expect(victim.partitions().length).toBeGreaterThan(0), { timeout: 10_000 });
      victim.crash();
    }
  }
  await vi.waitFor(async () => expect(await drained(c, k, P)).toBe(true), { timeout: 50_000, interval: 100 });
  const intents = await readIntents(c, k);
  const tallies = await readTallies(c, k, P);
  const q = ordersQueue(redis.url, k);
  try {
    const jobs = await jobIds(q);
    return {
      intents: [...new Set(intents.map((i) => intentIdWithoutNs(i.intent_id)))].sort(),
      jobs: jobs.map(intentIdWithoutNs).sort(),
      intentEntries: intents.length,
      tally: sumTallies(tallies),
      perPartition: tallies.map((t) => [t.accounted, t.entriesAdded]),
    };
  } finally {
    await q.close();
  }
}

describe('crash mid-stream', () => {
  it('guarantees 1 and 2: killing one of three workers loses no tick and duplicates no job', async () => {
    const reference = await run(false);
    expect(reference.intents.length).toBeGreaterThan(MARKETS * PER_MARKET * 0.3);
    expect(reference.jobs).toEqual(reference.intents);
    const crashed = await run(true);
    expect(crashed.intents).toEqual(reference.intents);
    expect(crashed.jobs).toEqual(reference.intents);
    // Per-tick accounting: every entry counted once, in both runs, and the crash changes no count.
    for (const r of [reference, crashed]) {
      for (const [accounted, added] of r.perPartition) expect(accounted).toBe(added);
      expect(r.tally.entriesAdded).toBe(MARKETS * PER_MARKET);
      expect(r.tally.decisions.intent).toBe(reference.intents.length);
    }
    expect(crashed.tally.entries).toEqual(reference.tally.entries);
    expect(crashed.tally.decisions).toEqual(reference.tally.decisions);
    // {ns}:intents may repeat an intent only if the crash fell between its append and its mark.
    expect(crashed.intentEntries - crashed.intents.length).toBeLessThanOrEqual(256);
  }, 120_000);
});
