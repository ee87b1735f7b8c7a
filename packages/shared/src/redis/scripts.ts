// Lua scripts run with EVALSHA: the source goes over the wire once per Redis server (on NOSCRIPT), not with
// every call, and Redis does not hash it again each time.

import { createHash } from 'node:crypto';
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
