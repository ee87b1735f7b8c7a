import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, type Simulator } from '../src/index.js';
import { call, KEY, startSim } from './helpers.js';

let sim: Simulator;
beforeEach(async () => {
  // A small wallet, so an order the book can fill still overspends it.
  sim = await startSim({
    limits: false,
    tiers: DEFAULT_TIERS.map((t) => (t.tier === 'pro' ? { ...t, starting_balance: '100' } : t)),
  });
});
afterEach(async () => {
  await sim.close();
});

describe('REST conformance', () => {
  it('serves health without a key, with a request id', async () => {
    const r = await call(sim, 'GET', '/v1/health', { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', version: '1.0.0' });
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers a missing or malformed key with the 401 envelope and headers', async () => {
    const r = await call(sim, 'GET', '/v1/markets', { key: null });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'MISSING_API_KEY', message: expect.any(String) });
    expect(r.headers.get('x-polysim-code')).toBe('MISSING_API_KEY');
    expect(r.headers.get('x-request-id')).toBeTruthy();
    const bad = await call(sim, 'GET', '/v1/markets', { key: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('INVALID_KEY');
    expect(JSON.stringify(bad.body)).not.toContain('nope');
    const bearer = await call(sim, 'GET', '/v1/markets', { key: null, headers: { authorization: `Bearer ${KEY}` } });
    expect(bearer.status).toBe(200);
  });

  it('lists markets with string decimals, filters, and 404s unknown ones', async () => {
    const r = await call(sim, 'GET', '/v1/markets?limit=5');
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(5);
    const m = r.body[0];
    expect(m.condition_id).toMatch(/^0x[0-9a-f]{64}$/);
    expect(typeof m.live_price.buy).toBe('string');
    expect(m.clob_token_ids[0]).toMatch(/^\d{77}$/);
    const active = await call(sim, 'GET', '/v1/markets?active_only=true&limit=200');
    expect(active.body.every((x: { active: boolean }) => x.active)).toBe(true);
    expect(active.body.length).toBeLessThan(12);
    const q = await call(sim, 'GET', `/v1/markets?q=${encodeURIComponent(m.question.slice(5, 20))}`);
    expect(q.body.map((x: { condition_id: string }) => x.condition_id)).toContain(m.condition_id);
    const one = await call(sim, 'GET', `/v1/markets/${m.condition_id}`);
    expect(one.status).toBe(200);
    expect(typeof one.body.tokens[0].price).toBe('number');
    const missing = await call(sim, 'GET', `/v1/markets/0x${'0'.repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('MARKET_NOT_FOUND');
    const badLimit = await call(sim, 'GET', '/v1/markets?limit=0');
    expect(badLimit.status).toBe(422);
  });

  it('serves a book with bids ascending and asks descending (best level last)', async () => {
    const id = sim.marketIds[0] as string;
    const r = await call(sim, 'GET', `/v1/markets/${id}/book?outcome=Yes&depth=5`);
    expect(r.status).toBe(200);
    const bids = r.body.bids.map((l: { price: string }) => Number(l.price));
    const asks = r.body.asks.map((l: { price: string }) => Number(l.price));
    expect(bids).toHaveLength(5);
    expect([...bids].sort((a, b) => a - b)).toEqual(bids);
    expect([...asks].sort((a, b) => b - a)).toEqual(asks);
    expect(bids.at(-1)).toBeLessThan(asks.at(-1));
    expect(r.body.min_order_size).toBe('5');
  });

  it('returns tiers and a reusable ws token', async () => {
    const t = await call(sim, 'GET', '/v1/keys/tiers');
    expect(t.body.map((x: { tier: string }) => x.tier)).toEqual(['free', 'pro', 'pro_plus', 'enterprise']);
    const tok = await call(sim, 'POST', '/v1/keys/ws-token');
    expect(tok.status).toBe(200);
    expect(tok.body.expires_in).toBe(60);
    expect(tok.body.token).toMatch(/^eyJ/);
  });

  it('rejects bad input with the documented 4xx envelopes and never corrupts the balance', async () => {
    const id = sim.marketIds[0] as string;
    const cases: [unknown, number, string][] = [
      [{ market_id: id, side: 'BUY', outcome: 'Yes' }, 400, 'INVALID_QUANTITY'],
      [{ market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5', amount: '5' }, 400, 'INVALID_QUANTITY'],
      [{ market_id: id, side: 'BUY', outcome: 'Yes', quantity: '1e3' }, 400, 'INVALID_QUANTITY'],
      [{ market_id: id, side: 'BUY', outcome: 'Yes', quantity: 10 }, 422, 'VALIDATION_FAILED'],
      [{ market_id: id, side: 'HOLD', outcome: 'Yes', quantity: '10' }, 422, 'VALIDATION_FAILED'],
      [{ market_id: id, side: 'BUY', outcome: 'Maybe', quantity: '10' }, 400, 'INVALID_OUTCOME'],
      [{ market_id: id, side: 'BUY', outcome: 'Yes', quantity: '4' }, 400, 'INVALID_ORDER_MIN_SIZE'],
      [{ market_id: id, side: 'SELL', outcome: 'Yes', quantity: '10' }, 400, 'INSUFFICIENT_POSITION'],
      [
        { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '10', price: '0.655' },
        400,
        'INVALID_ORDER_MIN_TICK_SIZE',
      ],
      [{ market_id: id, side: 'BUY', outcome: 'Yes', quantity: '10', order_type: 'limit' }, 400, 'PRICE_REQUIRED'],
      [
        { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '10', price: '0.01' },
        400,
        'FOK_ORDER_NOT_FILLED_ERROR',
      ],
      [{ market_id: id, side: 'BUY', outcome: 'Yes', quantity: '10000' }, 400, 'INSUFFICIENT_BALANCE'],
      [{ market_id: `0x${'0'.repeat(64)}`, side: 'BUY', outcome: 'Yes', quantity: '10' }, 404, 'MARKET_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const r = await call(sim, 'POST', '/v1/orders', { body });
      expect({ body, status: r.status, code: r.body.error }).toEqual({ body, status, code });
      expect(r.headers.get('x-polysim-code')).toBe(code);
    }
    const garbage = await call(sim, 'POST', '/v1/orders', { raw: '{"market_id": ' });
    expect(garbage.status).toBe(422);
    expect(garbage.body.error).toBe('VALIDATION_FAILED');
    const huge = await call(sim, 'POST', '/v1/orders', { raw: JSON.stringify({ pad: 'x'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
    const bal = await call(sim, 'GET', '/v1/account/balance');
    expect(bal.body).toMatchObject({ balance: '100.00', starting_balance: '100.00', total_value: '100' });
    const unknownRoute = await call(sim, 'GET', '/v1/nope');
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers.get('x-polysim-code')).toBe('NOT_FOUND');
  });
});
