// createSimulator(opts): the whole local PolySimulator in one process: seeded markets and prices, REST,
// WebSockets, accounts, limits and fault injection. Tests start it on port 0; `polybot sim` on 8000.

import { generateMarkets } from '@polybot/exchange';
import { Lifecycle, type LifecycleState, silentLogger, systemClock, toMicro } from '@polybot/shared';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Accounts, devApiKey } from './accounts.js';
import type { SimContext } from './context.js';
import { ApiError } from './errors.js';
import { type FaultSettings, Faults } from './faults.js';
import { registerAccountRoutes } from './http/account-routes.js';
import { registerMarketRoutes } from './http/market-routes.js';
import { registerOrderRoutes } from './http/order-routes.js';
import { ledgerRows, registerSimRoutes } from './http/sim-routes.js';
import { Feed } from './market/feed.js';
import { MarketState } from './market/market-state.js';
import { resolveOptions, type SimulatorOptions } from './options.js';
import { OrderService } from './orders/order-service.js';
import { newStats, type SimStats } from './stats.js';
import { ExecHub } from './ws/exec-hub.js';
import { PriceHub } from './ws/price-hub.js';
import { TokenStore } from './ws/tokens.js';
import { createWsServer } from './ws/ws-server.js';

export interface SimulatorFaults {
  /** Current settings. */
  get(): Readonly<FaultSettings>;
  /** Merges `patch` into the settings. */
  set(patch: Partial<FaultSettings>): Readonly<FaultSettings>;
  /** Back to no faults. */
  reset(): Readonly<FaultSettings>;
  /** Terminates every WS connection abruptly (no close frame); returns how many. */
  dropSockets(): number;
  /** Expires every WS token minted so far and closes open sockets with 4001; returns sockets closed. */
  expireTokens(): number;
}

export interface Simulator {
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly port: number;
  /** A key this simulator accepts (derived from the seed; dev mode accepts any well-formed key too). */
  readonly devApiKey: string;
  /** Condition ids in listing order. */
  readonly marketIds: readonly string[];
  readonly faults: SimulatorFaults;
  readonly state: LifecycleState;
  /** Every persisted order with its client_order_id (what GET /_sim/ledger returns). */
  ledger(): ReturnType<typeof ledgerRows>;
  stats(): SimStats;
  /** Advances prices to the clock's now at once (tests with a manual clock). Returns ticks produced. */
  tick(): number;
  /** Pins a market's Yes price (decimal string on the tick); the walk continues from there. */
  setPrice(marketId: string, yes: string): void;
  /** Runs one pass of the resting-order matching loop now. */
  match(): { filled: number; expired: number; cancelled: number };
  /** Idempotent. */
  close(): Promise<void>;
}

function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  return reply
    .code(e.status)
    .headers(e.headers)
    .header('x-polysim-code', e.code)
    .send({ error: e.code, message: e.message });
}

