// The dashboard server: the bundled page, a server-sent events stream fed by one stream tail and one status
// poller, halt/resume controls guarded by origin and token, Bull Board for the orders queue, and the
// dashboard's own /healthz, /readyz and /metrics.

import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import {
  assertBindAllowed,
  type Clock,
  clearHaltSwitch,
  keys,
  Lifecycle,
  parseEntries,
  type RedisClient,
  setHaltSwitch,
  systemClock,
} from '@polybot/shared';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { decodeEntry, type StreamKind } from './live/decode-entry.js';
import type { LiveEvent, Snapshot } from './live/page-events.js';
import { RecentEvents } from './live/recent-events.js';
import { createScrubber } from './live/secret-scrubber.js';
import { SseHub } from './live/sse-hub.js';
import { type StreamTail, startStreamTail } from './live/stream-tail.js';
import { checkControl, originsFor } from './security/control-guard.js';
import { loadWebAssets, type WebAsset } from './server/web-assets.js';
import { type ProcessProbe, type StatusPoller, startStatusPoller } from './status/status-poller.js';

export interface DashboardDeps {
  ns: string;
  partitions: number;
  /** Ordinary commands (status, halt switch). */
  redis: RedisClient;
  /** BullMQ connection for Bull Board (role `bullmq`). */
  bullConnection: RedisClient;
  /** A new blocking connection for the stream tail (role `blocking`). */
  connectBlocking: (name: string) => RedisClient;
  /** True on Redis Cluster: streams in different slots are read by separate XREADs. */
  cluster: boolean;
  logger: Logger;
  clock?: Clock;
  /** Bind address (default 127.0.0.1); non-loopback requires `token`. */
  host: string;
  /** 0 = any free port. */
  port: number;
  /** DASHBOARD_TOKEN. */
  token: string | undefined;
  /** Halt/resume and Bull Board job actions; false = read-only. */
  controls: boolean;
  /** Processes whose /readyz the system panel shows. */
  probes: readonly ProcessProbe[];
  /** Directory of the bundled page (dist/web). */
  webDir: string;
  /** Values that must never reach the page (API key, token, Redis password, …). */
  secrets: readonly (string | undefined)[];
  /** Status poll interval (default 1000 ms). */
  statusIntervalMs?: number;
  /** Entries per stream read at start to fill the page's recent past (default 2000 ticks, 500 others). */
  backfill?: { ticks: number; others: number };
}

export interface Dashboard {
  readonly lifecycle: Lifecycle;
  readonly url: string;
  readonly hub: SseHub;
  readonly registry: Registry;
  /** XREAD calls made by the stream tail so far. */
  readonly reads: number;
  start(): Promise<string>;
  close(): Promise<void>;
}

const ControlBody = z.object({ confirm: z.literal(true), reason: z.string().max(200).optional() });

