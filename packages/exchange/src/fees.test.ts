import { formatFixed, fromMicro, toMicro } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { FEE_RATES, feeRate, takerFee } from './fees.js';

describe('takerFee', () => {
  it('matches the polysim-api.md §10 example: 10 sh @ 0.65 crypto → 0.15925, shown 0.16', () => {
    const fee = takerFee(toMicro('10'), toMicro('0.65'), FEE_RATES.crypto);
    expect(fromMicro(fee.exact)).toBe('0.15925');
    expect(formatFixed(fee.charged, 2)).toBe('0.16');
  });

  it('matches the 4 % example: 10 sh @ 0.65 → 0.09', () => {
    const fee = takerFee(toMicro('10'), toMicro('0.65'), FEE_RATES.politics);
    expect(fromMicro(fee.exact)).toBe('0.091');
    expect(formatFixed(fee.charged, 2)).toBe('0.09');
  });

  it('is zero for geopolitics and for empty fills, and unknown categories pay 5 %', () => {
    expect(takerFee(toMicro('10'), toMicro('0.5'), FEE_RATES.geopolitics)).toEqual({ exact: 0, charged: 0 });
    expect(takerFee(0, toMicro('0.5'), FEE_RATES.crypto)).toEqual({ exact: 0, charged: 0 });
    expect(feeRate('nonsense')).toBe(50_000);
  });

  it('rounds to 5 dp first, then half-up to cents', () => {
    // 1 × 0.05 × 0.5 × 0.5 = 0.0125 → charged 0.01
    const fee = takerFee(toMicro('1'), toMicro('0.5'), FEE_RATES.other);
    expect(fromMicro(fee.exact)).toBe('0.0125');
    expect(formatFixed(fee.charged, 2)).toBe('0.01');
    // 100.1234 × 0.03 × 0.37 × 0.63 = 0.7001629… → 0.70016 → 0.70
    const f2 = takerFee(toMicro('100.1234'), toMicro('0.37'), FEE_RATES.sports);
    expect(fromMicro(f2.exact)).toBe('0.70016');
    expect(f2.charged).toBe(700_000);
  });
});