export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const opts = resolveOptions(options);
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger()).child({ component: 'simulator' });
  const lifecycle = new Lifecycle('simulator');
  const startMs = clock.now();

  const markets = new Map<string, MarketState>();
  const list: MarketState[] = [];
  for (const generated of generateMarkets(opts.seed, opts.markets)) {
    const rate = opts.feeRates[generated.category];
    const spec = rate === undefined ? generated : { ...generated, feeRate: toMicro(rate) };
    const m = new MarketState(spec, startMs);
    markets.set(m.id, m);
    list.push(m);
  }
  const marketList = [...list].sort((a, b) => b.spec.baseVolume - a.spec.baseVolume || a.spec.index - b.spec.index);
  const stats = newStats();
  const faults = new Faults(options.faults);
  const accounts = new Accounts(opts);
  const ledger: SimContext['ledger'] = [];
  const execHub = new ExecHub();
  const orders = new OrderService({
    accounts,
    markets,
    clock,
    onPersist: (o) => {
      ledger.push(o);
      stats.orders.placed++;
      if (o.status === 'PENDING') stats.orders.resting++;
    },
    onFill: (e) => {
      stats.orders.filled++;
      execHub.push(e);
    },
  });
  const priceHub = new PriceHub({
    markets,
    faults,
    stats,
    clock,
    maxSubscriptions: opts.maxSubscriptions,
    snapshotOnSubscribe: opts.snapshotOnSubscribe,
  });
  const ctx: SimContext = {
    opts,
    clock,
    logger,
    faults,
    stats,
    accounts,
    markets,
    marketList,
    orders,
    tokens: new TokenStore(opts.strictTokens),
    priceHub,
    execHub,
    ledger,
    hangs: new Set(),
    sockets: new Set(),
  };

  let reqSeq = 0;
  const reqPrefix = `req_${opts.seed.toString(36)}_${Date.now().toString(36)}_`;
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit,
    genReqId: () => `${reqPrefix}${(++reqSeq).toString(36)}`,
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  // One lenient JSON parser for every content type: an empty body is "no body", garbage is a 422.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0 || text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(422, 'VALIDATION_FAILED', 'Invalid JSON body'), undefined);
    }
  });

  // Callback-style hooks: no promise per request on the hot path.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    stats.http.requests++;
    const latency = faults.settings.latencyMs;
    const url = req.url;
    if (
      latency > 0 &&
      url.startsWith('/v1/') &&
      !url.startsWith('/v1/health') &&
      !(req.method === 'POST' && url.startsWith('/v1/orders'))
    ) {
      setTimeout(done, latency);
      return;
    }
    done();
  });
  app.addHook('onResponse', (_req, reply, done) => {
    const k = String(reply.statusCode);
    stats.http.by_status[k] = (stats.http.by_status[k] ?? 0) + 1;
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    const e = err as { code?: string; statusCode?: number; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, new ApiError(413, 'PAYLOAD_TOO_LARGE', 'Request body too large'));
    }
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON'));
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, new ApiError(e.statusCode, `HTTP_${e.statusCode}`, 'Bad request'));
    }
    logger.error({ err, url: req.url.split('?')[0] }, 'unhandled error');
    return sendError(reply, new ApiError(500, 'EXECUTION_ERROR', 'Internal error'));
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new ApiError(404, 'NOT_FOUND', 'Not found')));

  app.get('/v1/health', async () => ({
    status: 'ok',
    timestamp: new Date(clock.now()).toISOString(),
    version: '1.0.0',
  }));
  registerMarketRoutes(app, ctx);
  registerOrderRoutes(app, ctx);
  registerAccountRoutes(app, ctx);

  const dropSockets = (): number => {
    const all = [...ctx.sockets];
    for (const ws of all) ws.terminate();
    stats.faults.dropped_sockets += all.length;
    return all.length;
  };
  const expireTokens = (): number => {
    ctx.tokens.expireAll();
    const all = [...ctx.sockets];
    for (const ws of all) ws.close(4001, 'Token expired');
    stats.ws.closes_4001 += all.length;
    return all.length;
  };
  const setPrice = (marketId: string, yes: string): void => {
    const m = markets.get(marketId);
    if (!m) throw new ApiError(404, 'MARKET_NOT_FOUND', 'Market not found');
    let p: number;
    try {
      p = toMicro(yes);
      m.setPrice(p, clock.now());
    } catch {
      throw new ApiError(422, 'VALIDATION_FAILED', 'price must be a decimal on the tick inside (0, 1)');
    }
  };
  if (opts.devMode) {
    registerSimRoutes(app, ctx, { setFaults: (p) => faults.set(p), dropSockets, expireTokens, setPrice });
  }

  const ws = createWsServer(ctx);
  app.server.on('upgrade', ws.onUpgrade);

  const feed = new Feed(list, clock, opts.tickMs, priceHub, opts.feedPhases);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  feed.start();
  const matcher = setInterval(() => {
    const r = orders.matchOnce();
    stats.orders.expired += r.expired;
    stats.orders.cancelled += r.cancelled;
  }, opts.matchIntervalMs);
  matcher.unref();
  lifecycle.transition('running');
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  const baseUrl = `http://${hostForUrl}:${port}`;
  logger.info({ port, markets: list.length, seed: opts.seed }, 'simulator listening');

  return {
    baseUrl,
    wsUrl: `ws://${hostForUrl}:${port}`,
    port,
    devApiKey: opts.apiKeys[0]?.key ?? devApiKey(opts.seed),
    marketIds: marketList.map((m) => m.id),
    get state() {
      return lifecycle.state;
    },
    faults: {
      get: () => faults.settings,
      set: (p) => faults.set(p),
      reset: () => faults.reset(),
      dropSockets,
      expireTokens,
    },
    ledger: () => ledgerRows(ctx),
    stats: () => {
      stats.ticks = feed.ticks;
      stats.ticks_dropped = feed.dropped;
      return stats;
    },
    tick: () => feed.poll(),
    setPrice,
    match: () => orders.matchOnce(),
    close: () =>
      lifecycle.close(async () => {
        feed.stop();
        clearInterval(matcher);
        for (const t of ctx.hangs) clearTimeout(t);
        ctx.hangs.clear();
        for (const s of ctx.sockets) s.terminate();
        app.server.off('upgrade', ws.onUpgrade);
        await ws.close();
        await app.close();
      }),
  };
}
