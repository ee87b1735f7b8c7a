// `polybot up`: the whole bot on one machine. Redis (REDIS_URL or a local redis-server under .polybot/),
// the venue (POLYSIM_BASE_URL + POLYSIM_API_KEY, or the embedded simulator), then ingestor, strategy ×N
// and executor as child processes, and the web dashboard; a live status panel; Ctrl-C stops everything in order.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  assertBindAllowed,
  BindRefusedError,
  ConfigError,
  collectStatus,
  createLogger,
  createRedisClient,
  ensurePartitions,
  freePort,
  isLoopbackHost,
  keys,
  type Logger,
  loadConfig,
  portAvailable,
  type RedisClient,
  renderStatus,
} from '@polybot/shared';
import { Queue } from 'bullmq';
import logUpdate from 'log-update';
import { type AppName, appEntry, missingBuilds, repoRoot } from '../paths.js';
import { hasRedisServer, type LocalRedis, REDIS_MISSING_HELP, startLocalRedis } from '../supervisor/local-redis.js';
import { createLineFormatter } from '../supervisor/log-lines.js';
import { type ChildSpec, Supervisor } from '../supervisor/supervisor.js';

export interface UpOptions {
  workers: number;
  json: boolean;
  /** Show every child log line (default: warnings and errors only while the panel is shown). */
  logs: boolean;
  /** Stop by itself after this many seconds (0 = run until Ctrl-C). */
  duration: number;
  /** Seconds to wait for every /readyz. */
  readyTimeout: number;
  /** Build when dist/ is missing (default true). */
  build: boolean;
  /** Where a local redis-server keeps its data (default .polybot/redis under the repository). */
  dataDir?: string;
  /** Serve the web dashboard (default DASHBOARD_ENABLED, true). */
  dashboard?: boolean;
  /** Dashboard port (default DASHBOARD_PORT, 7070; 0 = a free port). */
  dashboardPort?: number;
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

export async function runUp(opts: UpOptions): Promise<number> {
  const env = opts.env;
  const cfg = loadConfig(env);
  const log: Logger = createLogger({ name: 'up', level: cfg.LOG_LEVEL });
  const write = (s: string) => opts.out.write(`${s}\n`);
  const tty = Boolean(opts.out.isTTY) && !opts.json;
  const root = repoRoot();

  const dashboard = opts.dashboard ?? cfg.DASHBOARD_ENABLED;
  if (dashboard) {
    try {
      assertBindAllowed(cfg.DASHBOARD_HOST, cfg.DASHBOARD_TOKEN);
    } catch (err) {
      if (!(err instanceof BindRefusedError)) throw err;
      opts.err.write(`polybot: ${err.message}\n`);
      return 2;
    }
    const port = opts.dashboardPort ?? cfg.DASHBOARD_PORT;
    if (port !== 0 && !(await portAvailable(cfg.DASHBOARD_HOST, port))) {
      opts.err.write(
        `polybot: the dashboard port ${cfg.DASHBOARD_HOST}:${port} is in use: set --dashboard-port (0 = any free port) or --no-dashboard\n`,
      );
      return 1;
    }
  }

  if (!env.REDIS_URL && !hasRedisServer(env)) {
    opts.err.write(`${REDIS_MISSING_HELP}\n`);
    return 1;
  }
  const missing = missingBuilds(root);
  if (missing.length > 0) {
    if (!opts.build) {
      opts.err.write(`polybot: not built (${missing.join(', ')}); run npm run build\n`);
      return 1;
    }
    write(`building ${missing.join(', ')} …`);
    const r = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) return 1;
  }

  let localRedis: LocalRedis | undefined;
  let redisUrl = env.REDIS_URL;
  if (!redisUrl) {
    const dataDir = opts.dataDir ?? join(root, '.polybot', 'redis');
    localRedis = await startLocalRedis(dataDir);
    redisUrl = localRedis.url;
    write(`redis      ${redisUrl} (local, data in ${dataDir}, AOF on)`);
  } else {
    write('redis      REDIS_URL');
  }

  // Refuse before starting anything when POLYBOT_PARTITIONS is not the namespace's own.
  const refusal = await checkPartitions(redisUrl, cfg.POLYBOT_NS, cfg.POLYBOT_PARTITIONS, cfg.REDIS_CLUSTER_NODES, log);
  if (refusal) {
    opts.err.write(`polybot: ${refusal}\n`);
    await localRedis?.stop();
    return 2;
  }

