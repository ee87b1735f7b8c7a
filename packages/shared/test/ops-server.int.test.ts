import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Lifecycle } from '../src/lifecycle/lifecycle.js';
import { type OpsServer, startOpsServer } from '../src/ops/ops-server.js';

let srv: OpsServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('ops server', () => {
  it('serves /healthz, /readyz from component states, and /metrics', async () => {
    const a = new Lifecycle('feed');
    const b = new Lifecycle('writer');
    srv = await startOpsServer({ port: 0, components: () => [a, b], defaultLabels: { app: 'test' } });
    const c = new Counter({ name: 'polybot_test_total', help: 'test counter', registers: [srv.registry] });
    c.inc(3);

    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    let ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      ready: false,
      components: [{ name: 'feed', state: 'starting' }, { name: 'writer' }],
    });

    a.transition('running');
    b.transition('running');
    ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(200);

    b.transition('degraded', 'redis down');
    ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { components: { reason: string }[] }).components[1]?.reason).toBe('redis down');

    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toContain('polybot_test_total{app="test"} 3');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
    expect((await fetch(`${srv.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('close() is idempotent', async () => {
    srv = await startOpsServer({ port: 0, components: () => [], processMetrics: false });
    await Promise.all([srv.close(), srv.close()]);
    await expect(fetch(`${srv.url}/healthz`)).rejects.toThrow();
  });
});
