// Cross-check with the rest of polybot: the shared VenueClient and frame decoders (what the executor and the
// ingestor use) accept everything the simulator sends, and map its errors to the right codes.

import { createVenueClient, parseExecutionFrame, parseServerFrame, VenueError } from '@polybot/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Simulator } from '../src/index.js';
import { KEY, mintToken, openWs, startSim, type WsClient } from './helpers.js';

let sim: Simulator | undefined;
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await sim?.close();
  sim = undefined;
});

describe('shared VenueClient against the simulator', () => {
  it('decodes every route it uses and classifies rejections by venue code', async () => {
    sim = await startSim({ limits: false });
    const v = createVenueClient({ baseUrl: sim.baseUrl, apiKey: KEY, timeoutMs: 5000, connections: 2 });
    try {
      expect((await v.health()).health.status).toBe('ok');
      expect((await v.tiers()).tiers.map((t) => t.tier)).toContain('pro');
      const all = await v.markets({ active_only: true, limit: 200 });
      expect(all.length).toBeGreaterThan(5);
      const paged: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await v.marketsPage({ active_only: true, limit: 4, ...(cursor ? { cursor } : {}) });
        paged.push(...page.markets.map((m) => m.condition_id));
        if (!page.nextCursor || page.nextCursor === 'LTE=') break;
        cursor = page.nextCursor;
      }
      expect(paged).toEqual(all.map((m) => m.condition_id));
      const id = all[0]!.condition_id;
      expect((await v.market(id, { include_book: true })).market.condition_id).toBe(id);
      expect((await v.mintWsToken()).token).toMatch(/^eyJ/);

      const placed = await v.placeOrder(
        { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5', order_type: 'market', price: '0.99' },
        { idempotencyKey: 'vc-1' },
      );
      expect(placed.order.status).toBe('FILLED');
      expect(placed.requestId).toBeTruthy();
      const found = await v.findOrderByClientOrderId('vc-1');
      expect(found?.order_id).toBe(placed.order.order_id);
      expect((await v.getOrder(placed.order.order_id)).order.status).toBe('FILLED');

      const resting = await v.placeOrder(
        { market_id: id, side: 'BUY', outcome: 'No', quantity: '5', order_type: 'limit', price: '0.01' },
        { idempotencyKey: 'vc-2' },
      );
      expect(resting.order.status).toBe('PENDING');
      expect((await v.listOrders({ status: 'PENDING' })).orders).toHaveLength(1);
      expect((await v.cancelOrder(resting.order.order_id)).order.status).toBe('CANCELLED');
      expect((await v.balance()).balance.currency).toBe('USD');
      expect((await v.positions({ status: 'OPEN' })).positions).toHaveLength(1);
      expect((await v.heartbeat(5000)).ok).toBe(true);

      const err = await v
        .placeOrder(
          { market_id: id, side: 'SELL', outcome: 'No', quantity: '5', order_type: 'market', price: '0.01' },
          { idempotencyKey: 'vc-3' },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VenueError);
      expect((err as VenueError).venueCode).toBe('INSUFFICIENT_POSITION');
      expect((err as VenueError).status).toBe(400);
    } finally {
      await v.close();
    }
  });

  it('sends only frames the shared decoders accept', async () => {
    sim = await startSim({ limits: false, tickMs: 20 });
    const s = sim;
    const prices = await openWs(`${s.wsUrl}/v1/ws/prices?token=${await mintToken(s)}`);
    const execs = await openWs(`${s.wsUrl}/v1/ws/executions?token=${await mintToken(s)}`);
    clients.push(prices, execs);
    prices.send({ action: 'subscribe', markets: s.marketIds.slice(0, 6) });
    prices.send({ action: 'ping' });
    prices.send({ action: 'nope' });
    const v = createVenueClient({ baseUrl: s.baseUrl, apiKey: KEY, timeoutMs: 5000, connections: 1 });
    const active = (await v.markets({ active_only: true }))[0]!.condition_id;
    await v.placeOrder(
      { market_id: active, side: 'BUY', outcome: 'Yes', quantity: '5', price: '0.99' },
      { idempotencyKey: 'frames-1' },
    );
    await v.close();
    await vi.waitFor(() => expect(prices.frames.filter((f) => f.type === 'price').length).toBeGreaterThan(20), {
      timeout: 10_000,
    });
    await vi.waitFor(() => expect(execs.frames.some((f) => f.type === 'fill')).toBe(true), { timeout: 10_000 });
    const kinds = new Set<string>();
    for (const raw of prices.raw) {
      const f = parseServerFrame(raw);
      expect(f, raw).not.toBeInstanceOf(Error);
      kinds.add((f as { kind: string }).kind);
    }
    expect([...kinds].sort()).toEqual(['connected', 'error', 'pong', 'price', 'subscribed']);
    for (const raw of execs.raw) expect(parseExecutionFrame(raw), raw).not.toBeInstanceOf(Error);
  });
});