  const format = createLineFormatter({ json: opts.json, color: tty });
  let panelLines: string[] = [];
  const emit = (text: string) => {
    if (tty && panelLines.length > 0) logUpdate.clear();
    write(text);
    if (tty && panelLines.length > 0) logUpdate(panelLines.join('\n'));
  };
  const showLine = (name: string, line: string) => {
    if (!opts.logs && !opts.json && panelShown) {
      const m = /"level":(\d+)/.exec(line);
      if (m && Number(m[1]) < (LEVELS.warn ?? 40)) return;
    }
    emit(format(name, line));
  };
  let panelShown = false;
  const supervisor = new Supervisor({ logger: log, onLine: (name, line) => showLine(name, line) });

  const apiKey = env.POLYSIM_API_KEY ?? `ps_test_${randomBytes(32).toString('hex')}`;
  let baseUrl = env.POLYSIM_BASE_URL;
  const ns = cfg.POLYBOT_NS;
  const common: Record<string, string> = {
    PATH: env.PATH ?? '',
    HOME: env.HOME ?? '',
    NODE_ENV: env.NODE_ENV ?? 'production',
    LOG_LEVEL: cfg.LOG_LEVEL,
    REDIS_URL: redisUrl,
    POLYBOT_NS: ns,
    POLYBOT_PARTITIONS: String(cfg.POLYBOT_PARTITIONS),
  };
  // Pass through every polybot variable the user set (strategy params, risk limits, …).
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && /^(POLYBOT_|STRATEGY|RISK_|EXECUTOR_|INGEST_|STREAM_|LEASE_|VENUE_|SIM_)/.test(k))
      common[k] = v;
  }
  const node = process.execPath;
  const spec = (
    name: string,
    app: AppName,
    stopGroup: number,
    port: number,
    extra: Record<string, string>,
  ): ChildSpec => ({
    name,
    stopGroup,
    command: node,
    args: [appEntry(app, root)],
    env: { ...common, METRICS_PORT: String(port), ...extra },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });

  try {
    if (!baseUrl || !env.POLYSIM_API_KEY) {
      const simPort = Number(env.SIM_PORT ?? 0) || (await freePort());
      baseUrl = `http://127.0.0.1:${simPort}`;
      supervisor.start({
        name: 'simulator',
        stopGroup: 9,
        command: node,
        args: [appEntry('simulator', root)],
        env: { ...common, SIM_PORT: String(simPort), SIM_DEV_MODE: 'true', SIM_HOST: '127.0.0.1' },
        readyUrl: `${baseUrl}/v1/health`,
      });
      await supervisor.waitReady(opts.readyTimeout * 1000, ['simulator']);
      write(`venue      ${baseUrl} (embedded simulator, dev key)`);
    } else {
      write(`venue      ${baseUrl}`);
    }
    const venueEnv = { POLYSIM_BASE_URL: baseUrl, POLYSIM_API_KEY: apiKey };
    supervisor.start(spec('ingestor', 'ingestor', 1, await freePort(), venueEnv));
    for (let i = 1; i <= opts.workers; i++) {
      const name = `strategy-${i}`;
      supervisor.start(spec(name, 'strategy', 2, await freePort(), {}));
    }
    supervisor.start(spec('executor', 'executor', 3, await freePort(), venueEnv));
    let dashboardUrl: string | undefined;
    if (dashboard) {
      const requested = opts.dashboardPort ?? cfg.DASHBOARD_PORT;
      const port = requested === 0 ? await freePort() : requested;
      const host = cfg.DASHBOARD_HOST;
      const local = isLoopbackHost(host) || host === '0.0.0.0' || host === '::';
      const origin = `http://${local ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
      // The dashboard shows the other children's /readyz; it gets no venue key (it never talks to the venue).
      const probes = supervisor.children.map((c) => `${c.spec.name}=${c.spec.readyUrl}`).join(',');
      supervisor.start({
        name: 'dashboard',
        stopGroup: 8,
        command: node,
        args: [appEntry('dashboard', root)],
        env: {
          ...common,
          DASHBOARD_HOST: host,
          DASHBOARD_PORT: String(port),
          DASHBOARD_CONTROLS: String(cfg.DASHBOARD_CONTROLS),
          DASHBOARD_PROCESSES: probes,
          ...(cfg.DASHBOARD_TOKEN ? { DASHBOARD_TOKEN: cfg.DASHBOARD_TOKEN } : {}),
          ...(cfg.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: cfg.REDIS_CLUSTER_NODES } : {}),
        },
        readyUrl: `${origin}/readyz`,
      });
      dashboardUrl = origin;
    }
    await supervisor.waitReady(opts.readyTimeout * 1000);
    if (dashboardUrl) write(`dashboard  ${dashboardUrl}`);
    const pids = supervisor.children.map((c) => `${c.spec.name}(pid ${c.pid})`);
    write(`ready      ${pids.join(', ')} · namespace ${ns} · Ctrl-C to stop`);
  } catch (err) {
    write(`polybot: start-up failed: ${(err as Error).message}`);
    await supervisor.stopAll();
    await localRedis?.stop();
    return 1;
  }

  const redis: RedisClient = createRedisClient(redisUrl, 'command', {
    name: 'cli-up',
    ...(cfg.REDIS_CLUSTER_NODES ? { clusterNodes: cfg.REDIS_CLUSTER_NODES } : {}),
  });
  redis.on('error', () => {});
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (opts.duration > 0) setTimeout(onSignal, opts.duration * 1000).unref();
  });

  panelShown = true;
  const refresh = async () => {
    try {
      await supervisor.probe();
      const s = await collectStatus({ redis, ns, partitions: cfg.POLYBOT_PARTITIONS });
      const procs = supervisor.children
        .map((c) => `${c.spec.name}:${c.state}${c.restarts > 0 ? `(${c.restarts}↻)` : ''}`)
        .join(' ');
      panelLines = [...renderStatus(s), `processes ${procs}`];
      if (tty) logUpdate(panelLines.join('\n'));
      else if (!opts.json) write(panelLines.join('\n'));
    } catch (err) {
      log.debug({ err }, 'status refresh failed');
    }
  };
  await refresh();
  const timer = setInterval(refresh, tty ? 1000 : 10_000);
  await stopped;
  clearInterval(timer);
  if (tty) logUpdate.done();
  write('stopping: ingestor first, then strategy and executor drain …');
  // Once the strategies are gone no job is added: let the executor place (or reject) what is queued,
  // so every intent of the session ends with its terminal event.
  await supervisor.stopAll(async (group) => {
    if (group === 2) await drainOrders(redis, ns, 20_000, write);
  });
  try {
    const s = await collectStatus({ redis, ns, partitions: cfg.POLYBOT_PARTITIONS });
    write('session summary');
    for (const line of renderStatus(s)) write(`  ${line}`);
    const restarts = supervisor.children.filter((c) => c.restarts > 0);
    if (restarts.length > 0) write(`  restarts  ${restarts.map((c) => `${c.spec.name} ×${c.restarts}`).join(', ')}`);
  } catch (err) {
    write(`could not read the session summary: ${(err as Error).message}`);
  }
  redis.disconnect();
  await localRedis?.stop();
  return 0;
}

/**
 * The refusal line when POLYBOT_PARTITIONS differs from the namespace's (recording it on first start). An
 * unreachable Redis is not a refusal: the apps wait for it and check when they connect.
 */
async function checkPartitions(
  url: string,
  ns: string,
  partitions: number,
  clusterNodes: string | undefined,
  log: Logger,
): Promise<string | undefined> {
  const redis = createRedisClient(url, 'command', { name: 'cli-up', ...(clusterNodes ? { clusterNodes } : {}) });
  redis.on('error', () => {});
  try {
    await ensurePartitions(redis, ns, partitions);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    log.warn({ err }, 'partition count not checked: Redis unreachable (the apps check it when they connect)');
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Waits until the orders queue has no waiting, delayed or active job, or the timeout passes. */
async function drainOrders(
  redis: RedisClient,
  ns: string,
  timeoutMs: number,
  write: (s: string) => void,
): Promise<void> {
  const k = keys(ns);
  const queue = new Queue(k.ordersQueue, { connection: redis, prefix: k.bullPrefix });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      const left = (c.waiting ?? 0) + (c.delayed ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0);
      if (left === 0) return;
      if (Date.now() > deadline) {
        write(`executor stopped with ${left} order job(s) still queued; they run on the next start`);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    write(`could not watch the order queue drain: ${(err as Error).message}`);
  } finally {
    await queue.close().catch(() => {});
  }
}
