// The test harness itself, against real redis-server processes.
import { afterEach, describe, expect, it } from 'vitest';
import { keys } from '../src/redis/keys.js';
import { startRedis, type TestRedis } from '../src/testing/start-redis.js';

const started: TestRedis[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

async function own(opts: Parameters<typeof startRedis>[0] = {}): Promise<TestRedis> {
  const r = await startRedis({ own: true, ...opts });
  started.push(r);
  return r;
}

describe('startRedis', () => {
  it('spawns a redis-server on a free port with a random namespace', async () => {
    const a = await own();
    const b = await own();
    expect(a.mode).toBe('spawned');
    expect(a.port).not.toBe(b.port);
    expect(a.ns).not.toBe(b.ns);
    expect(a.ns).toMatch(/^t[0-9a-f]{10}$/);
    expect(await a.client().ping()).toBe('PONG');
  });

  it('restart() keeps data when AOF is on', async () => {
    const r = await own({ aof: true });
    const k = keys(r.ns);
    await r.client().xadd(k.ticks(0), '*', 'a', '1');
    await r.client().set(`${r.ns}:x`, 'kept');
    const pidBefore = r.pid;
    await r.restart();
    expect(r.pid).not.toBe(pidBefore);
    expect(await r.client().get(`${r.ns}:x`)).toBe('kept');
    expect(await r.client().xlen(k.ticks(0))).toBe(1);
  });

  it('restart() without AOF loses data (so the AOF test above means something)', async () => {
    const r = await own({ aof: false });
    await r.client().set(`${r.ns}:x`, 'gone');
    await r.restart();
    expect(await r.client().get(`${r.ns}:x`)).toBeNull();
  });

  it('kill() and start() leave a window where Redis is down', async () => {
    const r = await own({ aof: true });
    await r.client().set(`${r.ns}:x`, '1');
    await r.kill();
    await expect(r.client().ping()).rejects.toThrow();
    await r.start();
    expect(await r.client().get(`${r.ns}:x`)).toBe('1');
  });

  it('cleanup() removes only its own namespace, queue prefix included', async () => {
    const r = await own();
    const mine = keys(r.ns);
    const other = 'zother';
    await r.client().set(`${mine.ns}:a`, '1');
    await r.client().set(`${mine.bullPrefix}:${mine.ordersQueue}:id`, '1');
    await r.client().xadd(mine.ticks(2), '*', 'f', 'v');
    await r.client().set(`${other}:a`, '1');
    await r.cleanup();
    expect(await r.client().exists(`${mine.ns}:a`, `${mine.bullPrefix}:${mine.ordersQueue}:id`, mine.ticks(2))).toBe(0);
    expect(await r.client().get(`${other}:a`)).toBe('1');
  });

  it('with REDIS_URL it shares that server under a private namespace and refuses to kill it', async () => {
    const host = await own();
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = host.url;
    try {
      const shared = await startRedis();
      started.push(shared);
      expect(shared.mode).toBe('external');
      expect(shared.ns).not.toBe(host.ns);
      await host.client().set('unrelated', 'stays');
      await shared.client().set(`${shared.ns}:k`, 'v');
      await expect(shared.kill()).rejects.toThrow(/did not start/);
      await expect(shared.restart()).rejects.toThrow(/own: true/);
      await shared.stop();
      // stop() cleaned its namespace and nothing else
      expect(await host.client().exists(`${shared.ns}:k`)).toBe(0);
      expect(await host.client().get('unrelated')).toBe('stays');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
