import { describe, expect, it } from 'vitest';
import { generateMarkets } from './universe.js';

describe('generateMarkets', () => {
  it('derives stable, distinct ids from the seed', () => {
    const a = generateMarkets(42, 24);
    const b = generateMarkets(42, 30);
    expect(b.slice(0, 24)).toEqual(a);
    expect(new Set(a.map((m) => m.conditionId)).size).toBe(24);
    for (const m of a) {
      expect(m.conditionId).toMatch(/^0x[0-9a-f]{64}$/);
      expect(m.tokenIds[0]).toMatch(/^[1-9]\d{76}$/);
    }
    expect(generateMarkets(43, 1)[0]!.conditionId).not.toBe(a[0]!.conditionId);
    expect(a.some((m) => m.activity === 'busy') && a.some((m) => m.activity === 'quiet')).toBe(true);
  });
});
