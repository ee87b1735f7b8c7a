// Test harness: a real Redis for integration tests, isolated by a random namespace.
// Order of preference: REDIS_URL (shared server, private namespace) → a redis-server we spawn on a free port
// in a temp dir → testcontainers when a Docker engine is reachable → a clear error on how to install Redis.
// It never runs FLUSHALL on a server it did not start.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { PolybotError } from '../errors/polybot-error.js';
import { keys } from '../redis/keys.js';
import { freePort } from './free-port.js';

export interface StartRedisOptions {
  /** Turn AOF on (appendfsync always), so restart() keeps data. Implies a server we start ourselves. */
  aof?: boolean;
  /** Ignore REDIS_URL: the test needs to stop or restart its own server. */
  own?: boolean;
  /** Namespace to use; default a random one. */
  ns?: string;
}

export interface TestRedis {
  readonly url: string;
  readonly ns: string;
  readonly port: number;
  readonly mode: 'external' | 'spawned' | 'container';
  /** Pid of the spawned redis-server (undefined for external or container). */
  readonly pid: number | undefined;
  /** A command connection, created on first use and closed by stop(). */
  client(): Redis;
  /** Stops the server (SIGKILL by default, like a crash) and starts it again on the same port and data. */
  restart(opts?: { graceful?: boolean; downMs?: number }): Promise<void>;
  /** Kills the server without restarting it (the test restarts it later with start()). */
  kill(): Promise<void>;
  /** Starts a killed server again on the same port and data. */
  start(): Promise<void>;
  /** Deletes every key of this namespace. */
  cleanup(): Promise<void>;
  /** Cleans up, closes the client and stops anything we started. Idempotent. */
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HELP = [
  'redis-server was not found on PATH, REDIS_URL is not set and no Docker engine is reachable.',
  'Install Redis 7 or newer:',
  '  Debian/Ubuntu: sudo apt-get install -y redis-server',
  '  macOS:         brew install redis',
  '  Docker:        docker run -d -p 6379:6379 redis:7  (then REDIS_URL=redis://127.0.0.1:6379)',
].join('\n');

export function randomNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export function redisServerAvailable(bin = 'redis-server'): boolean {
  const r = spawnSync(bin, ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      // A server still loading its AOF answers LOADING; wait until it serves commands.
      await c.ping();
      c.disconnect();
      return;
    } catch (err) {
      lastErr = err;
      c.disconnect();
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new PolybotError('REDIS_UNAVAILABLE', `redis did not answer within ${timeoutMs} ms`, { cause: lastErr });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
}

async function cleanupNamespace(client: Redis, ns: string): Promise<void> {
  for (const pattern of keys(ns).patterns) {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await client.unlink(...found);
    } while (cursor !== '0');
  }
}

function makeHandle(base: {
  url: string;
  ns: string;
  port: number;
  mode: TestRedis['mode'];
  pid: () => number | undefined;
  kill: () => Promise<void>;
  start: () => Promise<void>;
  teardown: () => Promise<void>;
  ownsServer: boolean;
}): TestRedis {
  let client: Redis | undefined;
  let stopping: Promise<void> | undefined;
  const handle: TestRedis = {
    url: base.url,
    ns: base.ns,
    port: base.port,
    mode: base.mode,
    get pid() {
      return base.pid();
    },
    client() {
      if (!client) {
        client = new Redis(base.url, { maxRetriesPerRequest: 3, retryStrategy: (n) => Math.min(50 * n, 500) });
        client.on('error', () => {});
      }
      return client;
    },
    async kill() {
      await base.kill();
    },
    async start() {
      await base.start();
    },
    async restart(opts = {}) {
      if (base.mode === 'external') {
        throw new PolybotError(
          'REDIS_UNAVAILABLE',
          'restart() needs a server the test started: use startRedis({ own: true })',
        );
      }
      if (opts.graceful)
        await handle
          .client()
          .call('SHUTDOWN')
          .catch(() => {});
      await base.kill();
      if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
      await base.start();
    },
    async cleanup() {
      await cleanupNamespace(handle.client(), base.ns);
    },
    stop() {
      stopping ??= (async () => {
        try {
          if (!base.ownsServer) await handle.cleanup();
        } catch {
          // The server may already be gone; nothing left to clean.
        }
        client?.disconnect();
        await base.teardown();
      })();
      return stopping;
    },
  };
  return handle;
}

async function spawnRedis(opts: StartRedisOptions, ns: string): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'polybot-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  const args = () => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.aof ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--protected-mode',
    'no',
    '--loglevel',
    'warning',
    '--daemonize',
    'no',
  ];
  const start = async () => {
    for (let attempt = 0; ; attempt++) {
      const c = spawn('redis-server', args(), { stdio: ['ignore', 'ignore', 'pipe'] });
      trackChild(c);
      const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
      try {
        await Promise.race([
          waitForPing(`redis://127.0.0.1:${port}`, 10_000),
          exited.then((code) => {
            throw new PolybotError('REDIS_UNAVAILABLE', `redis-server exited with code ${code}`);
          }),
        ]);
        child = c;
        return;
      } catch (err) {
        c.kill('SIGKILL');
        // The port may have been taken between freePort() and bind; on a first start, try another.
        if (attempt >= 3 || child !== undefined) throw err;
        port = await freePort();
      }
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await gone;
  };
  await start();
  return makeHandle({
    url: `redis://127.0.0.1:${port}`,
    ns,
    port,
    mode: 'spawned',
    pid: () => child?.pid,
    kill,
    start: async () => {
      if (child && child.exitCode === null && child.signalCode === null) return;
      await start();
    },
    teardown: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
    ownsServer: true,
  });
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function containerRedis(ns: string): Promise<TestRedis> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine')
    .withCommand(['redis-server', '--appendonly', 'yes'])
    .start();
  const url = container.getConnectionUrl();
  const port = container.getPort();
  let up = true;
  return makeHandle({
    url,
    ns,
    port,
    mode: 'container',
    pid: () => undefined,
    kill: async () => {
      if (up) await container.stop({ remove: false, timeout: 0 });
      up = false;
    },
    start: async () => {
      if (!up) await container.restart();
      up = true;
    },
    teardown: async () => {
      await container.stop({ remove: true, timeout: 0 });
    },
    ownsServer: true,
  });
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  const ns = opts.ns ?? randomNamespace();
  const external = process.env.REDIS_URL;
  if (external && !opts.aof && !opts.own) {
    const c = new Redis(external, { lazyConnect: true, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    await c.connect();
    c.disconnect();
    const port = Number(new URL(external).port || 6379);
    return makeHandle({
      url: external,
      ns,
      port,
      mode: 'external',
      pid: () => undefined,
      kill: async () => {
        throw new PolybotError('REDIS_UNAVAILABLE', 'cannot kill a Redis the test did not start');
      },
      start: async () => {},
      teardown: async () => {},
      ownsServer: false,
    });
  }
  if (redisServerAvailable()) return spawnRedis(opts, ns);
  if (dockerReachable()) {
    try {
      return await containerRedis(ns);
    } catch (err) {
      throw new PolybotError(
        'REDIS_NOT_INSTALLED',
        `${REDIS_INSTALL_HELP}\n(Docker was found but failed: ${String(err)})`,
      );
    }
  }
  throw new PolybotError('REDIS_NOT_INSTALLED', REDIS_INSTALL_HELP);
}
