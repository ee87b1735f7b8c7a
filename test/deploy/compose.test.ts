// The compose file and Dockerfile, checked by parsing (no Docker engine is needed).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
};
const svc = (name: string) => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s as {
    command?: string[];
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
  it('has the five services (outside optional profiles)', () => {
    const always = Object.entries(compose.services).filter(([, s]) => s.profiles === undefined);
    expect(always.map(([n]) => n).sort()).toEqual(['executor', 'ingestor', 'redis', 'simulator', 'strategy']);
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
      expect(s.environment?.REDIS_URL, name).toBe('redis://redis:6379');
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
