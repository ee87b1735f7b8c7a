import { ManualClock } from '@polybot/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, type Simulator } from '../src/index.js';
import { call, startSim } from './helpers.js';

const T0 = Date.parse('2026-05-11T20:30:00Z');
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Decimal string → integer micro-units, independently of the code under test. */
const micro = (s: string): number => {
  if (s.startsWith('-')) return -micro(s.slice(1));
  const [w, f = ''] = s.split('.');
  return Number(w) * 1e6 + Number(f.padEnd(6, '0'));
};

async function marketOf(s: Simulator, category: string): Promise<string> {
  const r = await call(s, 'GET', `/v1/markets?category=${category}&active_only=true`);
  return r.body[0].condition_id;
}

/** Pins the market so that the Yes best ask is exactly `ask`. */
async function pinAsk(s: Simulator, id: string, ask: string): Promise<void> {
  const book = await call(s, 'GET', `/v1/markets/${id}/book`);
  const mkt = await call(s, 'GET', `/v1/markets/${id}`);
  const gap = micro(book.body.asks.at(-1).price) - micro(mkt.body.live_price.buy);
  s.setPrice(id, String((micro(ask) - gap) / 1e6));
  const again = await call(s, 'GET', `/v1/markets/${id}/book`);
  expect(again.body.asks.at(-1).price).toBe(ask);
}

