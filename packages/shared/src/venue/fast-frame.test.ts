// The price-frame fast path may only accept what PriceFrameSchema accepts, and must return the same content;
// whatever it declines goes through the schema. Checked on the simulator's frame shape and on many seeded
// mutations of it (valid and invalid values in every field).
import { describe, expect, it, vi } from 'vitest';
import { fastPriceFrame, parseServerFrame } from './frames.js';
import { PriceFrameSchema } from './wire.js';

const M = '0xc0dea98536d98f402e6ac1d1868b4c5481b6231c0eac771610f33fba4c20fee4';
const base = {
  type: 'price',
  market_id: M,
  condition_id: M,
  buy: '0.12',
  sell: '0.88',
  best_bid: '0.1',
  best_ask: '0.13',
  last_trade: '0.13',
  volume: '230108.35',
  outcomes: [
    { label: 'Yes', price: '0.12', token_id: '3355827948331193739553222348722587887701566810739250686106813892271411' },
    { label: 'No', price: '0.88', token_id: '8936373017949982497308184010752092737030578693783486531778964756414020' },
  ],
  active: true,
  closed: false,
  source: 'websocket',
  emit_ts_ms: 1778531400250,
  updated_at: '2026-05-11T20:30:00.250+00:00',
};

const candidates: Record<string, unknown[]> = {
  type: ['price', 'pong', 3],
  market_id: [undefined, M, '', 'x'.repeat(257), 7, null],
  condition_id: [undefined, M, '', null],
  buy: [undefined, null, '0.5', '+1', '-0.1', '1e3', 0.5, '', '1.'],
  sell: [undefined, null, '0.5', ' 0.5', '00.50'],
  best_bid: [undefined, null, '0', 'abc', true],
  last_trade_side: [undefined, null, 'BUY', 'x'.repeat(17), 4],
  volume: [undefined, '1'.repeat(31), '1'.repeat(30)],
  outcomes: [
    undefined,
    [],
    null,
    'no',
    [{ label: 'Yes' }],
    [{ price: '0.1' }],
    [{ label: 'Yes', price: '-1' }],
    [{ label: 'Yes', token_id: null, extra: 1 }],
    [null],
    Array.from({ length: 65 }, () => ({ label: 'a' })),
  ],
  tokens: [undefined, { a: { label: 'Yes', price: '0.1' } }, 'bad'],
  active: [undefined, null, false, 'true'],
  closed: [undefined, true, 0],
  source: [undefined, 'websocket', '', 'x'.repeat(65), 1],
  emit_ts_ms: [1778531400250, 0, -1, 1.5, '1778531400250', 2 ** 60, undefined],
  updated_at: [undefined, null, 'x'.repeat(65)],
  extra_field: [undefined, 'kept', { nested: true }],
};

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function mutate(r: () => number): Record<string, unknown> {
  const f: Record<string, unknown> = structuredClone(base);
  for (const [k, vs] of Object.entries(candidates)) {
    if (r() < 0.25) {
      const v = vs[Math.floor(r() * vs.length)];
      if (v === undefined) delete f[k];
      else f[k] = v;
    }
  }
  return f;
}

describe('price frame fast path', () => {
  it('takes the simulator frame shape, with the same content as the schema', () => {
    const fast = fastPriceFrame(structuredClone(base));
    expect(fast).toBeDefined();
    expect(fast).toEqual(PriceFrameSchema.parse(base));
  });

  it('never accepts what the schema rejects, and agrees on what both accept (seeded mutations)', () => {
    const r = rng(20261126);
    let fastTaken = 0;
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const f = mutate(r);
      const fast = fastPriceFrame(structuredClone(f));
      const strict = PriceFrameSchema.safeParse(f);
      if (!strict.success) rejected++;
      if (fast === undefined) continue;
      fastTaken++;
      expect(strict.success, JSON.stringify(f)).toBe(true);
      expect(fast).toEqual(strict.data);
    }
    // Both sides of the property are exercised.
    expect(fastTaken).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(200);
  });

  it('parseServerFrame uses it, and still returns DecodeErrors through the schema', () => {
    const spy = vi.spyOn(PriceFrameSchema, 'safeParse');
    try {
      const ok = parseServerFrame(JSON.stringify(base));
      expect(ok).toMatchObject({ kind: 'price', frame: { market_id: M, buy: '0.12' } });
      expect(spy).not.toHaveBeenCalled();
      const bad = parseServerFrame(JSON.stringify({ ...base, buy: '-1' }));
      expect(bad).toBeInstanceOf(Error);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
