// The observability profile's files: Prometheus scrape config and Grafana provisioning parse (YAML, JSON) and
// agree with docker-compose.yml, and every metric a Grafana panel queries is exported by a real app. The
// metric names come from a live `polybot up`: every child's /metrics is scraped (nothing hard-coded).

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildWorkspace, repoRoot } from '../support/build.js';

const obs = join(repoRoot, 'deploy/observability');
const read = (p: string) => readFileSync(join(obs, p), 'utf8');

interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}

// PromQL words that are not metric names.
const PROMQL_WORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'histogram_quantile',
  'abs',
  'clamp_min',
  'clamp_max',
  'round',
  'vector',
  'scalar',
  'time',
  'absent',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'sum_over_time',
  'changes',
  'resets',
  'label_replace',
  'inf',
  'nan',
]);

/** Metric names referenced by a PromQL expression. */
function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n.toLowerCase())))];
}

/** Names a Prometheus text exposition makes queryable (histograms add _bucket, _sum, _count). */
function exposed(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m;
    out.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${name}${s}`);
    if (type === 'summary') for (const s of ['_sum', '_count']) out.add(`${name}${s}`);
  }
  return out;
}

describe('observability files', () => {
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<
      string,
      { profiles?: string[]; volumes?: string[]; environment?: Record<string, string>; command?: string[] }
    >;
  };

  it('puts Prometheus, Grafana and the dashboard in the observability profile, mounting these files', () => {
    for (const name of ['prometheus', 'grafana', 'dashboard'])
      expect(compose.services[name]?.profiles, name).toEqual(['observability']);
    expect(compose.services.prometheus?.volumes).toContain(
      './deploy/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    const gv = compose.services.grafana?.volumes ?? [];
    expect(gv).toContain('./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(gv).toContain('./deploy/observability/grafana/dashboards:/var/lib/grafana/dashboards:ro');
    expect(compose.services.dashboard?.command).toEqual(['dashboard']);
  });

  it('scrapes every app on the port compose gives its /metrics', () => {
    const prom = parse(read('prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; port: number }[];
        static_configs?: { targets: string[] }[];
      }[];
    };
    const jobs = new Map(prom.scrape_configs.map((j) => [j.job_name, j]));
    expect([...jobs.keys()].sort()).toEqual(['dashboard', 'executor', 'ingestor', 'strategy']);
    for (const app of ['ingestor', 'strategy', 'executor']) {
      const sd = jobs.get(app)?.dns_sd_configs?.[0];
      expect(sd?.names, app).toEqual([app]);
      expect(String(sd?.port), app).toBe(compose.services[app]?.environment?.METRICS_PORT ?? '9100');
      expect(compose.services[app], app).toBeDefined();
    }
    expect(jobs.get('dashboard')?.static_configs?.[0]?.targets).toEqual([
      `dashboard:${compose.services.dashboard?.environment?.DASHBOARD_PORT}`,
    ]);
  });

  it('provisions the Prometheus data source and the dashboard folder that Grafana reads', () => {
    const dsFile = parse(read('grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(dsFile.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const prov = parse(read('grafana/provisioning/dashboards/polybot.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(prov.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    const dash = JSON.parse(read('grafana/dashboards/polybot.json')) as { uid: string; panels: Panel[] };
    expect(dash.uid).toBe('polybot');
    const uid = dsFile.datasources[0]?.uid;
    for (const p of dash.panels) {
      expect(p.datasource?.uid, p.title).toBe(uid);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe(uid);
    }
    const titles = dash.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of ['feed', 'lag', 'latency', 'orders by outcome', 'p&l']) expect(titles).toContain(topic);
  });

  it('extracts metric names from PromQL', () => {
    expect(
      metricsIn('histogram_quantile(0.99, sum by (le) (rate(polybot_x_ms_bucket{a="b{c}"}[5m]))) / on(job) up'),
    ).toEqual(['polybot_x_ms_bucket', 'up']);
  });
});

describe('Grafana panels against real /metrics', () => {
  let redis: TestRedis;
  let up: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    await buildWorkspace();
    redis = await startRedis({ own: true });
  }, 300_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGINT');
      await new Promise((r) => up?.once('exit', r));
    }
    await redis?.stop();
  });

  it('every metric a panel queries is exported by some app of a live polybot up', async () => {
    up = spawn(process.execPath, [join(repoRoot, 'apps/cli/dist/main.js'), 'up', '--json', '--workers', '1'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        REDIS_URL: redis.url,
        POLYBOT_NS: redis.ns,
        POLYBOT_PARTITIONS: '2',
        SIM_MARKETS: '6',
        SIM_TICK_MS: '100',
        POLYBOT_MARKETS: 'auto:6',
        RISK_COOLDOWN_MS: '300',
        DASHBOARD_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout?.on('data', (d) => (output += String(d)));
    up.stderr?.on('data', (d) => (output += String(d)));
    await expect.poll(() => output, { timeout: 120_000, interval: 250 }).toMatch(/ready\s+.*dashboard\(pid \d+\)/);
    const upPid = up.pid as number;
    const dashboardUrl = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(dashboardUrl).toBeDefined();

    // The children's metrics ports, from their environment (polybot up picks free ports).
    const urls = [`${dashboardUrl}/metrics`];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const env = readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
        if (!env.includes(`POLYBOT_SUPERVISOR_PID=${upPid}`)) continue;
        const port = env.find((e) => e.startsWith('METRICS_PORT='))?.slice('METRICS_PORT='.length);
        if (port) urls.push(`http://127.0.0.1:${port}/metrics`);
      } catch {
        // gone, or not ours to read
      }
    }
    expect(urls.length).toBe(4); // dashboard, ingestor, strategy-1, executor

    const dash = JSON.parse(read('grafana/dashboards/polybot.json')) as { panels: Panel[] };
    const wanted = new Map<string, string>();
    for (const p of dash.panels)
      for (const t of p.targets ?? []) for (const m of metricsIn(t.expr)) wanted.set(m, p.title);
    expect(wanted.size).toBeGreaterThan(10);

    const names = new Set<string>();
    for (const u of urls) {
      const res = await fetch(u);
      expect(res.status, u).toBe(200);
      for (const n of exposed(await res.text())) names.add(n);
    }
    const missing = [...wanted].filter(([m]) => !names.has(m)).map(([m, title]) => `${m} (panel "${title}")`);
    expect(missing).toEqual([]);

    up.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => up?.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  }, 300_000);
});
