// REDIS_URL topologies: one node (redis://, rediss://), a cluster (redis+cluster://h1:p1,h2:p2 or
// REDIS_CLUSTER_NODES) and Sentinel (redis+sentinel://h1:p1,h2:p2?name=mymaster). Parsing only: the
// connections themselves are ioredis `Redis` / `Cluster`, nothing hand-rolled.

import { ConfigError } from '../errors/polybot-error.js';

export interface HostPort {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string; tls: boolean }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      name: string;
      username?: string;
      password?: string;
      db: number;
      tls: boolean;
    };

function hostPorts(list: string, variable: string, defaultPort: number): HostPort[] {
  const out: HostPort[] = [];
  for (const part of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(part);
    if (!m) throw new ConfigError(variable, `invalid ${variable}: "${part.slice(0, 60)}" is not host:port`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (port < 1 || port > 65535) throw new ConfigError(variable, `invalid ${variable}: port out of range`);
    out.push({ host: (m[1] as string).replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new ConfigError(variable, `invalid ${variable}: no host:port given`);
  return out;
}

/** Parses a REDIS_URL (and REDIS_CLUSTER_NODES). Errors name the variable, never echo a password. */
export function parseRedisTopology(url: string, clusterNodes?: string): RedisTopology {
  if (clusterNodes && clusterNodes.trim() !== '') {
    return { kind: 'cluster', nodes: hostPorts(clusterNodes, 'REDIS_CLUSTER_NODES', 6379), tls: false };
  }
  const m =
    /^(rediss?|redis\+cluster|rediss\+cluster|redis\+sentinel|rediss\+sentinel):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)(\/\d+)?(\?[^#]*)?$/.exec(
      url,
    );
  if (!m)
    throw new ConfigError('REDIS_URL', 'invalid REDIS_URL: expected redis://, redis+cluster:// or redis+sentinel://');
  const [, scheme = '', user, pass, hosts = '', dbPart, query] = m;
  const tls = scheme.startsWith('rediss');
  const auth = {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass !== undefined && pass !== '' ? { password: decodeURIComponent(pass) } : {}),
  };
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'single', url };
  if (scheme.endsWith('+cluster')) return { kind: 'cluster', nodes: hostPorts(hosts, 'REDIS_URL', 6379), tls, ...auth };
  const params = new URLSearchParams(query?.slice(1) ?? '');
  const name = params.get('name') ?? params.get('masterName');
  if (!name) throw new ConfigError('REDIS_URL', 'invalid REDIS_URL: a sentinel URL needs ?name=<master name>');
  return {
    kind: 'sentinel',
    sentinels: hostPorts(hosts, 'REDIS_URL', 26379),
    name,
    db: dbPart ? Number(dbPart.slice(1)) : 0,
    tls,
    ...auth,
  };
}
