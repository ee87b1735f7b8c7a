// The reference bot (seed-websocket-trading-bot.txt) flow, in TypeScript, against the simulator: mint a
// token, connect, subscribe, react to price frames with market orders that carry no price and use its
// Idempotency-Key scheme, and after a 4001 close re-mint, reconnect and resubscribe.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { Simulator } from '../src/index.js';
import { call, KEY, startSim } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface BotLog {
  connections: number;
  closes: number[];
  subscribedAcks: string[][];
  priceFrames: number;
  framesPerConnection: number[];
  results: { status: number; body: Record<string, unknown> }[];
}

/** One pass of run_ws_bot(): returns when the socket closes. */
async function runWsBot(base: string, marketIds: string[], log: BotLog, stop: { stopped: boolean }): Promise<void> {
  const tokenRes = await fetch(`${base}/v1/keys/ws-token`, { method: 'POST', headers: { 'X-API-Key': KEY } });
  const { token } = (await tokenRes.json()) as { token: string };
  const ws = new WebSocket(`${base.replace('http://', 'ws://')}/v1/ws/prices?token=${token}`);
  log.connections++;
  log.framesPerConnection.push(0);
  const idx = log.framesPerConnection.length - 1;
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  ws.on('message', (d) => {
    queue.push(d.toString());
    wake?.();
  });
  ws.on('close', (code) => {
    log.closes.push(code);
    closed = true;
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ action: 'subscribe', markets: marketIds }));
  while (!closed || queue.length > 0) {
    const msg = queue.shift();
    if (msg === undefined) {
      await new Promise<void>((r) => (wake = r));
      continue;
    }
    const data = JSON.parse(msg) as Record<string, unknown>;
    if (data.type === 'subscribed') log.subscribedAcks.push(data.markets as string[]);
    if (data.type !== 'price' || stop.stopped) continue;
    log.priceFrames++;
    log.framesPerConnection[idx] = (log.framesPerConnection[idx] ?? 0) + 1;
    const marketId = data.market_id as string;
    const yes = Number(data.buy);
    const side = yes < 0.35 ? 'BUY' : yes > 0.65 ? 'SELL' : undefined;
    if (!side) continue;
    const res = await fetch(`${base}/v1/orders`, {
      method: 'POST',
      headers: {
        'X-API-Key': KEY,
        'Content-Type': 'application/json',
        'Idempotency-Key': `ws-${marketId}-${side}-${Math.floor(Date.now() / 1000)}`,
      },
      body: JSON.stringify({ market_id: marketId, side, outcome: 'Yes', quantity: String(5), order_type: 'market' }),
    });
    log.results.push({ status: res.status, body: (await res.json()) as Record<string, unknown> });
  }
}

describe('reference bot flow', () => {
  it('trades on price frames without duplicates and recovers from a 4001 close by re-minting and resubscribing', async () => {
    sim = await startSim({ tickMs: 20, limits: false });
    const s = sim;
    const active = (await call(s, 'GET', '/v1/markets?active_only=true')).body as { condition_id: string }[];
    const [cheap, dear] = [active[0]!.condition_id, active[1]!.condition_id];
    s.setPrice(cheap, '0.2');
    s.setPrice(dear, '0.8');
    const log: BotLog = {
      connections: 0,
      closes: [],
      subscribedAcks: [],
      priceFrames: 0,
      framesPerConnection: [],
      results: [],
    };
    const stop = { stopped: false };
    // The reference bot's main(): any exception ends the session and it connects again (it sleeps 5 s;
    // this copy retries at once).
    const main = (async () => {
      while (!stop.stopped) {
        try {
          await runWsBot(s.baseUrl, [cheap, dear], log, stop);
        } catch {
          // reconnect
        }
      }
    })();

    await vi.waitFor(() => expect(log.results.filter((r) => r.body.side === 'BUY').length).toBeGreaterThan(2), {
      timeout: 10_000,
    });
    expect(log.subscribedAcks[0]).toEqual([cheap, dear]);
    const buy = log.results.find((r) => r.body.side === 'BUY')!;
    expect(buy.status).toBe(200);
    expect(buy.body).toMatchObject({ status: 'FILLED', order_type: 'market', outcome: 'Yes', quantity: '5' });
    // The SELL signal without a position is refused as a naked short, never executed.
    await vi.waitFor(() => expect(log.results.some((r) => r.body.error === 'INSUFFICIENT_POSITION')).toBe(true), {
      timeout: 10_000,
    });

    // Token expiry: the server closes with 4001; the bot re-mints, reconnects and resubscribes.
    await call(s, 'POST', '/_sim/expire-tokens');
    // Generous waits: under load the bot may still be placing orders for frames queued before the close.
    await vi.waitFor(() => expect(log.closes).toContain(4001), { timeout: 15_000 });
    await vi.waitFor(() => expect(log.connections).toBe(2), { timeout: 15_000 });
    await vi.waitFor(() => expect(log.subscribedAcks.at(-1)).toEqual([cheap, dear]), { timeout: 15_000 });
    await vi.waitFor(() => expect(log.framesPerConnection[1]).toBeGreaterThan(3), { timeout: 15_000 });
    expect(s.stats().ws.tokens_minted).toBe(2);

    stop.stopped = true;
    s.faults.dropSockets();
    await main;

    // No duplicates: each Idempotency-Key executed at most once; same-second repeats were replays.
    const ledger = s.ledger();
    const keys = ledger.map((o) => o.client_order_id);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k).toMatch(/^ws-0x[0-9a-f]{64}-(BUY|SELL)-\d+$/);
    const okBuys = log.results.filter((r) => r.status === 200);
    expect(okBuys.length).toBe(ledger.length + okBuys.filter((r) => r.body.is_replay === true).length);
    expect(s.stats().orders.replays).toBeGreaterThan(0);
  });
});
