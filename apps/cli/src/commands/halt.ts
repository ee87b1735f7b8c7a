// `polybot halt` / `polybot resume`: the halt switch read atomically by the risk gate (and the executor's
// dead-man switch). Halting blocks new intents; orders already queued still complete.

import { createRedisClient, keys } from '@polybot/shared';

export async function setHalt(redisUrl: string, ns: string, on: boolean, reason: string): Promise<boolean> {
  const redis = createRedisClient(redisUrl, 'command', {
    name: on ? 'cli-halt' : 'cli-resume',
    ...(process.env.REDIS_CLUSTER_NODES ? { clusterNodes: process.env.REDIS_CLUSTER_NODES } : {}),
  });
  redis.on('error', () => {});
  try {
    const k = keys(ns);
    if (on) {
      await redis.set(k.halt, JSON.stringify({ reason, at: new Date().toISOString() }));
      return true;
    }
    return (await redis.del(k.halt)) === 1;
  } finally {
    redis.disconnect();
  }
}
