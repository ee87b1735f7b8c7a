export { freePort } from './free-port.js';
export {
  REDIS_INSTALL_HELP,
  randomNamespace,
  redisServerAvailable,
  type StartRedisOptions,
  startRedis,
  type TestRedis,
} from './start-redis.js';
export { startRedisCluster, startRedisSentinel, type TestCluster, type TestSentinel } from './start-topologies.js';
export { testTick } from './ticks.js';
