// The local PolySimulator's throughput: price frames/s pushed to one WS client and orders/s accepted with
// limits off, each next to a floor measured in the same run (a bare ws push loop, a bare fastify route).
// Clients run in child processes, so the server keeps this process to itself and its CPU time per
// frame or order can be read from process.cpuUsage() — steadier than rates on a shared machine.

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSimulator, DEFAULT_TIERS } from '@polybot/simulator';
import Fastify from 'fastify';
import { WebSocketServer } from 'ws';
import type { BenchCase, BenchContext } from '../context.js';
import { fmtRate } from '../stats.js';

/** A WS client that only counts frames; answers {count} with how many it got. */
const WS_CLIENT = `
const workerData = JSON.parse(process.argv[1]);
const parentPort = { postMessage: (m) => process.send(m), on: (e, f) => process.on(e, f), close: () => process.exit(0) };
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
const workerData = JSON.parse(process.argv[1]);
const parentPort = { postMessage: (m) => process.send(m) };
const { Pool } = require('undici');
(async () => {
  const { base, path, headers, bodies, ms, lanes, keyPrefix } = workerData;
  const pool = new Pool(base, { connections: lanes, pipelining: 1 });
  let i = 0, ok = 0, other = 0;
  parentPort.postMessage({ type: 'start' });
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
  parentPort.postMessage({ type: 'done', ok, other, ms: elapsed });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack) }));
`;

/** The repository root, where `ws` and `undici` resolve for the client processes. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `code` as a CommonJS child process with an IPC channel; `data` arrives as process.argv[1]. */
function spawnClient(code: string, data: unknown): ChildProcess {
  return fork('-e', [code, JSON.stringify(data)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
}

/** Server CPU (user + system) in µs since `since`. */
const cpuSince = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return c.user + c.system;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once<T>(w: ChildProcess, pred: (m: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: unknown) => {
      if (pred(m as T)) {
        w.off('message', on);
        resolve(m as T);
      }
    };
    w.on('message', on);
    w.once('error', reject);
  });
}

interface WsResult {
  /** Frames per second the client received. */
  rate: number;
  /** Server CPU µs per received frame. */
  cpuPerFrame: number;
}

/** Frames/s a counting client receives over `windowMs`, after `warmMs`. */
async function measureWs(
  url: string,
  subscribe: string | undefined,
  warmMs: number,
  windowMs: number,
): Promise<WsResult> {
  const w = spawnClient(WS_CLIENT, { url, subscribe });
  type Msg = { type: string; n?: number; t?: number; message?: string };
  const opened = await once<Msg>(w, (m) => m.type === 'open' || m.type === 'error');
  if (opened.type === 'error') throw new Error(`ws client: ${opened.message}`);
  await sleep(warmMs);
  w.send('count');
  const a = await once<Msg>(w, (m) => m.type === 'count');
  const cpu0 = process.cpuUsage();
  await sleep(windowMs);
  w.send('count');
  const b = await once<Msg>(w, (m) => m.type === 'count');
  const cpu = cpuSince(cpu0);
  w.send('close');
  await new Promise((r) => w.once('exit', r));
  const frames = (b.n ?? 0) - (a.n ?? 0);
  return { rate: (frames * 1000) / ((b.t ?? 0) - (a.t ?? 1)), cpuPerFrame: frames > 0 ? cpu / frames : Number.NaN };
}

interface HttpResult {
  ok: number;
  other: number;
  ms: number;
  /** Server CPU µs per request. */
  cpuPerReq: number;
}

async function measureHttp(data: Record<string, unknown>): Promise<HttpResult> {
  const w = spawnClient(HTTP_CLIENT, data);
  type Msg = HttpResult & { type?: string; error?: string };
  const started = await once<Msg>(w, (m) => m.type === 'start' || m.error !== undefined);
  if (started.error) throw new Error(started.error);
  const cpu0 = process.cpuUsage();
  const r = await once<Msg>(w, (m) => m.type === 'done' || m.error !== undefined);
  const cpu = cpuSince(cpu0);
  await new Promise((res) => w.once('exit', res));
  if (r.error) throw new Error(r.error);
  return { ok: r.ok, other: r.other, ms: r.ms, cpuPerReq: cpu / Math.max(1, r.ok + r.other) };
}

