// A scripted /v1/ws/prices peer for ingestor tests: real sockets on loopback, with every fault under the
// test's control (close codes, stalls, garbage frames, incomplete subscribe acks).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { IngestorVenue } from '../src/venue/venue-port.js';

export interface ScriptedFeed {
  readonly venue: IngestorVenue & { readonly minted: number };
  wsUrl(token: string): string;
  /** Markets currently subscribed on each open socket. */
  subscriptions(): string[][];
  /** Sends a price frame for a market to every socket subscribed to it. */
  price(market: string, yes: string, emitTsMs: number): void;
  /** Sends a raw text frame on every open socket. */
  raw(text: string): void;
  /** Closes every socket with a code. */
  closeAll(code: number, reason?: string): void;
  /** While true, sockets stay open but no frame (not even pong) is sent. */
  stall(on: boolean): void;
  /** Markets left out of subscribe acks. */
  omitFromAck(markets: string[]): void;
  /** Sends a price frame for every market every `ms` (a live feed), until close(). */
  autoPrices(ms: number): void;
  readonly connects: number;
  close(): Promise<void>;
}

export function marketId(i: number): string {
  return `0x${i.toString(16).padStart(64, '0')}`;
}

export async function startScriptedFeed(markets: string[]): Promise<ScriptedFeed> {
  const http: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ server: http, path: '/v1/ws/prices' });
  const tokens = new Set<string>();
  const subs = new Map<WebSocket, Set<string>>();
  let minted = 0;
  let connects = 0;
  let stalled = false;
  let omitted = new Set<string>();
  let ticker: NodeJS.Timeout | undefined;
  let emitTs = 1_000_000;

  wss.on('connection', (ws, req) => {
    const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
    if (!tokens.has(token)) {
      ws.close(4001, 'invalid token');
      return;
    }
    connects++;
    subs.set(ws, new Set());
    ws.send(JSON.stringify({ type: 'connected', user_id: 1, protocol_version: '1.0' }));
    ws.on('message', (data) => {
      if (stalled) return;
      let msg: { action?: string; type?: string; markets?: string[] };
      try {
        msg = JSON.parse(String(data));
      } catch {
        ws.send(JSON.stringify({ type: 'error', message: 'Invalid JSON' }));
        return;
      }
      const op = String(msg.action ?? msg.type ?? '').toLowerCase();
      const set = subs.get(ws);
      if (!set) return;
      if (op === 'ping') ws.send(JSON.stringify({ type: 'pong', ts: Date.now() }));
      else if (op === 'subscribe') {
        for (const m of msg.markets ?? []) if (markets.includes(m) && !omitted.has(m)) set.add(m);
        ws.send(JSON.stringify({ type: 'subscribed', markets: [...set] }));
      } else if (op === 'unsubscribe') {
        for (const m of msg.markets ?? []) set.delete(m);
        ws.send(JSON.stringify({ type: 'subscribed', markets: [...set] }));
      }
    });
    ws.on('close', () => subs.delete(ws));
  });

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;

  const venue = {
    get minted() {
      return minted;
    },
    async mintWsToken() {
      minted++;
      const token = `tok${minted}x${Math.random().toString(36).slice(2)}`;
      tokens.add(token);
      return { token };
    },
    async tiers() {
      return [{ tier: 'pro', max_ws_connections: 3 }];
    },
    async markets(q: { limit: number; offset: number }) {
      return markets.slice(q.offset, q.offset + q.limit).map((condition_id) => ({
        condition_id,
        active: true,
        closed: false,
      }));
    },
  };

  const api: ScriptedFeed = {
    venue: venue as ScriptedFeed['venue'],
    wsUrl: (token) => `ws://127.0.0.1:${port}/v1/ws/prices?token=${token}`,
    subscriptions: () => [...subs.values()].map((s) => [...s].sort()),
    price(market, yes, emitTsMs) {
      if (stalled) return;
      const no = (1 - Number(yes)).toFixed(2);
      const frame = JSON.stringify({
        type: 'price',
        market_id: market,
        condition_id: market,
        buy: yes,
        sell: no,
        outcomes: [],
        volume: '100',
        source: 'websocket',
        emit_ts_ms: emitTsMs,
        updated_at: new Date(emitTsMs).toISOString(),
      });
      for (const [ws, set] of subs) if (set.has(market)) ws.send(frame);
    },
    raw(text) {
      for (const ws of subs.keys()) ws.send(text);
    },
    closeAll(code, reason) {
      for (const ws of subs.keys()) ws.close(code, reason);
    },
    stall(on) {
      stalled = on;
    },
    omitFromAck(ms) {
      omitted = new Set(ms);
    },
    autoPrices(ms) {
      clearInterval(ticker);
      ticker = setInterval(() => {
        emitTs++;
        for (const m of markets) api.price(m, '0.50', emitTs);
      }, ms);
    },
    get connects() {
      return connects;
    },
    async close() {
      clearInterval(ticker);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return api;
}
