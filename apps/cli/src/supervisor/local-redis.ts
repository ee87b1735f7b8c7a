// Starts a private redis-server for `polybot up` when no REDIS_URL is given: a free port, data under
// .polybot/redis (AOF on, noeviction), stopped with the session.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@polybot/shared';
import { Redis } from 'ioredis';

export const REDIS_MISSING_HELP = [
  'polybot: redis-server was not found on PATH and REDIS_URL is not set.',
  'Install Redis 7 or newer, then run npm start again:',
  '  Debian/Ubuntu: sudo apt-get install -y redis-server',
  '  macOS:         brew install redis',
  '  Docker:        docker run -d --name polybot-redis -p 6379:6379 redis:7 && export REDIS_URL=redis://127.0.0.1:6379',
].join('\n');

export function hasRedisServer(env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync('redis-server', ['--version'], { stdio: 'ignore', env });
  return r.error === undefined && r.status === 0;
}

export interface LocalRedis {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startLocalRedis(dataDir: string, port?: number): Promise<LocalRedis> {
  mkdirSync(dataDir, { recursive: true });
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(p),
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--logfile',
      join(dataDir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${p}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      break;
    } catch {
      c.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${p}; see ${join(dataDir, 'redis.log')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