export function createDashboard(deps: DashboardDeps): Dashboard {
  assertBindAllowed(deps.host, deps.token);
  const clock = deps.clock ?? systemClock;
  const k = keys(deps.ns);
  const log = deps.logger.child({ component: 'dashboard' });
  const lifecycle = new Lifecycle('dashboard');
  const scrub = createScrubber(deps.secrets);
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'dashboard' });
  const clientsGauge = new Gauge({
    name: 'polybot_dashboard_sse_clients',
    help: 'Browser clients on the live stream.',
    registers: [registry],
  });
  const entriesRead = new Counter({
    name: 'polybot_dashboard_stream_entries_total',
    help: 'Stream entries read by the dashboard tail.',
    labelNames: ['stream'],
    registers: [registry],
  });
  const controlActions = new Counter({
    name: 'polybot_dashboard_control_actions_total',
    help: 'Control requests by action and outcome.',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  // P&L for Prometheus and Grafana: floats for charts only (the page and the projection stay exact).
  const pnlGauge = new Gauge({
    name: 'polybot_dashboard_pnl_usd',
    help: 'Portfolio from the positions projection marked at the last ticks, USD, by kind (cash, realised, unrealised, fees).',
    labelNames: ['kind'],
    registers: [registry],
  });
  const haltedGauge = new Gauge({
    name: 'polybot_dashboard_halted',
    help: '1 while the halt switch is set.',
    registers: [registry],
  });
  const hub = new SseHub({ transform: scrub });
  const recent = new RecentEvents();
  const queue = new Queue(k.ordersQueue, { connection: deps.bullConnection, prefix: k.bullPrefix });

  const streamKinds = new Map<string, StreamKind>([
    [k.feed, 'feed'],
    [k.intents, 'intent'],
    [k.orders, 'order'],
    [k.dead, 'dead'],
  ]);
  for (let p = 0; p < deps.partitions; p++) streamKinds.set(k.ticks(p), 'tick');

  let webAssets: Map<string, WebAsset> = new Map();
  let tail: StreamTail | undefined;
  let poller: StatusPoller | undefined;
  let app: FastifyInstance | undefined;
  let url = '';
  let port = deps.port;

  const allowedOrigins = () => originsFor(deps.host, port);
  const guard = (req: FastifyRequest) =>
    checkControl(
      {
        origin: req.headers.origin,
        authorization: req.headers.authorization,
        'x-dashboard-token': req.headers['x-dashboard-token'],
      },
      { controls: deps.controls, token: deps.token, allowedOrigins },
    );

  const sendJson = (reply: FastifyReply, status: number, body: unknown) =>
    reply
      .code(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(scrub(JSON.stringify(body)));

  const snapshot = (): Snapshot => ({
    ns: deps.ns,
    partitions: deps.partitions,
    controls: deps.controls,
    tokenRequired: deps.token !== undefined && deps.token !== '',
    events: recent.all(),
    status: poller?.latest ?? null,
    pnl: [...(poller?.pnl ?? [])],
  });

  const onEntries = (key: string, entries: ReturnType<typeof parseEntries>['entries']) => {
    const kind = streamKinds.get(key);
    if (!kind) return;
    entriesRead.inc({ stream: kind }, entries.length);
    const batch: LiveEvent[] = [];
    for (const e of entries) {
      const ev = decodeEntry(kind, e);
      if (!ev) continue;
      recent.add(ev);
      batch.push(ev);
    }
    if (batch.length > 0) hub.broadcast('events', batch);
  };

  /** Reads the recent past of every stream; returns where the tail starts. */
  const backfill = async (): Promise<Map<string, string>> => {
    const start = new Map<string, string>();
    const n = deps.backfill ?? { ticks: 2000, others: 500 };
    for (const [key, kind] of streamKinds) {
      const reply = await deps.redis.xrevrange(key, '+', '-', 'COUNT', kind === 'tick' ? n.ticks : n.others);
      const { entries } = parseEntries(reply);
      entries.reverse();
      const last = entries[entries.length - 1];
      start.set(key, last ? last.id : '0-0');
      for (const e of entries) {
        const ev = decodeEntry(kind, e);
        if (ev) recent.add(ev);
      }
    }
    return start;
  };

  const buildApp = async (): Promise<FastifyInstance> => {
    const f = Fastify({ logger: false, bodyLimit: 16 * 1024 });
    const securityHeaders = (reply: FastifyReply) =>
      reply
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY')
        .header(
          'content-security-policy',
          "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
        );

    f.get('/', (_req, reply) => {
      const a = webAssets.get('/index.html');
      if (!a) return reply.code(500).send('page not built');
      return securityHeaders(reply).header('content-type', a.type).header('cache-control', 'no-store').send(a.body);
    });
    f.get('/assets/*', (req, reply) => {
      const rest = (req.params as { '*': string })['*'];
      const a = webAssets.get(`/${rest}`);
      if (!a || rest === 'index.html') return reply.code(404).send({ error: 'NOT_FOUND' });
      return securityHeaders(reply).header('content-type', a.type).header('cache-control', 'no-cache').send(a.body);
    });
    f.get('/api/snapshot', (_req, reply) => sendJson(reply, 200, snapshot()));
    f.get('/api/events', (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const client = hub.add(res, { event: 'snapshot', data: snapshot() });
      clientsGauge.set(hub.size);
      req.raw.on('close', () => {
        client.close();
        clientsGauge.set(hub.size);
      });
    });
    for (const action of ['halt', 'resume'] as const) {
      f.post(`/api/${action}`, async (req, reply) => {
        const g = guard(req);
        if (!g.ok) {
          controlActions.inc({ action, outcome: g.code });
          return sendJson(reply, g.status, { error: g.code });
        }
        const body = ControlBody.safeParse(req.body);
        if (!body.success) {
          controlActions.inc({ action, outcome: 'CONFIRMATION_REQUIRED' });
          return sendJson(reply, 400, { error: 'CONFIRMATION_REQUIRED' });
        }
        if (action === 'halt') {
          await setHaltSwitch(
            deps.redis,
            deps.ns,
            body.data.reason ?? 'halted from the dashboard',
            new Date(clock.now()),
          );
        } else {
          await clearHaltSwitch(deps.redis, deps.ns);
        }
        controlActions.inc({ action, outcome: 'ok' });
        log.info({ action }, 'control action');
        await poller?.refresh();
        return sendJson(reply, 200, { ok: true, halted: action === 'halt' });
      });
    }
    f.get('/healthz', (_req, reply) => sendJson(reply, 200, { status: 'ok' }));
    f.get('/readyz', (_req, reply) => {
      const ready = lifecycle.state === 'running';
      return sendJson(reply, ready ? 200 : 503, {
        ready,
        components: [{ name: lifecycle.name, state: lifecycle.state, reason: lifecycle.reason ?? null }],
      });
    });
    f.get('/metrics', async (_req, reply) =>
      reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );

    // Bull Board: read-only unless controls are on; its write calls pass the same guard as halt/resume.
    const board = new FastifyAdapter();
    board.setBasePath('/queues');
    createBullBoard({
      queues: [new BullMQAdapter(queue, { readOnlyMode: !deps.controls, allowRetries: deps.controls })],
      serverAdapter: board,
      options: { uiConfig: { boardTitle: `polybot ${deps.ns}` } },
    });
    await f.register(async (scope) => {
      scope.addHook('onRequest', async (req, reply) => {
        if (req.method === 'GET' || req.method === 'HEAD') return;
        const g = guard(req);
        if (!g.ok) {
          controlActions.inc({ action: 'queue', outcome: g.code });
          return sendJson(reply, g.status, { error: g.code });
        }
      });
      await scope.register(board.registerPlugin(), { prefix: '/queues' });
    });
    return f;
  };

  let closing: Promise<void> | undefined;
  return {
    lifecycle,
    hub,
    registry,
    get url() {
      return url;
    },
    get reads() {
      return tail?.reads ?? 0;
    },
    async start() {
      webAssets = loadWebAssets(deps.webDir);
      const startIds = await backfill();
      const groups = deps.cluster ? [...streamKinds.keys()].map((key) => [key]) : [[...streamKinds.keys()]];
      tail = startStreamTail({ groups, connect: deps.connectBlocking, startIds, onEntries, logger: log });
      poller = startStatusPoller({
        redis: deps.redis,
        ns: deps.ns,
        partitions: deps.partitions,
        clock,
        logger: log,
        probes: deps.probes,
        lastPrices: () => recent.lastPrices,
        onStatus: (status, point) => {
          const pf = status.portfolio;
          for (const kind of ['cash', 'realised', 'unrealised', 'fees'] as const)
            pnlGauge.set({ kind }, Number(pf[kind]));
          haltedGauge.set(status.halted ? 1 : 0);
          hub.broadcast('status', { status, pnl: point });
        },
        lifecycle,
        ...(deps.statusIntervalMs !== undefined ? { intervalMs: deps.statusIntervalMs } : {}),
      });
      await poller.poll();
      app = await buildApp();
      await app.listen({ host: deps.host, port: deps.port });
      port = (app.server.address() as AddressInfo).port;
      const h = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
      url = `http://${h === '0.0.0.0' || h === '[::]' ? '127.0.0.1' : h}:${port}`;
      if (lifecycle.state === 'starting') lifecycle.transition('running');
      log.info({ url }, 'dashboard listening');
      return url;
    },
    close() {
      closing ??= (async () => {
        if (lifecycle.state !== 'stopped') lifecycle.transition('stopping');
        poller?.close();
        hub.close();
        await app?.close();
        await tail?.close();
        await queue.close().catch(() => {});
        lifecycle.transition('stopped');
      })();
      return closing;
    },
  };
}
