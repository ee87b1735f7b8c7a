import { describe, expect, it } from 'vitest';
import { PriceModel } from './price-model.js';

const params = { start: 0.5, vol: 0.3, jumpProb: 0.05, jumpScale: 2, tick: 10_000, bound: Math.log(0.985 / 0.015) };

describe('PriceModel', () => {
  it('gives the same path for the same seed and a different one for another seed', () => {
    const a = new PriceModel('s1', params);
    const b = new PriceModel('s1', params);
    const c = new PriceModel('s2', params);
    const pa = Array.from({ length: 500 }, () => a.step());
    const pb = Array.from({ length: 500 }, () => b.step());
    const pc = Array.from({ length: 500 }, () => c.step());
    expect(pa).toEqual(pb);
    expect(pa).not.toEqual(pc);
  });

  it('stays on the tick and strictly inside (0, 1) even with violent steps', () => {
    const m = new PriceModel('wild', { ...params, vol: 3, jumpProb: 0.5, jumpScale: 10 });
    const bad: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const p = m.step();
      if (p % 10_000 !== 0 || p < 10_000 || p > 990_000) bad.push(p);
    }
    expect(bad).toEqual([]);
    expect(m.steps).toBe(20_000);
  });
});
