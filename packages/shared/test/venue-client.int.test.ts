// The venue client against a scripted node:http server on loopback: bodies are validated, every error
// shape becomes a VenueError with the right code, Retry-After and ids, transport failures say whether the
// request may have been sent, and the API key / WS tokens never leak into errors or logs.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecodeError } from '../src/errors/polybot-error.js';
import { createLogger } from '../src/logging/logger.js';
import { freePort } from '../src/testing/free-port.js';
import { ManualClock } from '../src/time/clock.js';
import {
  createVenueClient,
  type VenueClient,
  type VenueClientOptions,
  VenueError,
  VenueResponseError,
  VenueTransportError,
} from '../src/venue/index.js';

const API_KEY = `ps_live_${'0123456789abcdef'.repeat(4)}`;
const WS_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWdvbGRlbg';
const M1 = '0x5f2a1c9b8e7d6f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a';
const golden = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8')) as unknown;

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Reply = { status: number; headers?: Record<string, string>; json?: unknown; text?: string } | 'hang' | 'destroy';
type Handler = (req: Seen) => Reply;

let server: Server;
let baseUrl: string;
let routes: Map<string, Handler>;
let seen: Seen[];
let sockets: Set<Socket>;
let connections: number;
let clients: VenueClient[];

function route(method: string, path: string, h: Handler | Reply): void {
  routes.set(`${method} ${path}`, typeof h === 'function' ? h : () => h);
}

function respond(res: ServerResponse, reply: Exclude<Reply, 'hang' | 'destroy'>): void {
  const payload = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  res.writeHead(reply.status, {
    'content-type': reply.text !== undefined ? 'text/plain' : 'application/json',
    ...reply.headers,
  });
  res.end(payload);
}

