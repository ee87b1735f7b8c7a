// `polybot record`, `replay` and `diff` on a Redis Cluster, reached by a `redis+cluster://` URL: the tick
// partitions live on different masters, so every command must stay within one slot (one partition per
// read, one script call per partition per write).

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisClient, keys, partition, type RedisClient } from '@polybot/shared';
import { startRedisCluster, type TestCluster } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiff } from '../../apps/cli/src/commands/diff.js';
import { runRecord } from '../../apps/cli/src/commands/record.js';
import { runReplay } from '../../apps/cli/src/commands/replay.js';
import { openRecording } from '../../apps/cli/src/recording/reader.js';
import { intentFields, M, tickFields } from '../../apps/cli/test/support/fixtures.js';

const P = 8;

let cluster: TestCluster;
let redis: RedisClient;
let dir: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, aof: false });
  redis = createRedisClient(cluster.url, 'command');
  dir = await mkdtemp(join(tmpdir(), 'polybot-cli-cluster-'));
}, 90_000);
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
}, 60_000);

async function addTicks(ns: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const m = M(i % 12);
    await redis.xadd(keys(ns).ticks(partition(m, P)), '*', ...tickFields(i, m, 0.5));
  }
}

async function contentOf(file: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of (await openRecording(file)).entries()) out.push(JSON.stringify(e.fields));
  return out;
}

const record = (ns: string, out: string, extra: { follow?: boolean; stopSignal?: Promise<void> } = {}) =>
  runRecord({
    redisUrl: cluster.url,
    ns,
    partitions: P,
    out,
    follow: extra.follow ?? false,
    tty: false,
    write: () => {},
    producer: 'test',
    ...(extra.stopSignal ? { stopSignal: extra.stopSignal } : {}),
  });

describe('record, replay and diff on a Redis Cluster', () => {
  it('record → replay → record gives the same ticks, with partitions on several masters', async () => {
    const ns = `${cluster.ns}rc`;
    await addTicks(ns, 0, 120);
    const masters = new Set<number>();
    for (let p = 0; p < P; p++) masters.add(await cluster.masterFor(keys(ns).ticks(p)));
    expect(masters.size).toBeGreaterThan(1);

    const first = join(dir, 'first.jsonl.gz');
    expect(await record(ns, first)).toMatchObject({ count: 120, ticks: 120, markets: 12 });
    const target = `${cluster.ns}rp`;
    const rep = await runReplay({
      redisUrl: cluster.url,
      file: first,
      speed: 'max',
      ns: target,
      partitions: P,
      streamMaxlen: 10_000,
      tty: false,
      write: () => {},
      batchSize: 25,
    });
    expect(rep).toMatchObject({ ns: target, entries: 120, ticks: 120 });
    const again = join(dir, 'again.jsonl.gz');
    await record(target, again);
    expect(await contentOf(again)).toEqual(await contentOf(first));
  }, 60_000);

  it('record --follow tails every partition until stopped', async () => {
    const ns = `${cluster.ns}fo`;
    await addTicks(ns, 0, 30);
    const out = join(dir, 'follow.jsonl.gz');
    let stop: () => void = () => {};
    const stopSignal = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = record(ns, out, { follow: true, stopSignal });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await addTicks(ns, 30, 40);
    // Stopped at once: what the streams hold when it stops still goes into the recording.
    stop();
    const summary = await running;
    expect(summary).toMatchObject({ count: 70, ticks: 70 });
    const ids = (await contentOf(out)).map((l) => (JSON.parse(l) as { key: string }).key);
    expect(new Set(ids).size).toBe(70);
  }, 60_000);

  it('diff reads both intent streams', async () => {
    const [a, b] = [`${cluster.ns}da`, `${cluster.ns}db`];
    for (const ns of [a, b]) {
      for (let i = 0; i < (ns === a ? 4 : 3); i++) await redis.xadd(keys(ns).intents, '*', ...intentFields(ns, i));
    }
    const d = await runDiff(cluster.url, a, b);
    expect({ a: d.a, b: d.b, missing: d.missing.length, extra: d.extra.length, trimmed: d.trimmed }).toEqual({
      a: 4,
      b: 3,
      missing: 1,
      extra: 0,
      trimmed: [],
    });
  }, 60_000);
});
