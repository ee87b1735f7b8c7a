import { describe, expect, it } from 'vitest';
import { canonical, ratio, shares, usd } from './report.js';

describe('report formatting', () => {
  it('ratios are exact, half-up, fixed places', () => {
    expect(ratio(1, 3)).toBe('0.3333');
    expect(ratio(2, 3)).toBe('0.6667');
    expect(ratio(5, 10_000)).toBe('0.0005');
    expect(ratio(-5, 10_000)).toBe('-0.0005');
    expect(ratio(1, 20_000)).toBe('0.0001');
    expect(ratio(7, 0)).toBe('0.0000');
    expect(ratio(3, 2, 0)).toBe('2');
    expect(ratio(5_500_000, 10_007_340_000)).toBe('0.0005');
  });

  it('money and shares are fixed decimal strings', () => {
    expect(usd(1_840_000)).toBe('1.840000');
    expect(usd(-160_000)).toBe('-0.160000');
    expect(shares(10_000_000)).toBe('10.0000');
  });

  it('canonical sorts keys at every level', () => {
    expect(JSON.stringify(canonical({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }))).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