beforeEach(async () => {
  routes = new Map();
  seen = [];
  sockets = new Set();
  connections = 0;
  clients = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const s: Seen = { method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      const h = routes.get(`${s.method} ${url.split('?')[0]}`);
      const reply = h ? h(s) : { status: 404, json: { error: 'NOT_FOUND', message: 'no route' } };
      if (reply === 'hang') return;
      if (reply === 'destroy') {
        req.socket.destroy();
        return;
      }
      respond(res, reply);
    });
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(over: Partial<VenueClientOptions> = {}): VenueClient {
  const c = createVenueClient({ baseUrl, apiKey: API_KEY, timeoutMs: 10_000, connections: 2, ...over });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

function errorRoute(method: string, path: string, goldenName: string): void {
  const g = golden(goldenName) as { status: number; headers: Record<string, string>; body?: unknown; text?: string };
  route(method, path, {
    status: g.status,
    headers: g.headers,
    ...(g.text !== undefined ? { text: g.text } : { json: g.body }),
  });
}

const ORDER = {
  market_id: M1,
  side: 'BUY' as const,
  outcome: 'Yes',
  quantity: '10',
  order_type: 'market' as const,
  price: '0.70',
};

describe('venue client: successful calls', () => {
  it('placeOrder sends the key, the idempotency key and decimal strings; keeps the request id and times', async () => {
    route('POST', '/v1/orders', {
      status: 200,
      headers: { 'X-Request-Id': 'req-ok-1' },
      json: golden('order-response.json'),
    });
    const clock = new ManualClock(1_000);
    const res = await client({ clock }).placeOrder(ORDER, { idempotencyKey: 'intent-0001' });
    expect(res.order).toMatchObject({ order_id: 42, status: 'FILLED', price: '0.65', fee: '0.16' });
    expect(res.requestId).toBe('req-ok-1');
    expect(res.status).toBe(200);
    expect(res.sentAtMs).toBe(1_000);
    expect(res.ackAtMs).toBe(1_000);
    const req = seen[0]!;
    expect(req.headers['x-api-key']).toBe(API_KEY);
    expect(req.headers['idempotency-key']).toBe('intent-0001');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ ...ORDER, client_order_id: 'intent-0001' });
  });

  it('placeOrder refuses a bad body before sending anything', async () => {
    const c = client();
    await expect(c.placeOrder({ ...ORDER, price: '0,7' }, { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(
      DecodeError,
    );
    await expect(c.placeOrder({ ...ORDER, amount: '5' }, { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(DecodeError);
    await expect(c.placeOrder({ ...ORDER, client_order_id: 'other' }, { idempotencyKey: 'k1' })).rejects.toBeInstanceOf(
      DecodeError,
    );
    expect(seen).toHaveLength(0);
  });

  it('reads every other route and reuses one keep-alive connection', async () => {
    route('POST', '/v1/keys/ws-token', { status: 200, json: { token: WS_TOKEN, expires_in: 60 } });
    route('GET', '/v1/keys/tiers', { status: 200, json: golden('tiers.json') });
    route('GET', '/v1/markets', (r) => ({
      status: 200,
      json: r.url.includes('envelope=true') ? golden('markets-envelope.json') : golden('markets-list.json'),
    }));
    route('GET', `/v1/markets/${M1}`, { status: 200, json: golden('market-detail.json') });
    route('GET', '/v1/orders/44', { status: 200, json: golden('order-row.json') });
    route('DELETE', '/v1/orders/43', { status: 200, json: golden('order-cancelled.json') });
    route('GET', '/v1/account/balance', { status: 200, json: golden('balance.json') });
    route('GET', '/v1/account/positions', { status: 200, json: golden('positions.json') });
    route('POST', '/v1/heartbeats', { status: 200, json: golden('heartbeat.json') });
    route('GET', '/v1/health', { status: 200, json: golden('health.json') });
    const c = client({ connections: 1 });

    const tok = await c.mintWsToken();
    expect(tok.token).toBe(WS_TOKEN);
    expect(tok.expiresInS).toBe(60);
    const tiers = await c.tiers();
    expect(tiers.tiers.find((t) => t.tier === 'pro')?.max_ws_connections).toBe(3);
    const markets = await c.markets({ limit: 200, offset: 0, active_only: true });
    expect(markets.map((m) => m.condition_id)[0]).toBe(M1);
    expect(seen.at(-1)?.url).toBe('/v1/markets?limit=200&offset=0&active_only=true');
    const page = await c.marketsPage({ limit: 1 });
    expect(page.nextCursor).toBe('LTE=');
    expect((await c.market(M1)).market.tokens?.[1]?.outcome).toBe('No');
    expect((await c.getOrder(44, { source: 'pending' })).order.status).toBe('EXPIRED');
    expect(seen.at(-1)?.url).toBe('/v1/orders/44?source=pending');
    expect((await c.cancelOrder(43)).order.status).toBe('CANCELLED');
    expect((await c.balance()).balance.balance).toBe('9993.34');
    expect((await c.positions({ status: 'OPEN' })).positions[0]?.avg_entry_price).toBe('0.65');
    const hb = await c.heartbeat(5_000, { clientLabel: 'executor-1' });
    expect(hb).toMatchObject({ ok: true, expiresAtMs: 1715518802250 });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ interval_ms: 5_000, client_label: 'executor-1' });
    expect((await c.health()).health.status).toBe('ok');
    expect(connections).toBe(1);
  });

  it('listOrders passes the query; findOrderByClientOrderId follows next_cursor', async () => {
    const row = (golden('orders-list.json') as { orders: Record<string, unknown>[] }).orders[1]!;
    route('GET', '/v1/orders', (r) => {
      const q = new URL(r.url, 'http://x').searchParams;
      if (q.get('cursor') === null) {
        return {
          status: 200,
          headers: { 'X-Request-Id': 'req-p1' },
          json: { orders: [{ ...row, client_order_id: 'other' }], has_more: true, next_cursor: 'c2', total_hint: 2 },
        };
      }
      return {
        status: 200,
        headers: { 'X-Request-Id': 'req-p2' },
        json: { orders: [{ ...row, client_order_id: 'wanted' }], has_more: false, next_cursor: null },
      };
    });
    const c = client();
    const p1 = await c.listOrders({ status: 'FILLED', market_id: M1, limit: 50 });
    expect(p1).toMatchObject({ hasMore: true, nextCursor: 'c2', totalHint: 2, requestId: 'req-p1' });
    expect(seen[0]?.url).toBe(`/v1/orders?status=FILLED&market_id=${M1}&limit=50`);
    const hit = await c.findOrderByClientOrderId('wanted');
    expect(hit).toMatchObject({ order_id: 42, client_order_id: 'wanted', requestId: 'req-p2' });
    expect(await c.findOrderByClientOrderId('missing')).toBeUndefined();
  });
});

describe('venue client: error responses', () => {
  it('429: code from X-Polysim-Code, Retry-After in ms, request id', async () => {
    errorRoute('POST', '/v1/orders', 'error-429.json');
    const err = await failure(client().placeOrder(ORDER, { idempotencyKey: 'k-429' }));
    expect(err).toBeInstanceOf(VenueError);
    const e = err as VenueError;
    expect(e).toMatchObject({ status: 429, venueCode: 'RATE_LIMIT_EXCEEDED', retryAfterMs: 1_000 });
    expect(e.requestId).toBe('req-429-abc');
    expect(e.code).toBe('VENUE_ERROR');
    expect(e.venueMessage).toBe('Rate limit exceeded. Retry after 1s.');
  });

  it('Retry-After as an HTTP date is measured against the injected clock', async () => {
    const now = Date.parse('2026-05-11T20:30:00Z');
    route('POST', '/v1/orders', {
      status: 503,
      headers: { 'Retry-After': 'Mon, 11 May 2026 20:30:05 GMT', 'X-Polysim-Code': 'SERVER_BUSY' },
      json: { error: 'SERVER_BUSY', message: 'busy' },
    });
    const e = (await failure(
      client({ clock: new ManualClock(now) }).placeOrder(ORDER, { idempotencyKey: 'k' }),
    )) as VenueError;
    expect(e).toMatchObject({ venueCode: 'SERVER_BUSY', retryAfterMs: 5_000 });
  });

  it('503 DEADLINE_OVERSHOT_BUT_PERSISTED carries X-Polysim-Order-Id and no Retry-After', async () => {
    errorRoute('POST', '/v1/orders', 'error-503-overshot.json');
    const e = (await failure(client().placeOrder(ORDER, { idempotencyKey: 'k' }))) as VenueError;
    expect(e).toMatchObject({
      status: 503,
      venueCode: 'DEADLINE_OVERSHOT_BUT_PERSISTED',
      orderId: 4242,
      source: 'filled',
      retryAfterMs: undefined,
    });
  });

  it('503 VENUE_UNAVAILABLE without the header falls back to body retry_after', async () => {
    errorRoute('POST', '/v1/orders', 'error-503-venue-unavailable.json');
    const e = (await failure(client().placeOrder(ORDER, { idempotencyKey: 'k' }))) as VenueError;
    expect(e).toMatchObject({ venueCode: 'VENUE_UNAVAILABLE', retryAfterMs: 60_000 });
  });

  it.each([
    ['error-409-pending.json', 409, 'IDEMPOTENCY_CONFLICT_PENDING'],
    ['error-400-no-header.json', 400, 'INSUFFICIENT_BALANCE'],
    ['error-prose.json', 403, 'INSUFFICIENT_PERMISSION'],
    ['error-fastapi-422.json', 422, 'HTTP_422'],
    ['error-edge-text.json', 403, 'HTTP_403'],
  ])('%s -> %i %s', async (name, status, code) => {
    errorRoute('POST', '/v1/orders', name);
    const e = (await failure(client().placeOrder(ORDER, { idempotencyKey: 'k' }))) as VenueError;
    expect(e).toBeInstanceOf(VenueError);
    expect(e.status).toBe(status);
    expect(e.venueCode).toBe(code);
    expect(e.venueMessage.length).toBeGreaterThan(0);
  });

  it('a 200 with a body that fails the schema is a VenueResponseError (the venue did act)', async () => {
    route('POST', '/v1/orders', {
      status: 200,
      headers: { 'X-Request-Id': 'req-bad' },
      json: { order_id: 42, status: 'FILLED', price: 0.65 },
    });
    route('GET', '/v1/account/balance', { status: 200, text: '<html>oops</html>' });
    const c = client();
    const e = (await failure(c.placeOrder(ORDER, { idempotencyKey: 'k' }))) as VenueResponseError;
    expect(e).toBeInstanceOf(VenueResponseError);
    expect(e).toMatchObject({ status: 200, schema: 'OrderResponse', requestId: 'req-bad' });
    expect(e.issues.some((i) => i.startsWith('price'))).toBe(true);
    expect(await failure(c.balance())).toBeInstanceOf(VenueResponseError);
  });
});

describe('venue client: transport failures', () => {
  it('timeout after the request reached the venue is ambiguous (mayHaveBeenSent)', async () => {
    route('POST', '/v1/orders', 'hang');
    const err = await failure(client({ timeoutMs: 300 }).placeOrder(ORDER, { idempotencyKey: 'k-timeout' }));
    expect(err).toBeInstanceOf(VenueTransportError);
    expect(err).toMatchObject({ reason: 'timeout', mayHaveBeenSent: true });
    // The guarantee: the venue did receive it, so "not sent" would have been a lie.
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['k-timeout']);
  });

  it('a connection reset after the body was sent is ambiguous', async () => {
    route('POST', '/v1/orders', 'destroy');
    const err = await failure(client().placeOrder(ORDER, { idempotencyKey: 'k-reset' }));
    expect(err).toBeInstanceOf(VenueTransportError);
    expect(err).toMatchObject({ reason: 'reset', mayHaveBeenSent: true });
    expect(seen).toHaveLength(1);
  });

  it('connection refused is "not sent"', async () => {
    const port = await freePort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await failure(c.placeOrder(ORDER, { idempotencyKey: 'k-refused' }));
    expect(err).toBeInstanceOf(VenueTransportError);
    expect(err).toMatchObject({ reason: 'refused', mayHaveBeenSent: false, errorCode: 'ECONNREFUSED' });
  });

  it('close() is idempotent and later calls fail as not sent', async () => {
    route('GET', '/v1/health', { status: 200, json: golden('health.json') });
    const c = client();
    await c.health();
    const a = c.close();
    const b = c.close();
    expect(a).toBe(b);
    await a;
    const err = await failure(c.health());
    expect(err).toMatchObject({ kind: 'transport', reason: 'closed', mayHaveBeenSent: false });
  });
});

describe('venue client: secrets', () => {
  it('the API key and WS tokens appear in no error and no log line', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = createLogger({ name: 'venue-test', level: 'debug', destination });
    // A hostile venue echoes the credentials back in every error shape.
    route('POST', '/v1/orders', {
      status: 401,
      headers: { 'X-Polysim-Code': 'INVALID_KEY' },
      json: { error: 'INVALID_KEY', message: `key ${API_KEY} rejected; token=${WS_TOKEN}` },
    });
    route('GET', '/v1/account/balance', { status: 500, text: `Internal error for Bearer ${API_KEY} ${WS_TOKEN}` });
    route('POST', '/v1/keys/ws-token', { status: 200, json: { token: WS_TOKEN, expires_in: 'soon' } });
    route('GET', '/v1/health', 'hang');
    const c = client({ logger, timeoutMs: 300 });

    const errors = [
      await failure(c.placeOrder(ORDER, { idempotencyKey: 'k' })),
      await failure(c.balance()),
      await failure(c.mintWsToken()),
      await failure(c.health()),
      await failure(client({ baseUrl: `http://127.0.0.1:${await freePort()}`, logger }).health()),
    ];
    expect(errors.map((e) => (e as { kind?: string }).kind)).toEqual([
      'http',
      'http',
      'invalid_response',
      'transport',
      'transport',
    ]);
    const secretFree = (s: string) => {
      expect(s).not.toContain(API_KEY);
      expect(s).not.toContain(API_KEY.slice(8));
      expect(s).not.toContain(WS_TOKEN);
    };
    for (const e of errors) {
      secretFree(String(e));
      secretFree(inspect(e, { depth: 8 }));
      secretFree(JSON.stringify(e));
    }
    await expect.poll(() => lines.length).toBeGreaterThan(0);
    secretFree(lines.join('\n'));
  });
});
