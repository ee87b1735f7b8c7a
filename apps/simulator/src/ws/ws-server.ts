// WebSocket endpoints on the HTTP server's upgrade event: /v1/ws/prices and /v1/ws/executions.
// The upgrade is always accepted; a bad token then closes 4001 and a tier cap 4002, so clients see codes.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SimContext } from '../context.js';

const PATHS = new Set(['/v1/ws/prices', '/v1/ws/executions']);

export function createWsServer(ctx: SimContext) {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
    clientTracking: false,
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (!PATHS.has(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, url));
  };

  const onConnection = (ws: WebSocket, url: URL) => {
    const stats = ctx.stats.ws;
    stats.connections_total++;
    stats.connections_open++;
    ctx.sockets.add(ws);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      stats.connections_open--;
      ctx.sockets.delete(ws);
    });
    const now = ctx.clock.now();
    const check = ctx.tokens.check(url.searchParams.get('token'), now);
    if (!check.ok) {
      stats.closes_4001++;
      ws.close(4001, check.reason === 'expired' ? 'Token expired' : 'Invalid token');
      return;
    }
    const rec = ctx.accounts.byUser(check.userId);
    if (!rec) {
      stats.closes_4001++;
      ws.close(4001, 'Invalid token');
      return;
    }
    if (rec.wsConnections >= rec.tier.max_ws_connections) {
      stats.closes_4002++;
      ws.close(4002, 'Connection limit exceeded for this tier');
      return;
    }
    rec.wsConnections++;
    let expiry: NodeJS.Timeout | undefined;
    ws.on('close', () => {
      rec.wsConnections--;
      if (expiry) clearTimeout(expiry);
    });
    if (ctx.opts.closeOnTokenExpiry) {
      expiry = setTimeout(
        () => {
          stats.closes_4001++;
          ws.close(4001, 'Token expired');
        },
        Math.max(0, check.expMs - now),
      );
    }
    ws.send(JSON.stringify({ type: 'connected', user_id: rec.userId, protocol_version: '1.0' }));
    if (url.pathname === '/v1/ws/prices') {
      ctx.priceHub.add(ws, rec.userId);
    } else {
      ctx.execHub.add(ws, rec.userId);
      ws.on('message', (data) => {
        let msg: { type?: unknown; action?: unknown } | undefined;
        try {
          msg = JSON.parse(data.toString());
        } catch {
          msg = undefined;
        }
        const op = msg?.type ?? msg?.action;
        if (typeof op === 'string' && op.toLowerCase() === 'ping') {
          ws.send(JSON.stringify({ type: 'pong', ts: Math.floor(ctx.clock.now()) }));
        }
      });
    }
  };

  return {
    onUpgrade,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}
