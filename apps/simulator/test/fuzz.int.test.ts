// Guarantee: bad input never crashes the simulator or corrupts balances. Seeded garbage goes to every
// writing route; every reply must be a documented 4xx envelope and the account must be untouched.

import { Rng } from '@polybot/exchange';
import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../src/index.js';
import { call, startSim } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ATOMS: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  Number.NaN,
  '',
  ' ',
  '5',
  '-5',
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  '99999999999999999999999',
  '0.00000001',
  '5.00001',
  '0.5',
  '1',
  'yes',
  'YES',
  'buy',
  'limit',
  'market',
  'GTD',
  'FAK',
  '💥',
  'x'.repeat(300),
  [],
  {},
  ['0x'],
];
const FIELDS = [
  'market_id',
  'side',
  'outcome',
  'quantity',
  'amount',
  'price',
  'order_type',
  'time_in_force',
  'expiration',
  'post_only',
];

describe('garbage in', () => {
  it('answers 300 seeded garbage orders with 4xx envelopes and leaves the account untouched', async () => {
    sim = await startSim({ limits: false });
    const s = sim;
    const rng = new Rng('fuzz');
    const market = s.marketIds[0] as string;
    for (let i = 0; i < 300; i++) {
      const body: Record<string, unknown> = { market_id: market, side: 'SELL', outcome: 'Yes', quantity: '5' };
      const n = 1 + rng.int(4);
      for (let k = 0; k < n; k++) body[FIELDS[rng.int(FIELDS.length)] as string] = ATOMS[rng.int(ATOMS.length)];
      // SELL without a position can never execute, so every reply must be a rejection.
      body.side = rng.int(2) === 0 ? 'SELL' : 'sell';
      const raw = rng.int(10) === 0 ? JSON.stringify(body).slice(0, rng.int(40)) : JSON.stringify(body);
      const r = await call(s, 'POST', '/v1/orders', { raw });
      expect(r.status, raw).toBeGreaterThanOrEqual(400);
      expect(r.status, raw).toBeLessThan(500);
      expect(r.body, raw).toEqual({ error: expect.any(String), message: expect.any(String) });
      expect(r.headers.get('x-polysim-code')).toBe(r.body.error);
    }
    for (const raw of ['[]', '"x"', '42', 'null', '{"interval_ms":"1000"}']) {
      const hb = await call(s, 'POST', '/v1/heartbeats', { raw });
      expect(hb.status).toBe(422);
    }
    expect((await call(s, 'DELETE', '/v1/orders/abc')).status).toBe(404);
    expect((await call(s, 'GET', '/v1/orders?limit=abc')).status).toBe(422);
    expect((await call(s, 'GET', '/v1/orders?cursor=%%%')).status).toBe(422);
    const bal = await call(s, 'GET', '/v1/account/balance');
    expect(bal.body).toMatchObject({ balance: '10000.00', total_value: '10000' });
    expect(s.ledger()).toHaveLength(0);
    expect((await call(s, 'GET', '/v1/health', { key: null })).status).toBe(200);
  });
});
