import { startRedis } from '@polybot/shared/testing';
import { sleep } from './dist/lib/procs.js';
import { startSim, startStack } from './dist/lib/stack.js';

const dir = '/tmp/pp';
const redis = await startRedis();
const sim = await startSim(1000);
const t0 = Date.now();
const stack = await startStack({
  redisUrl: redis.url,
  sim,
  workers: 2,
  params: { n: 10, size: '5', stagger: true },
  execArgv: (name) => ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`],
});
await sleep(20000);
await stack.stop();
await sim.close();
await redis.stop?.();
await redis.close?.();
console.log('done', Date.now() - t0);
process.exit(0);