/** Floor: a bare ws server pushing one precomputed 662-byte frame (a simulator frame's size) in corked batches. */
async function rawWsFloor(warmMs: number, windowMs: number): Promise<WsResult> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const frame = `{"type":"price","market_id":"0x${'ab'.repeat(32)}","pad":"${'x'.repeat(556)}"}`;
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
    // Case and floor alternate in short rounds and each keeps its best round, so a busy neighbour on a
    // shared machine hurts both alike instead of whichever phase it happens to overlap.
    const rounds = ctx.smoke ? 1 : 2;
    const warm = ctx.smoke ? 200 : 500;
    const windowMs = ctx.smoke ? 500 : 2000;
    const lanes = 32;
    const key = `ps_live_${'be'.repeat(32)}`;
    const rich = DEFAULT_TIERS.map((t) => (t.tier === 'pro' ? { ...t, starting_balance: '1000000000' } : t));

    const feedSim = await createSimulator({ seed: 1, markets: 50, tickMs: 0.05, limits: false, apiKeys: [key] });
    let rawWs: WsResult = { rate: 0, cpuPerFrame: Number.NaN };
    let feed: WsResult = { rate: 0, cpuPerFrame: Number.NaN };
    let serverFrames = 0;
    try {
      for (let r = 0; r < rounds; r++) {
        ctx.progress(`round ${r + 1}/${rounds}: raw ws push floor`);
        const raw = await rawWsFloor(warm, windowMs);
        if (raw.rate > rawWs.rate) rawWs = raw;
        ctx.progress(`round ${r + 1}/${rounds}: simulator price feed → one client (50 markets, offered ≈300k ticks/s)`);
        const tokenRes = await fetch(`${feedSim.baseUrl}/v1/keys/ws-token`, {
          method: 'POST',
          headers: { 'x-api-key': key },
        });
        const { token } = (await tokenRes.json()) as { token: string };
        const subscribe = JSON.stringify({ action: 'subscribe', markets: feedSim.marketIds.slice(0, 50) });
        const before = feedSim.stats().ws.frames_sent;
        const f = await measureWs(`${feedSim.wsUrl}/v1/ws/prices?token=${token}`, subscribe, warm, windowMs);
        if (f.rate > feed.rate) feed = f;
        serverFrames += feedSim.stats().ws.frames_sent - before;
      }
    } finally {
      await feedSim.close();
    }

    const orderSim = await createSimulator({ seed: 1, markets: 24, limits: false, tiers: rich, apiKeys: [key] });
    const rate = (r: HttpResult) => (r.ok * 1000) / r.ms;
    let bare: HttpResult = { ok: 0, other: 0, ms: 1, cpuPerReq: Number.NaN };
    let orders: HttpResult = { ok: 0, other: 0, ms: 1, cpuPerReq: Number.NaN };
    try {
      const listRes = await fetch(`${orderSim.baseUrl}/v1/markets?active_only=true&limit=8`, {
        headers: { 'x-api-key': key },
      });
      const active = (await listRes.json()) as { condition_id: string }[];
      const bodies = active.map((m) =>
        JSON.stringify({ market_id: m.condition_id, side: 'BUY', outcome: 'Yes', quantity: '5', order_type: 'market' }),
      );
      for (let r = 0; r < rounds; r++) {
        ctx.progress(`round ${r + 1}/${rounds}: bare fastify POST floor`);
        const b = await bareFastifyFloor(windowMs, lanes);
        if (rate(b) > rate(bare)) bare = b;
        ctx.progress(
          `round ${r + 1}/${rounds}: POST /v1/orders (market FOK, limits off, a fresh Idempotency-Key each)`,
        );
        const o = await measureHttp({
          base: orderSim.baseUrl,
          path: '/v1/orders',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          bodies,
          ms: windowMs,
          lanes,
          keyPrefix: `bench-${r}-`,
        });
        if (rate(o) > rate(orders)) orders = o;
      }
    } finally {
      await orderSim.close();
    }

    const us = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} µs` : '–');
    return [
      {
        title: `Simulator throughput (clients in child processes, loopback, best of ${rounds} alternating rounds)`,
        columns: ['measure', 'count', 'rate', 'server CPU per item', 'target'],
        rows: [
          [
            'raw ws push floor (ws.send, corked batches of 300, 662 B frames)',
            '–',
            fmtRate(rawWs.rate),
            us(rawWs.cpuPerFrame),
            '–',
          ],
          [
            'price frames received by one client (50 markets, 662 B)',
            String(serverFrames),
            fmtRate(feed.rate),
            us(feed.cpuPerFrame),
            '≥ 100 k/s',
          ],
          [
            `bare fastify POST floor (${lanes} in flight)`,
            String(bare.ok),
            fmtRate(rate(bare)),
            us(bare.cpuPerReq),
            '–',
          ],
          [
            `POST /v1/orders accepted, limits off (${lanes} in flight)`,
            `${orders.ok} ok / ${orders.other} other`,
            fmtRate(rate(orders)),
            us(orders.cpuPerReq),
            '≥ 3 k/s',
          ],
        ],
        notes: [
          'Frames: the simulator is offered more ticks than one socket takes; a client over 8 MB behind skips frames (and the feed drops ticks it cannot keep up with), so the rate is what the client really received. Count = frames sent over all rounds.',
          'Orders: market BUY 5 shares, VWAP book walk, fee, account booking, idempotency record, ledger entry, JSON reply.',
          'Server CPU per item = this process’s user+system CPU over the window / items; 1e6 / it is the one-core ceiling.',
        ],
      },
    ];
  },
};
