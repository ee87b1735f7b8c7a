// Metrics and health server: prom-client /metrics, /healthz (process alive) and /readyz (every component
// running). It is small enough that node:http does the job.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Lifecycle } from '../lifecycle/lifecycle.js';

export interface OpsServer {
  readonly registry: Registry;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface OpsServerOptions {
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** Components whose states make up /readyz. */
  components: () => readonly Lifecycle[];
  registry?: Registry;
  /** Labels added to every metric (e.g. app). */
  defaultLabels?: Record<string, string>;
  /** Collect Node process metrics (default true). */
  processMetrics?: boolean;
}

export function createMetricsRegistry(defaultLabels?: Record<string, string>, processMetrics = true): Registry {
  const registry = new Registry();
  if (defaultLabels) registry.setDefaultLabels(defaultLabels);
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const registry = opts.registry ?? createMetricsRegistry(opts.defaultLabels, opts.processMetrics ?? true);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const comps = opts.components().map((c) => ({ name: c.name, state: c.state, reason: c.reason ?? null }));
      const ready = comps.length > 0 && comps.every((c) => c.state === 'running');
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ready, components: comps }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"NOT_FOUND"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  let closing: Promise<void> | undefined;
  return {
    registry,
    port: addr.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
