// POLYBOT_PARTITIONS is fixed per namespace: recorded by the first start, compared by every later one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../src/redis/keys.js';
import { ensurePartitions, PartitionsMismatchError } from '../src/redis/partitions-guard.js';
import { startRedis, type TestRedis } from '../src/testing/start-redis.js';

let r: TestRedis;
beforeAll(async () => {
  r = await startRedis();
});
afterAll(async () => {
  await r?.stop();
});

describe('ensurePartitions', () => {
  it('records the count on first start, accepts it again, refuses another one and keeps the first', async () => {
    const ns = `${r.ns}a`;
    const redis = r.client();
    expect(await ensurePartitions(redis, ns, 8)).toEqual({ recorded: 8, created: true });
    expect(await redis.hget(keys(ns).meta, 'partitions')).toBe('8');
    expect(await ensurePartitions(redis, ns, 8)).toEqual({ recorded: 8, created: false });
    const err = await ensurePartitions(redis, ns, 16).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartitionsMismatchError);
    expect((err as PartitionsMismatchError).recorded).toBe('8');
    expect((err as PartitionsMismatchError).configured).toBe(16);
    expect(await redis.hget(keys(ns).meta, 'partitions')).toBe('8');
  });

  it('a reader (record: false) never fixes the count of a namespace nobody started, but is refused a wrong one', async () => {
    const ns = `${r.ns}b`;
    const redis = r.client();
    expect(await ensurePartitions(redis, ns, 4, { record: false })).toEqual({ recorded: undefined, created: false });
    expect(await redis.hget(keys(ns).meta, 'partitions')).toBeNull();
    await ensurePartitions(redis, ns, 4);
    await expect(ensurePartitions(redis, ns, 5, { record: false })).rejects.toBeInstanceOf(PartitionsMismatchError);
  });

  it('two first starts at once with different counts: exactly one wins, the other is refused', async () => {
    const ns = `${r.ns}c`;
    const redis = r.client();
    const results = await Promise.allSettled([ensurePartitions(redis, ns, 8), ensurePartitions(redis, ns, 16)]);
    const won = results.filter((x) => x.status === 'fulfilled');
    const lost = results.filter((x) => x.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(PartitionsMismatchError);
    expect(await redis.hget(keys(ns).meta, 'partitions')).toBe(
      String((won[0] as PromiseFulfilledResult<{ recorded: number }>).value.recorded),
    );
  });
});
