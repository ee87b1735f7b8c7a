// Bench helper: the single-process baseline, the reference bot's shape. One process: WebSocket price feed →
// the same strategy code (every-nth, same params) → POST /v1/orders over an undici Pool, no Redis, no queue.
// It validates each frame with the same zod frame schema as the ingestor and decides in micro-units, so the
// comparison isolates what the multi-process pipeline adds. Timings use the same clock as the pipeline.
// IPC: {type:'start', warmupUntil} → records from then on; {type:'stop'} → {type:'samples', …} and exit.

import { buildOrderBody } from '@polybot/executor';
import { parseServerFrame, toMicro, wsUrl } from '@polybot/shared';
import type { OutcomePosition, PositionView, StrategyContext } from '@polybot/strategy-kit';
import { Pool } from 'undici';
import { WebSocket } from 'ws';
import { loadEveryNth } from '../lib/every-nth.js';

interface Config {
  baseUrl: string;
  apiKey: string;
  markets: string[];
  params: Record<string, unknown>;
  connections: number;
}

const now = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send?.(m);

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_BOT ?? '{}') as Config;
  const strategy = await loadEveryNth();
  const params = strategy.params.parse(cfg.params);
  const pool = new Pool(cfg.baseUrl, { connections: cfg.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { 'x-api-key': cfg.apiKey, 'content-type': 'application/json' };

  const tokenRes = await pool.request({ path: '/v1/keys/ws-token', method: 'POST', headers });
  const { token } = (await tokenRes.body.json()) as { token: string };

  const states = new Map<string, unknown>();
  const positions = new Map<string, { Yes: OutcomePosition; No: OutcomePosition }>();
  const positionOf = (m: string) => {
    let p = positions.get(m);
    if (!p) {
      p = { Yes: { held: 0, pendingBuy: 0, pendingSell: 0 }, No: { held: 0, pendingBuy: 0, pendingSell: 0 } };
      positions.set(m, p);
    }
    return p;
  };

  // Orders of ticks received inside [warmupUntil, stopAt] are kept, whenever their reply comes back.
  let warmupUntil = Number.POSITIVE_INFINITY;
  let stopAt = Number.POSITIVE_INFINITY;
  // [t_recv, t_decide, t_sent, t_ack] per order
  const samples: number[][] = [];
  let inflight = 0;
  let orders = 0;
  let failed = 0;
  let frames = 0;
  let seq = 0;
  const runId = Math.random().toString(36).slice(2, 8);

  const place = async (
    marketId: string,
    d: { side: 'BUY' | 'SELL'; outcome: string; quantity: number; refPrice: number },
    tRecv: number,
    tDecide: number,
  ) => {
    const pos = positionOf(marketId)[d.outcome === 'No' ? 'No' : 'Yes'];
    if (d.side === 'BUY') pos.pendingBuy += d.quantity;
    else pos.pendingSell += d.quantity;
    inflight++;
    const intentId = `base-${runId}-${seq++}`;
    try {
      const body = JSON.stringify(buildOrderBody({ intentId, marketId, ...d }, 200));
      const tSent = now();
      const res = await pool.request({
        path: '/v1/orders',
        method: 'POST',
        headers: { ...headers, 'idempotency-key': intentId },
        body,
      });
      const reply = (await res.body.json()) as { status?: string; quantity?: string };
      const tAck = now();
      orders++;
      if (res.statusCode === 200 && reply.status === 'FILLED' && reply.quantity) {
        const q = toMicro(reply.quantity);
        pos.held += d.side === 'BUY' ? q : -q;
      } else {
        failed++;
        if (failed <= 3) send({ type: 'log', msg: `${res.statusCode} ${JSON.stringify(reply).slice(0, 200)}` });
      }
      if (tRecv >= warmupUntil && tRecv <= stopAt) samples.push([tRecv, tDecide, tSent, tAck]);
    } catch (err) {
      failed++;
      if (failed <= 3) send({ type: 'log', msg: `POST failed: ${(err as Error).message}` });
    } finally {
      if (d.side === 'BUY') pos.pendingBuy -= d.quantity;
      else pos.pendingSell -= d.quantity;
      inflight--;
    }
  };

  const ws = new WebSocket(wsUrl(cfg.baseUrl, '/v1/ws/prices', token), { perMessageDeflate: false });
  ws.on('message', (data: Buffer) => {
    const tRecv = now();
    const parsed = parseServerFrame(data.toString('utf8'));
    if (parsed instanceof Error || parsed.kind !== 'price') return;
    const f = parsed.frame;
    if (!f.market_id || typeof f.buy !== 'string' || typeof f.sell !== 'string') return;
    frames++;
    const marketId = f.market_id.toLowerCase();
    const tick = {
      v: 1,
      type: 'tick' as const,
      market_id: marketId,
      yes: toMicro(f.buy, 'half-up'),
      no: toMicro(f.sell, 'half-up'),
      emit_ts_ms: f.emit_ts_ms ?? 0,
      recv_ts_ms: tRecv,
      conn_epoch: 1,
      source: 'websocket',
      tradable: f.closed !== true,
      key: '',
    };
    const ctx: StrategyContext<unknown> = {
      now: () => tick.emit_ts_ms,
      marketId,
      position: positionOf(marketId) as PositionView,
      params,
    };
    const r = strategy.onTick(states.get(marketId) ?? strategy.init(marketId), tick, ctx);
    states.set(marketId, r.state);
    for (const d of r.decisions) void place(marketId, d, tRecv, now());
  });
  ws.on('open', () => {
    ws.send(JSON.stringify({ action: 'subscribe', markets: cfg.markets }));
    send({ type: 'ready' });
  });
  ws.on('error', (err) => send({ type: 'error', error: String(err.message) }));

  process.on('message', async (m: { type?: string; warmupUntil?: number }) => {
    if (m?.type === 'start') warmupUntil = m.warmupUntil ?? now();
    if (m?.type === 'stop') {
      stopAt = now();
      ws.terminate();
      const deadline = now() + 60_000;
      while (inflight > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await pool.close();
      // Exit only once the (large) reply has been handed to the IPC channel.
      process.send?.({ type: 'samples', samples, orders, failed, frames }, () => process.exit(0));
    }
  });
}

main().catch((err: unknown) => {
  send({ type: 'error', error: String((err as Error).stack ?? err) });
  process.exit(1);
});
