// The dashboard integration tests' set-up: dashboard servers on a free loopback port, wired to a test Redis
// (standalone or cluster) through clients the fixture opens and disconnects, serving a page from a temp dir.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisClient, type RedisClient, silentLogger, TickContract } from '@polybot/shared';
import { testTick } from '@polybot/shared/testing';
import { createDashboard, type Dashboard, type DashboardDeps } from '../../src/index.js';

export interface DashboardSetup {
  ns: string;
  partitions: number;
  /** Default false. */
  cluster?: boolean;
  token?: string;
  /** Default true. */
  controls?: boolean;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default none. */
  secrets?: readonly (string | undefined)[];
}

export interface StartedDashboard {
  d: Dashboard;
  base: string;
  /** Blocking connections the dashboard opened so far (its stream tail readers). */
  blocking: () => number;
}

export interface DashboardFixture {
  /** The page directory: index.html and the other files given. */
  readonly webDir: string;
  /** A client of `url`, errors ignored, disconnected by close(). */
  client(role: 'command' | 'blocking' | 'bullmq', name: string): RedisClient;
  /** What createDashboard gets for `setup` (status polled every 200 ms); blocking connections are counted. */
  deps(setup: DashboardSetup): { deps: DashboardDeps; blocking: () => number };
  /** A started dashboard on a free port, closed by close(). */
  start(setup: DashboardSetup): Promise<StartedDashboard>;
  /** Closes the dashboards, then disconnects the clients; the Redis is the caller's. */
  close(): Promise<void>;
}

export async function dashboardFixture(url: string, files: Record<string, string>): Promise<DashboardFixture> {
  const webDir = await mkdtemp(join(tmpdir(), 'polybot-dash-web-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(webDir, name), content);
  const opened: RedisClient[] = [];
  const dashboards: Dashboard[] = [];

  const client = (role: 'command' | 'blocking' | 'bullmq', name: string): RedisClient => {
    const c = createRedisClient(url, role, { name });
    c.on('error', () => {});
    opened.push(c);
    return c;
  };

  const deps = (setup: DashboardSetup) => {
    let blockingConnections = 0;
    const d: DashboardDeps = {
      ns: setup.ns,
      partitions: setup.partitions,
      redis: client('command', 'dash'),
      bullConnection: client('bullmq', 'dash-bull'),
      connectBlocking: (name) => {
        blockingConnections++;
        return client('blocking', name);
      },
      cluster: setup.cluster ?? false,
      logger: silentLogger(),
      host: setup.host ?? '127.0.0.1',
      port: 0,
      token: setup.token,
      controls: setup.controls ?? true,
      probes: [],
      webDir,
      secrets: setup.secrets ?? [],
      statusIntervalMs: 200,
    };
    return { deps: d, blocking: () => blockingConnections };
  };

  return {
    webDir,
    client,
    deps,
    async start(setup) {
      const { deps: dd, blocking } = deps(setup);
      const d = createDashboard(dd);
      dashboards.push(d);
      const base = await d.start();
      return { d, base, blocking };
    },
    async close() {
      await Promise.allSettled(dashboards.map((d) => d.close()));
      for (const c of opened) c.disconnect();
    },
  };
}

/** XADD arguments of a test tick of `market` at `yes` micro-units, emitted now. */
export function tickArgs(market: string, yes: number): string[] {
  return TickContract.toArgs(testTick(market, yes, Date.now()));
}