describe('trading conformance', () => {
  it('charges the polysim-api.md §10 fee to the cent: 10 sh @ 0.65 crypto → 0.16, 4 % market → 0.09', async () => {
    sim = await startSim({ limits: false, clock: new ManualClock(T0) });
    const crypto = await marketOf(sim, 'crypto');
    await pinAsk(sim, crypto, '0.65');
    const r = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: crypto, side: 'BUY', outcome: 'Yes', quantity: '10', order_type: 'market' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'FILLED',
      order_type: 'market',
      side: 'BUY',
      outcome: 'Yes',
      price: '0.65',
      quantity: '10',
      notional: '6.50',
      fee: '0.16',
      account_balance: '9993.34',
      price_source: 'best_ask',
      is_replay: false,
      position: { market_id: crypto, outcome: 'Yes', quantity: '10', avg_entry_price: '0.65', status: 'OPEN' },
    });
    expect(typeof r.body.order_id).toBe('number');
    const politics = await marketOf(sim, 'politics');
    await pinAsk(sim, politics, '0.65');
    const p = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: politics, side: 'BUY', outcome: 'Yes', quantity: '10' },
    });
    expect(p.body.fee).toBe('0.09');
    expect(p.body.account_balance).toBe('9986.75');
  });

  it('takes fee rates from options', async () => {
    sim = await startSim({ limits: false, clock: new ManualClock(T0), feeRates: { crypto: '0.02' } });
    const crypto = await marketOf(sim, 'crypto');
    await pinAsk(sim, crypto, '0.65');
    const r = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: crypto, side: 'BUY', outcome: 'Yes', quantity: '100' },
    });
    // 100 × 0.02 × 0.65 × 0.35 = 0.455 → 0.46
    expect(r.body.fee).toBe('0.46');
  });

  it('keeps balance, positions, history and total value consistent after a sequence of trades', async () => {
    sim = await startSim({ limits: false, clock: new ManualClock(T0) });
    const active = (await call(sim, 'GET', '/v1/markets?active_only=true')).body as { condition_id: string }[];
    const ids = active.slice(0, 4).map((m) => m.condition_id) as [string, string, string, string];
    const orders = [
      { market_id: ids[0], side: 'BUY', outcome: 'Yes', quantity: '20' },
      { market_id: ids[1], side: 'BUY', outcome: 'No', quantity: '15.5' },
      { market_id: ids[0], side: 'SELL', outcome: 'Yes', quantity: '7.25' },
      { market_id: ids[2], side: 'BUY', outcome: 'Yes', amount: '7.5' },
      { market_id: ids[3], side: 'BUY', outcome: 'Yes', quantity: '900' },
      { market_id: ids[1], side: 'SELL', outcome: 'No', quantity: '15.5' },
    ];
    for (const body of orders) {
      const r = await call(sim, 'POST', '/v1/orders', { body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.status).toBe('FILLED');
    }
    const history = (await call(sim, 'GET', '/v1/account/history?limit=500')).body as Record<string, string>[];
    expect(history).toHaveLength(orders.length);
    let cash = 10_000 * 1e6;
    const qty = new Map<string, number>();
    for (const h of history) {
      const k = `${h.market_id}|${h.outcome}`;
      const sign = h.side === 'BUY' ? 1 : -1;
      cash -= sign * micro(h.notional as string) + micro(h.fee as string);
      qty.set(k, (qty.get(k) ?? 0) + sign * micro(h.quantity as string));
      // The fee is the formula rounded to 5 dp then to cents.
      expect(micro(h.fee as string) % 10_000).toBe(0);
    }
    const balance = (await call(sim, 'GET', '/v1/account/balance')).body;
    expect(micro(balance.balance)).toBe(Math.round(cash / 10_000) * 10_000);
    const positions = (await call(sim, 'GET', '/v1/account/positions?status=OPEN')).body as Record<string, string>[];
    let value = 0;
    for (const p of positions) {
      expect(micro(p.quantity as string)).toBe(qty.get(`${p.market_id}|${p.outcome}`));
      value += micro(p.market_value as string);
    }
    expect([...qty.values()].filter((q) => q > 0)).toHaveLength(positions.length);
    // total_value = cash + Σ market value (market values are exact here: 4 dp shares × 2 dp prices).
    expect(micro(balance.total_value)).toBe(cash + value);
    expect(micro(balance.unrealized_pnl)).toBe(cash + value - 10_000 * 1e6);
  });

  it('rests, lists, cancels and matches limit orders with reservations', async () => {
    const clock = new ManualClock(T0);
    sim = await startSim({ limits: false, clock });
    const id = sim.marketIds[0] as string;
    sim.setPrice(id, '0.5');
    const rest = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '100', order_type: 'limit', price: '0.40' },
    });
    expect(rest.body).toMatchObject({ status: 'PENDING', price: '0.4', quantity: '100' });
    const bal = (await call(sim, 'GET', '/v1/account/balance')).body;
    expect(micro(bal.balance)).toBeLessThanOrEqual(micro('9960'));
    const listed = await call(sim, 'GET', '/v1/orders?status=PENDING');
    expect(listed.body.orders.map((o: { order_id: number }) => o.order_id)).toEqual([rest.body.order_id]);
    const naked = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: id, side: 'SELL', outcome: 'Yes', quantity: '10', order_type: 'limit', price: '0.9' },
    });
    expect(naked.body.error).toBe('INSUFFICIENT_POSITION');
    const del = await call(sim, 'DELETE', `/v1/orders/${rest.body.order_id}`);
    expect(del.body).toMatchObject({ status: 'CANCELLED', fee: '0' });
    expect((await call(sim, 'GET', '/v1/account/balance')).body.balance).toBe('10000.00');
    const again = await call(sim, 'DELETE', `/v1/orders/${rest.body.order_id}`);
    expect(again.body.error).toBe('ORDER_NOT_CANCELLABLE');
    expect((await call(sim, 'DELETE', '/v1/orders/999999')).status).toBe(404);

    const second = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '10', order_type: 'limit', price: '0.45' },
    });
    expect(second.body.status).toBe('PENDING');
    clock.advance(10_000);
    sim.setPrice(id, '0.40');
    expect(sim.match().filled).toBe(1);
    const got = await call(sim, 'GET', `/v1/orders/${second.body.order_id}`);
    expect(got.body).toMatchObject({ status: 'FILLED', fill_price: '0.45', cancelled_reason: null });
    // Filled after the taker window: a maker pays no fee.
    expect((await call(sim, 'GET', '/v1/account/balance')).body.balance).toBe('9995.50');

    const cancelAllBad = await call(sim, 'POST', '/v1/cancel-all');
    expect(cancelAllBad.body.error).toBe('CONFIRMATION_REQUIRED');
    await call(sim, 'POST', '/v1/orders', {
      body: { market_id: id, side: 'BUY', outcome: 'No', quantity: '10', order_type: 'limit', price: '0.05' },
    });
    const other = sim.marketIds.find((m) => m !== id) as string;
    const perMarket = await call(sim, 'DELETE', `/v1/cancel-market-orders?market=${other}`);
    expect(perMarket.body.canceled).toEqual([]);
    const all = await call(sim, 'POST', '/v1/cancel-all?confirm=true');
    expect(all.body.canceled).toHaveLength(1);
    expect((await call(sim, 'GET', '/v1/account/balance')).body.balance).toBe('9995.50');
  });

  it('fills FAK partially at the worst price with a partial_fill warning, stored as IOC', async () => {
    sim = await startSim({ limits: false, clock: new ManualClock(T0) });
    const id = (await call(sim, 'GET', '/v1/markets?active_only=true')).body[0].condition_id;
    sim.setPrice(id, '0.5');
    const book = await call(sim, 'GET', `/v1/markets/${id}/book`);
    const touch = book.body.asks.at(-1);
    const r = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5000', price: touch.price, time_in_force: 'FAK' },
    });
    expect(r.body).toMatchObject({ status: 'FILLED', price: touch.price, quantity: touch.size });
    expect(r.body.warnings).toEqual([`partial_fill:filled=${touch.size},requested=5000`]);
    const row = await call(sim, 'GET', `/v1/orders/${r.body.order_id}`);
    expect(row.body.time_in_force).toBe('IOC');
    const fok = await call(sim, 'POST', '/v1/orders', {
      body: {
        market_id: id,
        side: 'BUY',
        outcome: 'Yes',
        quantity: '5000',
        price: touch.price,
        order_type: 'limit',
        time_in_force: 'FOK',
      },
    });
    expect(fok.body).toMatchObject({ status: 'CANCELLED', notional: '0.00' });
  });

  it('expires GTD orders at their expiration and releases the reservation', async () => {
    const clock = new ManualClock(T0);
    sim = await startSim({ limits: false, clock });
    const id = (await call(sim, 'GET', '/v1/markets?active_only=true')).body[0].condition_id;
    sim.setPrice(id, '0.5');
    const past = await call(sim, 'POST', '/v1/orders', {
      body: {
        market_id: id,
        side: 'BUY',
        outcome: 'Yes',
        quantity: '10',
        order_type: 'limit',
        price: '0.1',
        time_in_force: 'GTD',
        expiration: T0 / 1000 - 1,
      },
    });
    expect(past.body.error).toBe('INVALID_ORDER_EXPIRATION');
    const o = await call(sim, 'POST', '/v1/orders', {
      body: {
        market_id: id,
        side: 'BUY',
        outcome: 'Yes',
        quantity: '10',
        order_type: 'limit',
        price: '0.1',
        time_in_force: 'GTD',
        expiration: T0 / 1000 + 5,
      },
    });
    expect(o.body.status).toBe('PENDING');
    expect((await call(sim, 'GET', '/v1/account/balance')).body.balance).not.toBe('10000.00');
    clock.advance(6000);
    expect(sim.match().expired).toBe(1);
    expect((await call(sim, 'GET', `/v1/orders/${o.body.order_id}`)).body).toMatchObject({
      status: 'EXPIRED',
      cancelled_reason: 'gtd_expired',
    });
    expect((await call(sim, 'GET', '/v1/account/balance')).body.balance).toBe('10000.00');
  });

  it('pages GET /v1/orders newest first with a cursor', async () => {
    sim = await startSim({ limits: false });
    const id = sim.marketIds[0] as string;
    for (let i = 0; i < 5; i++) {
      await call(sim, 'POST', '/v1/orders', { body: { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5' } });
    }
    const first = await call(sim, 'GET', '/v1/orders?limit=2');
    expect(first.body.has_more).toBe(true);
    expect(first.body.total_hint).toBe(5);
    const ids: number[] = first.body.orders.map((o: { order_id: number }) => o.order_id);
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await call(sim, 'GET', `/v1/orders?limit=2&cursor=${cursor}`);
      ids.push(...page.body.orders.map((o: { order_id: number }) => o.order_id));
      cursor = page.body.next_cursor;
    }
    expect(ids).toEqual([5, 4, 3, 2, 1]);
  });

  it('cancels resting orders when heartbeats stop', async () => {
    const clock = new ManualClock(T0);
    sim = await startSim({ limits: false, clock });
    const id = sim.marketIds[0] as string;
    sim.setPrice(id, '0.5');
    const hb = await call(sim, 'POST', '/v1/heartbeats', { body: { interval_ms: 1000 } });
    expect(hb.body).toEqual({ ok: true, expires_at_ms: T0 + 1000 });
    expect((await call(sim, 'POST', '/v1/heartbeats', { body: { interval_ms: 5 } })).status).toBe(422);
    const o = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '10', order_type: 'limit', price: '0.10' },
    });
    clock.advance(1500);
    sim.match();
    expect((await call(sim, 'GET', `/v1/orders/${o.body.order_id}`)).body.status).toBe('PENDING');
    clock.advance(1000);
    sim.match();
    expect((await call(sim, 'GET', `/v1/orders/${o.body.order_id}`)).body).toMatchObject({
      status: 'CANCELLED',
      cancelled_reason: 'heartbeat_expired',
    });
  });
});

