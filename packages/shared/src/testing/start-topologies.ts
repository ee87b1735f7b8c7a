// Harness for Redis Cluster and Sentinel tests: real redis-server processes on free ports, created the way
// operators do it (redis-cli --cluster create; sentinel monitor), stopped and removed by stop().

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { PolybotError } from '../errors/polybot-error.js';
import { freePort, portAvailable } from './free-port.js';
import { randomNamespace } from './start-redis.js';

/**
 * A free port for a cluster node whose cluster bus port (port + 10000) is free too and is not the client or
 * bus port of a node already chosen.
 */
async function clusterNodePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    const clash = [port, port + 10_000].some((p) => taken.has(p) || taken.has(p - 10_000));
    if (!clash && port + 10_000 <= 65_535 && (await portAvailable('127.0.0.1', port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
}

interface Proc {
  port: number;
  child: ChildProcess;
}

async function waitPing(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      return;
    } catch (err) {
      c.disconnect();
      if (Date.now() > deadline)
        throw new PolybotError('REDIS_UNAVAILABLE', `port ${port} did not answer`, { cause: err });
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

function spawnServer(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  process.once('exit', () => child.kill('SIGKILL'));
  return child;
}

async function killProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.kill('SIGKILL');
  await gone;
}

async function nodeInfo(port: number): Promise<{ nodes: string; replication: string } | undefined> {
  const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, lazyConnect: true });
  c.on('error', () => {});
  try {
    await c.connect();
    const [nodes, replication] = await Promise.all([c.cluster('NODES'), c.info('replication')]);
    return { nodes: String(nodes), replication: String(replication) };
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

/**
 * Why a node is not settled yet, or undefined when it is: every node sees the whole cluster with no failed or
 * handshaking node and `masters × replicas` replicas; a master has all its replicas `state=online`; a replica
 * has its link up and no sync in progress. A replica that has not finished its initial sync cannot take
 * over (cluster-replica-validity-factor), so a failover test that kills a master before this races.
 */
export function clusterNodeUnsettled(
  info: { nodes: string; replication: string },
  total: number,
  replicasPerMaster: number,
): string | undefined {
  const lines = info.nodes.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== total) return `knows ${lines.length} of ${total} nodes`;
  const flags = lines.map((l) => (l.split(' ')[2] ?? '').split(','));
  if (flags.some((f) => f.some((x) => x === 'fail' || x === 'fail?' || x === 'handshake' || x === 'noaddr')))
    return 'a node is failing or handshaking';
  const masters = total / (1 + replicasPerMaster);
  const replicaCount = flags.filter((f) => f.includes('slave')).length;
  if (replicaCount !== masters * replicasPerMaster) return `sees ${replicaCount} replicas`;
  const role = /^role:(\w+)/m.exec(info.replication)?.[1];
  if (role === 'master') {
    const online = [...info.replication.matchAll(/^slave\d+:[^\r\n]*state=online/gm)].length;
    if (online !== replicasPerMaster) return `master has ${online} of ${replicasPerMaster} replicas online`;
  } else if (role === 'slave') {
    if (!/^master_link_status:up/m.test(info.replication)) return 'replica link down';
    if (!/^master_sync_in_progress:0/m.test(info.replication)) return 'replica still syncing';
  } else return 'no role';
  return undefined;
}

async function waitReplicasInSync(
  ports: number[],
  masters: number,
  replicasPerMaster: number,
  deadline: number,
): Promise<void> {
  const total = masters * (1 + replicasPerMaster);
  for (const port of ports) {
    for (;;) {
      const info = await nodeInfo(port);
      const why = info ? clusterNodeUnsettled(info, total, replicasPerMaster) : 'not answering';
      if (why === undefined) break;
      if (Date.now() > deadline)
        throw new PolybotError('REDIS_UNAVAILABLE', `cluster node ${port} did not settle: ${why}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface TestCluster {
  url: string;
  ns: string;
  ports: number[];
  /** Kills the node on `port` (SIGKILL), like a crashed master. */
  killNode(port: number): Promise<void>;
  /** Port of the master that serves `key`. */
  masterFor(key: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `masters` masters (+ `replicasPerMaster` replicas each) and creates the cluster. `aof` (default true:
 * appendfsync always, what failover tests want) off gives nodes configured like `startRedis()`'s default
 * server, for benchmarks that compare the two.
 */
export async function startRedisCluster(
  opts: { masters?: number; replicasPerMaster?: number; aof?: boolean } = {},
): Promise<TestCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 0;
  const dir = await mkdtemp(join(tmpdir(), 'polybot-cluster-'));
  const procs: Proc[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < masters * (1 + replicas); i++) {
    const port = await clusterNodePort(taken);
    const d = join(dir, String(port));
    await mkdir(d);
    const child = spawnServer([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      d,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '1000',
      ...(opts.aof === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always']),
      '--save',
      '',
      '--protected-mode',
      'no',
      '--daemonize',
      'no',
    ]);
    procs.push({ port, child });
  }
  await Promise.all(procs.map((p) => waitPing(p.port)));
  const create = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...procs.map((p) => `127.0.0.1:${p.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (create.status !== 0) {
    await Promise.all(procs.map(killProc));
    throw new PolybotError('REDIS_UNAVAILABLE', `redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  }
  // Wait until every node agrees the cluster is ok, then until every replica is online and in sync.
  const deadline = Date.now() + 60_000;
  for (const p of procs) {
    for (;;) {
      const c = new Redis(p.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      const info = await c.cluster('INFO').catch(() => '');
      c.disconnect();
      if (String(info).includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new PolybotError('REDIS_UNAVAILABLE', 'cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await waitReplicasInSync(
    procs.map((p) => p.port),
    masters,
    replicas,
    deadline,
  );
  let stopping: Promise<void> | undefined;
  return {
    url: `redis+cluster://${procs.map((p) => `127.0.0.1:${p.port}`).join(',')}`,
    ns: randomNamespace(),
    ports: procs.map((p) => p.port),
    async killNode(port) {
      const p = procs.find((x) => x.port === port);
      if (p) await killProc(p);
    },
    async masterFor(key) {
      for (const p of procs) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
        const c = new Redis(p.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
        c.on('error', () => {});
        try {
          const slot = Number(await c.cluster('KEYSLOT', key));
          const slots = await c.cluster('SLOTS');
          for (const [from, to, master] of slots) if (master && slot >= from && slot <= to) return master[1];
        } finally {
          c.disconnect();
        }
      }
      throw new Error('no live node answered');
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(procs.map(killProc));
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

export interface TestSentinel {
  url: string;
  ns: string;
  masterName: string;
  masterPort(): Promise<number>;
  /** Kills the current master (SIGKILL); the sentinels promote the replica. */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

/** One master, one replica and three sentinels (quorum 2). */
export async function startRedisSentinel(): Promise<TestSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'polybot-sentinel-'));
  const name = 'polybotmaster';
  const procs: Proc[] = [];
  const serverArgs = (port: number, d: string) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    d,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--protected-mode',
    'no',
    '--daemonize',
    'no',
  ];
  const masterPort = await freePort();
  await mkdir(join(dir, 'm'));
  procs.push({ port: masterPort, child: spawnServer(serverArgs(masterPort, join(dir, 'm'))) });
  await waitPing(masterPort);
  const replicaPort = await freePort();
  await mkdir(join(dir, 'r'));
  procs.push({
    port: replicaPort,
    child: spawnServer([...serverArgs(replicaPort, join(dir, 'r')), '--replicaof', '127.0.0.1', String(masterPort)]),
  });
  await waitPing(replicaPort);
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    procs.push({ port, child: spawnServer([conf, '--sentinel']) });
    sentinelPorts.push(port);
  }
  await Promise.all(sentinelPorts.map((p) => waitPing(p)));
  const currentMaster = async (): Promise<number> => {
    for (const sp of sentinelPorts) {
      const c = new Redis(sp, '127.0.0.1', { maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      try {
        const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string] | null;
        if (addr) return Number(addr[1]);
      } catch {
        // try the next sentinel
      } finally {
        c.disconnect();
      }
    }
    throw new Error('no sentinel knows the master');
  };
  let stopping: Promise<void> | undefined;
  return {
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}?name=${name}`,
    ns: randomNamespace(),
    masterName: name,
    masterPort: currentMaster,
    async killMaster() {
      const port = await currentMaster();
      const p = procs.find((x) => x.port === port);
      if (p) await killProc(p);
      return port;
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(procs.map(killProc));
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
