// The local PolySimulator's throughput: price frames/s pushed to one WS client and orders/s accepted with
// limits off, each next to a floor measured in the same run (a bare ws push loop, a bare fastify route).
// Clients run in worker threads, so the server keeps the main thread to itself.

import { Worker } from 'node:worker_threads';
import { createSimulator, DEFAULT_TIERS } from '@polybot/simulator';
import Fastify from 'fastify';
import { WebSocketServer } from 'ws';
import type { BenchCase, BenchContext } from '../context.js';
import { fmtRate } from '../stats.js';

/** A WS client that only counts frames; answers {count} with how many it got. */
const WS_CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { WebSocket } = require('ws');
const ws = new WebSocket(workerData.url, { perMessageDeflate: false });
let n = 0;
ws.on('message', () => { n++; });
ws.on('open', () => {
  if (workerData.subscribe) ws.send(workerData.subscribe);
  parentPort.postMessage({ type: 'open' });
});
ws.on('error', (e) => parentPort.postMessage({ type: 'error', message: String(e && e.message) }));
parentPort.on('message', (m) => {
  if (m === 'count') parentPort.postMessage({ type: 'count', n, t: performance.now() });
  if (m === 'close') { ws.terminate(); parentPort.close(); }
});
`;

/** An HTTP load generator: `lanes` requests in flight over an undici Pool for `ms`. */
const HTTP_CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { Pool } = require('undici');
(async () => {
  const { base, path, headers, bodies, ms, lanes, keyPrefix } = workerData;
  const pool = new Pool(base, { connections: lanes, pipelining: 1 });
  let i = 0, ok = 0, other = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  async function lane() {
    while (performance.now() < deadline) {
      const n = i++;
      const h = keyPrefix ? { ...headers, 'idempotency-key': keyPrefix + n } : headers;
      const res = await pool.request({ path, method: 'POST', headers: h, body: bodies[n % bodies.length] });
      await res.body.text();
      if (res.statusCode === 200) ok++; else other++;
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane));
  const elapsed = performance.now() - t0;
  await pool.close();
  parentPort.postMessage({ ok, other, ms: elapsed });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack) }));
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once<T>(w: Worker, pred: (m: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: T) => {
      if (pred(m)) {
        w.off('message', on);
        resolve(m);
      }
    };
    w.on('message', on);
    w.once('error', reject);
  });
}

/** Frames/s a counting client receives over `windowMs`, after `warmMs`. */
async function measureWs(
  url: string,
  subscribe: string | undefined,
  warmMs: number,
  windowMs: number,
): Promise<number> {
  const w = new Worker(WS_CLIENT, { eval: true, workerData: { url, subscribe } });
  type Msg = { type: string; n?: number; t?: number; message?: string };
  const opened = await once<Msg>(w, (m) => m.type === 'open' || m.type === 'error');
  if (opened.type === 'error') throw new Error(`ws client: ${opened.message}`);
  await sleep(warmMs);
  w.postMessage('count');
  const a = await once<Msg>(w, (m) => m.type === 'count');
  await sleep(windowMs);
  w.postMessage('count');
  const b = await once<Msg>(w, (m) => m.type === 'count');
  w.postMessage('close');
  await w.terminate();
  return (((b.n ?? 0) - (a.n ?? 0)) * 1000) / ((b.t ?? 0) - (a.t ?? 1));
}

interface HttpResult {
  ok: number;
  other: number;
  ms: number;
}

async function measureHttp(data: Record<string, unknown>): Promise<HttpResult> {
  const w = new Worker(HTTP_CLIENT, { eval: true, workerData: data });
  const r = await once<HttpResult & { error?: string }>(w, () => true);
  await w.terminate();
  if (r.error) throw new Error(r.error);
  return r;
}

/** Floor: a bare ws server pushing one precomputed ~520-byte frame in corked batches. */
async function rawWsFloor(warmMs: number, windowMs: number): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const frame = `{"type":"price","market_id":"0x${'ab'.repeat(32)}","pad":"${'x'.repeat(430)}"}`;
  let timer: NodeJS.Timeout | undefined;
  wss.on('connection', (ws) => {
    const sock = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    timer = setInterval(() => {
      if (ws.bufferedAmount > 8 * 1024 * 1024) return;
      sock.cork();
      for (let i = 0; i < 300; i++) ws.send(frame);
      sock.uncork();
    }, 1);
  });
  const port = (wss.address() as import('node:net').AddressInfo).port;
  try {
    return await measureWs(`ws://127.0.0.1:${port}`, undefined, warmMs, windowMs);
  } finally {
    if (timer) clearInterval(timer);
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

/** Floor: a bare fastify POST route that parses JSON and replies with a small object. */
async function bareFastifyFloor(ms: number, lanes: number): Promise<HttpResult> {
  const app = Fastify({ logger: false });
  app.post('/echo', async (req) => ({ ok: true, n: (req.body as { quantity?: string }).quantity ?? null }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as import('node:net').AddressInfo).port;
  try {
    return await measureHttp({
      base: `http://127.0.0.1:${port}`,
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      bodies: [JSON.stringify({ market_id: '0x', side: 'BUY', outcome: 'Yes', quantity: '5' })],
      ms,
      lanes,
    });
  } finally {
    await app.close();
  }
}

export const simulatorBench: BenchCase = {
  name: 'simulator',
  description: 'local PolySimulator: price frames/s to one client, orders/s accepted (limits off), with floors',
  async run(ctx: BenchContext) {
    const warm = ctx.smoke ? 200 : 1000;
    const windowMs = ctx.smoke ? 500 : 5000;
    const lanes = 32;
    const key = `ps_live_${'be'.repeat(32)}`;
    const rich = DEFAULT_TIERS.map((t) => (t.tier === 'pro' ? { ...t, starting_balance: '1000000000' } : t));

    ctx.progress('raw ws push floor');
    const rawWs = await rawWsFloor(warm, windowMs);

    ctx.progress('simulator price feed → one client (50 markets, offered ≈300k ticks/s)');
    const feedSim = await createSimulator({ seed: 1, markets: 50, tickMs: 0.05, limits: false, apiKeys: [key] });
    let feedRate: number;
    let serverFrames: number;
    try {
      const tokenRes = await fetch(`${feedSim.baseUrl}/v1/keys/ws-token`, {
        method: 'POST',
        headers: { 'x-api-key': key },
      });
      const { token } = (await tokenRes.json()) as { token: string };
      const subscribe = JSON.stringify({ action: 'subscribe', markets: feedSim.marketIds.slice(0, 50) });
      const before = feedSim.stats().ws.frames_sent;
      feedRate = await measureWs(`${feedSim.wsUrl}/v1/ws/prices?token=${token}`, subscribe, warm, windowMs);
      serverFrames = feedSim.stats().ws.frames_sent - before;
    } finally {
      await feedSim.close();
    }

    ctx.progress('bare fastify POST floor');
    const bare = await bareFastifyFloor(windowMs, lanes);

    ctx.progress('simulator POST /v1/orders (market FOK, limits off, unique Idempotency-Key each)');
    const orderSim = await createSimulator({ seed: 1, markets: 24, limits: false, tiers: rich, apiKeys: [key] });
    let orders: HttpResult;
    try {
      const listRes = await fetch(`${orderSim.baseUrl}/v1/markets?active_only=true&limit=8`, {
        headers: { 'x-api-key': key },
      });
      const active = (await listRes.json()) as { condition_id: string }[];
      orders = await measureHttp({
        base: orderSim.baseUrl,
        path: '/v1/orders',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        bodies: active.map((m) =>
          JSON.stringify({
            market_id: m.condition_id,
            side: 'BUY',
            outcome: 'Yes',
            quantity: '5',
            order_type: 'market',
          }),
        ),
        ms: windowMs,
        lanes,
        keyPrefix: 'bench-',
      });
    } finally {
      await orderSim.close();
    }

    const rate = (r: HttpResult) => (r.ok * 1000) / r.ms;
    return [
      {
        title: 'Simulator throughput (clients in worker threads, loopback)',
        columns: ['measure', 'count', 'rate', 'target'],
        rows: [
          ['raw ws push floor (corked batches of 300, ~520 B frames)', '–', fmtRate(rawWs), '–'],
          ['price frames received by one client (50 markets)', String(serverFrames), fmtRate(feedRate), '≥ 100 k/s'],
          [`bare fastify POST floor (${lanes} in flight)`, String(bare.ok), fmtRate(rate(bare)), '–'],
          [
            `POST /v1/orders accepted, limits off (${lanes} in flight)`,
            `${orders.ok} ok / ${orders.other} other`,
            fmtRate(rate(orders)),
            '≥ 3 k/s',
          ],
        ],
        notes: [
          'Frames: the simulator is offered more ticks than one socket can take; a client over 8 MB behind skips frames, so the rate is what the client really received.',
          'Orders: market BUY 5 shares, VWAP book walk, fee, account booking, idempotency record, ledger entry, JSON reply.',
        ],
      },
    ];
  },
};
