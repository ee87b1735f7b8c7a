// `polybot halt` / `polybot resume`: the halt switch read atomically by the risk gate (and the executor's
// dead-man switch). Halting blocks new intents; orders already queued still complete.

import { clearHaltSwitch, createRedisClient, setHaltSwitch } from '@polybot/shared';

export async function setHalt(redisUrl: string, ns: string, on: boolean, reason: string): Promise<boolean> {
  const redis = createRedisClient(redisUrl, 'command', {
    name: on ? 'cli-halt' : 'cli-resume',
    ...(process.env.REDIS_CLUSTER_NODES ? { clusterNodes: process.env.REDIS_CLUSTER_NODES } : {}),
  });
  redis.on('error', () => {});
  try {
    if (on) {
      await setHaltSwitch(redis, ns, reason, new Date());
      return true;
    }
    return await clearHaltSwitch(redis, ns);
  } finally {
    redis.disconnect();
  }
}
