// The compose file and Dockerfile, checked by parsing (no Docker engine is needed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRedisTopology } from '../../packages/shared/src/redis/topology.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const composeText = readFileSync(`${root}docker-compose.yml`, 'utf8');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};
const svc = (name: string) => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s as {
    command?: string[];
    entrypoint?: string[];
    profiles?: string[];
    container_name?: string;
    ports?: string[];
    restart?: string;
    healthcheck?: { test: string[] };
    depends_on?: Record<string, { condition: string; required?: boolean }>;
    environment?: Record<string, string>;
    env_file?: { path: string; required: boolean }[];
    deploy?: { replicas: unknown };
    image?: string;
  };
};

describe('docker-compose.yml', () => {
  it('has the five services outside profiles', () => {
    const always = Object.keys(compose.services).filter((n) => svc(n).profiles === undefined);
    expect(always.sort()).toEqual(['executor', 'ingestor', 'redis', 'simulator', 'strategy']);
  });

  it('runs Redis with AOF, noeviction, a healthcheck and a volume', () => {
    const r = svc('redis');
    expect(r.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(r.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(compose.volumes).toHaveProperty('redis-data');
  });

  it('lets strategy scale: no container_name and no fixed host port', () => {
    const s = svc('strategy');
    expect(s.container_name).toBeUndefined();
    expect(s.ports).toBeUndefined();
    expect(s.command).toEqual(['strategy']);
  });

  it('wires every app with health-gated depends_on, restarts, .env and the same image', () => {
    for (const name of ['simulator', 'ingestor', 'strategy', 'executor']) {
      const s = svc(name);
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.image, name).toBe('polybot:local');
      expect(s.env_file, name).toEqual([{ path: '.env', required: false }]);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose interpolation, not a JS template
      expect(s.environment?.REDIS_URL, name).toBe('${REDIS_URL:-redis://redis:6379}');
      expect(s.healthcheck?.test.join(' '), name).toMatch(/readyz|health/);
    }
    for (const name of ['ingestor', 'strategy', 'executor']) {
      expect(svc(name).depends_on?.redis?.condition, name).toBe('service_healthy');
    }
    for (const name of ['ingestor', 'executor']) {
      expect(svc(name).depends_on?.simulator, name).toEqual({ condition: 'service_healthy', required: false });
    }
  });

  it('runs the simulator by default and lets a real venue switch it off', () => {
    const s = svc('simulator');
    expect(s.command).toEqual(['sim']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose interpolation, not a JS template
    expect(String(s.deploy?.replicas)).toBe('${SIM_REPLICAS:-1}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a compose interpolation, not a JS template
    expect(svc('ingestor').environment?.POLYSIM_BASE_URL).toBe('${POLYSIM_BASE_URL:-http://simulator:8000}');
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(`${root}Dockerfile`, 'utf8');
  it('is multi-stage on a current Node LTS, runs as a non-root user with production dependencies only', () => {
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^node:(22|24|26)-/);
    expect(text).toMatch(/npm prune --omit=dev/);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/ENTRYPOINT \["node", "apps\/cli\/dist\/main\.js"\]/);
  });
});

/** Services of a profile. */
const inProfile = (profile: string) => Object.keys(compose.services).filter((n) => svc(n).profiles?.includes(profile));
/** The documented REDIS_URL of a profile, from the command line in the compose file's header. */
function documentedUrl(profile: string): string {
  const m = new RegExp(`^#\\s+REDIS_URL='?([^'\\s]+)'? docker compose --profile ${profile} up$`, 'm').exec(composeText);
  if (!m?.[1]) throw new Error(`no documented command for profile ${profile}`);
  return m[1];
}
const APPS = ['ingestor', 'strategy', 'executor'];

describe('docker-compose.yml: profile cluster', () => {
  const nodes = inProfile('cluster').filter((n) => n !== 'redis-cluster-init');

  it('runs 6 cluster-enabled nodes (3 masters + 3 replicas) with AOF, noeviction and a health check', () => {
    expect(nodes).toHaveLength(6);
    for (const n of nodes) {
      const c = svc(n).command ?? [];
      expect(c.join(' '), n).toMatch(/--cluster-enabled yes/);
      expect(c, n).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
      expect(svc(n).healthcheck?.test, n).toEqual(['CMD', 'redis-cli', 'ping']);
    }
  });

  it('creates the cluster once, from every node of the profile, with one replica per master', () => {
    const init = svc('redis-cluster-init');
    expect(init.restart).toBe('no');
    expect(Object.keys(init.depends_on ?? {}).sort()).toEqual([...nodes].sort());
    for (const n of nodes) expect(init.depends_on?.[n]?.condition, n).toBe('service_healthy');
    const script = (init.command ?? []).join('\n');
    const create = /redis-cli --cluster create (\S+) --cluster-replicas (\d+) --cluster-yes/.exec(script);
    expect(create?.[2]).toBe('1');
    // The addresses are the node services' (resolved to IPs: CLUSTER MEET takes addresses, not names).
    const loop = /for node in ([^;]+); do/.exec(script);
    expect(loop?.[1]?.trim().split(/\s+/)).toEqual(nodes);
    expect(script).toMatch(/getent hosts \$\$node/);
    expect(script).toMatch(/:6379"/);
    // A second `up` finds the cluster made and does not try again.
    expect(script.indexOf("cluster info | grep -q '^cluster_state:ok'")).toBeLessThan(
      script.indexOf('--cluster create'),
    );
  });

  it('wires the apps: the documented URL is a cluster URL of these nodes, and the apps wait for the create', () => {
    const t = parseRedisTopology(documentedUrl('cluster'));
    expect(t.kind).toBe('cluster');
    if (t.kind !== 'cluster') return;
    for (const { host, port } of t.nodes) {
      expect(nodes, host).toContain(host);
      expect(port).toBe(6379);
    }
    for (const a of APPS) {
      expect(svc(a).depends_on?.['redis-cluster-init'], a).toEqual({
        condition: 'service_completed_successfully',
        required: false,
      });
    }
  });
});

describe('docker-compose.yml: profile sentinel', () => {
  const members = inProfile('sentinel');
  const sentinels = members.filter((n) => /sentinel/.test(n));

  it('runs one master, one replica of it and three sentinels', () => {
    expect(members.sort()).toEqual([
      'redis-primary',
      'redis-replica',
      'redis-sentinel-1',
      'redis-sentinel-2',
      'redis-sentinel-3',
    ]);
    expect(svc('redis-primary').command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    const replica = svc('redis-replica').command ?? [];
    expect(replica.slice(replica.indexOf('--replicaof'), replica.indexOf('--replicaof') + 3)).toEqual([
      '--replicaof',
      'redis-primary',
      '6379',
    ]);
  });

  it('every sentinel monitors that master under one name with quorum 2, and answers on 26379', () => {
    for (const n of sentinels) {
      const script = (svc(n).command ?? []).join('\n');
      expect(script, n).toMatch(/'sentinel monitor mymaster redis-primary 6379 2'/);
      expect(script, n).toMatch(/'sentinel resolve-hostnames yes'/);
      expect(script, n).toMatch(/'port 26379'/);
      expect(script, n).toMatch(/--sentinel/);
      expect(svc(n).healthcheck?.test, n).toEqual(['CMD', 'redis-cli', '-p', '26379', 'ping']);
    }
  });

  it('wires the apps: the documented URL names these sentinels and the monitored master, and the apps wait for them', () => {
    const t = parseRedisTopology(documentedUrl('sentinel'));
    expect(t.kind).toBe('sentinel');
    if (t.kind !== 'sentinel') return;
    expect(t.name).toBe('mymaster');
    expect(t.sentinels.map((s) => `${s.host}:${s.port}`).sort()).toEqual(sentinels.map((n) => `${n}:26379`).sort());
    for (const a of APPS) {
      for (const n of sentinels) {
        expect(svc(a).depends_on?.[n], `${a} → ${n}`).toEqual({ condition: 'service_healthy', required: false });
      }
    }
  });
});