describe('idempotency and limits', () => {
  it('replays an identical request, refuses a different body, and reports one still in flight', async () => {
    sim = await startSim({ limits: false });
    const id = sim.marketIds[0] as string;
    const body = { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5' };
    const headers = { 'idempotency-key': 'k-1' };
    const a = await call(sim, 'POST', '/v1/orders', { body, headers });
    const b = await call(sim, 'POST', '/v1/orders', { body, headers });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ order_id: a.body.order_id, is_replay: true, book_walk_levels: null });
    expect(a.body.client_order_id).toBe('k-1');
    const c = await call(sim, 'POST', '/v1/orders', { body: { ...body, quantity: '6' }, headers });
    expect(c.status).toBe(409);
    expect(c.body.error).toBe('IDEMPOTENCY_KEY_REUSE');
    // client_order_id in the body is the same key.
    const d = await call(sim, 'POST', '/v1/orders', { body: { ...body, client_order_id: 'k-1' } });
    expect(d.body.is_replay).toBe(true);
    // The latency fault holds the first request in flight (after its key is claimed) for 1.5 s.
    sim.faults.set({ latencyMs: 1500 });
    const both = await Promise.all([
      call(sim, 'POST', '/v1/orders', { body, headers: { 'idempotency-key': 'k-2' } }),
      new Promise((r) => setTimeout(r, 100)).then(() =>
        call(sim!, 'POST', '/v1/orders', { body, headers: { 'idempotency-key': 'k-2' } }),
      ),
    ]);
    expect(both.map((x) => x.status).sort()).toEqual([200, 409]);
    const f = both.find((x) => x.status === 409)!;
    expect(f.body.error).toBe('IDEMPOTENCY_CONFLICT_PENDING');
    expect(f.headers.get('retry-after')).toBe('1');
    expect(sim.ledger().filter((o) => o.client_order_id === 'k-2')).toHaveLength(1);
  });

  it('enforces per-key rate limits with 429, Retry-After and x-ratelimit headers', async () => {
    sim = await startSim({
      clock: new ManualClock(T0 + 100),
      tiers: DEFAULT_TIERS.map((t) => (t.tier === 'pro' ? { ...t, requests_per_second: 3 } : t)),
    });
    const ok = await call(sim, 'GET', '/v1/markets?limit=1');
    expect(ok.headers.get('x-ratelimit-tier')).toBe('pro');
    expect(ok.headers.get('x-ratelimit-limit-per-second')).toBe('3');
    expect(ok.headers.get('x-ratelimit-remaining-per-second')).toBe('2');
    await call(sim, 'GET', '/v1/markets?limit=1');
    await call(sim, 'GET', '/v1/markets?limit=1');
    const over = await call(sim, 'GET', '/v1/markets?limit=1');
    expect(over.status).toBe(429);
    expect(over.body.error).toBe('RATE_LIMIT_EXCEEDED');
    expect(over.headers.get('retry-after')).toBe('1');
    expect(over.headers.get('x-polysim-code')).toBe('RATE_LIMIT_EXCEEDED');
    expect(over.headers.get('x-ratelimit-remaining-per-second')).toBe('0');
    // Another key has its own window.
    const other = await call(sim, 'GET', '/v1/markets?limit=1', { key: `ps_test_${'b2'.repeat(32)}` });
    expect(other.status).toBe(200);
  });

  it('serialises writes per account: a write that would wait past the lock timeout gets 409 TRADE_IN_PROGRESS', async () => {
    // One write per 5 s: the second write would wait ~5 s, far past the 500 ms lock timeout.
    sim = await startSim({ writesPerSecond: 0.2, lockWaitMs: 500 });
    const id = sim.marketIds[0] as string;
    const body = { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5' };
    const [a, b] = await Promise.all([
      call(sim, 'POST', '/v1/orders', { body }),
      call(sim, 'POST', '/v1/orders', { body }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const busy = a.status === 409 ? a : b;
    expect(busy.body.error).toBe('TRADE_IN_PROGRESS');
    expect(busy.headers.get('retry-after')).toBe('1');
  });

  it('places batches entry by entry, with per-entry idempotency and the tier batch cap', async () => {
    sim = await startSim({ limits: false });
    const id = (await call(sim, 'GET', '/v1/markets?active_only=true')).body[0].condition_id;
    const ok = { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5', client_order_id: 'b-1' };
    const bad = { market_id: id, side: 'SELL', outcome: 'Yes', quantity: '50' };
    const r = await call(sim, 'POST', '/v1/orders/batch', { body: { orders: [ok, bad] } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ succeeded: 1, failed: 1 });
    expect(r.body.results[0]).toMatchObject({ status: 'FILLED', client_order_id: 'b-1' });
    expect(r.body.results[1]).toMatchObject({ order_id: 0, status: 'REJECTED', error: 'INSUFFICIENT_POSITION' });
    const again = await call(sim, 'POST', '/v1/orders', { body: [ok] });
    expect(again.body.results[0]).toMatchObject({ is_replay: true, order_id: r.body.results[0].order_id });
    const tooMany = await call(sim, 'POST', '/v1/orders', { body: Array.from({ length: 6 }, () => bad) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toBe('BATCH_LIMIT_EXCEEDED');
    expect(sim.ledger()).toHaveLength(1);
  });

  it('free tier is read-only', async () => {
    sim = await startSim({ defaultTier: 'free', limits: false });
    const r = await call(sim, 'POST', '/v1/orders', {
      body: { market_id: sim.marketIds[0], side: 'BUY', outcome: 'Yes', quantity: '5' },
    });
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('TIER_REQUIRES_UPGRADE');
  });
});
