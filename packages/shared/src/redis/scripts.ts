// Lua scripts run with EVALSHA: the source goes over the wire once per Redis server (on NOSCRIPT), not with
// every call, and Redis does not hash it again each time.

import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connection.js';

/** A Lua script with its SHA1, run with EVALSHA and loaded on NOSCRIPT. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** EVALSHA, then EVAL once when the server does not have the script (a new or restarted Redis). */
export async function runScript(
  redis: RedisClient,
  script: LuaScript,
  keyList: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keyList.length, ...keyList, ...args);
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    return redis.eval(script.source, keyList.length, ...keyList, ...args);
  }
}

type ScriptArg = string | number;

/**
 * A Lua script as an ioredis command on `redis` (defined once per client, under `name`): EVALSHA, with the
 * source sent once per connection, in pipelines too (where runScript cannot fall back). Returns a caller
 * that runs it on the client (a promise of the reply) or queues it on one of the client's pipelines.
 */
export function scriptCommand(
  redis: RedisClient,
  name: string,
  numberOfKeys: number,
  lua: string,
): (on: RedisClient | ChainableCommander, ...args: ScriptArg[]) => unknown {
  if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
    redis.defineCommand(name, { numberOfKeys, lua });
  }
  return (on, ...args) => {
    const run = (on as unknown as Record<string, ((...a: ScriptArg[]) => unknown) | undefined>)[name];
    if (run === undefined) throw new Error(`script command ${name} is not defined on this client or pipeline`);
    return run.call(on, ...args);
  };
}
