// Execution feed: every fill of an account is pushed to that account's /v1/ws/executions sockets.

import { fmt } from '@polybot/exchange';
import type { WebSocket } from 'ws';
import type { FillEvent } from '../orders/order-service.js';

export class ExecHub {
  readonly #byUser = new Map<number, Set<WebSocket>>();

  add(ws: WebSocket, userId: number): void {
    let set = this.#byUser.get(userId);
    if (!set) {
      set = new Set();
      this.#byUser.set(userId, set);
    }
    set.add(ws);
    ws.on('close', () => set.delete(ws));
  }

  push(e: FillEvent): void {
    const set = this.#byUser.get(e.rec.userId);
    if (!set || set.size === 0) return;
    const frame = JSON.stringify({
      type: 'fill',
      order_id: e.order.id,
      market_id: e.fill.marketId,
      side: e.fill.side,
      outcome: e.fill.outcome,
      price: fmt(e.fill.price),
      quantity: fmt(e.fill.quantity),
      filled_at: new Date(e.fill.ts).toISOString(),
    });
    for (const ws of set) if (ws.readyState === 1) ws.send(frame);
  }
}
