// runScript: EVALSHA, and EVAL once when the server lacks the script (a new or restarted Redis).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luaScript, runScript, scriptCommand } from '../src/redis/scripts.js';
import { startRedis, type TestRedis } from '../src/testing/start-redis.js';

let r: TestRedis;
beforeAll(async () => {
  // Its own server: the test flushes the script cache.
  r = await startRedis({ own: true });
});
afterAll(async () => {
  await r?.stop();
});

describe('runScript', () => {
  it('loads a script the server does not have, then runs it by its SHA', async () => {
    const c = r.client();
    const echo = luaScript("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1] .. ':n')}");
    await c.script('FLUSH');
    expect(await c.script('EXISTS', echo.sha)).toEqual([0]);
    expect(await runScript(c, echo, [`${r.ns}:k`], ['a'])).toEqual([`${r.ns}:k`, 'a', 1]);
    // EVAL put it in the cache: the next call goes by EVALSHA alone.
    expect(await c.script('EXISTS', echo.sha)).toEqual([1]);
    expect(await runScript(c, echo, [`${r.ns}:k`], [2])).toEqual([`${r.ns}:k`, '2', 2]);
  });

  it('passes a script error through without running it a second time', async () => {
    const c = r.client();
    const failing = luaScript("redis.call('INCR', KEYS[1]); return redis.error_reply('NOPE on purpose')");
    await c.script('FLUSH');
    await expect(runScript(c, failing, [`${r.ns}:f`], [])).rejects.toThrow(/NOPE on purpose/);
    await expect(runScript(c, failing, [`${r.ns}:f`], [])).rejects.toThrow(/NOPE on purpose/);
    // Once by EVAL (after NOSCRIPT), once by EVALSHA: two runs, never a retry of a failed one.
    expect(await c.get(`${r.ns}:f`)).toBe('2');
  });
});

describe('scriptCommand', () => {
  it('runs a script on the client and in its pipelines, loading it on a server that lacks it', async () => {
    const c = r.client();
    await c.script('FLUSH');
    const incrBy = scriptCommand(c, 'polybotTestIncrBy', 1, "return redis.call('INCRBY', KEYS[1], ARGV[1])");
    // Defining it again on the same client is a no-op.
    expect(scriptCommand(c, 'polybotTestIncrBy', 1, 'return 0')).toBeTypeOf('function');
    expect(await incrBy(c, `${r.ns}:s`, 2)).toBe(2);
    const pipe = c.pipeline();
    incrBy(pipe, `${r.ns}:s`, 3);
    incrBy(pipe, `${r.ns}:s`, 4);
    expect(await pipe.exec()).toEqual([
      [null, 5],
      [null, 9],
    ]);
  });
});
