import { describe, expect, it } from 'vitest';
import { DecimalError } from '../errors/polybot-error.js';
import {
  divMicro,
  formatFixed,
  fromMicro,
  fromMicroGeneral,
  MICRO,
  mulMicro,
  parsePrice,
  parseSize,
  roundTo,
  toMicro,
  toMicroGeneral,
} from './decimal.js';

/** What toMicro / toMicroGeneral give: a value or the error's class and message. */
function outcome(f: () => number): number | string {
  try {
    return f();
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('toMicro / fromMicro', () => {
  it.each([
    ['0', 0],
    ['1', MICRO],
    ['0.65', 650_000],
    ['0.000001', 1],
    ['10.5', 10_500_000],
    ['-3.25', -3_250_000],
    ['+2', 2_000_000],
    ['9993.34', 9_993_340_000],
    ['0.123456000', 123_456],
  ])('%s ⇄ %i micro', (s, m) => {
    expect(toMicro(s)).toBe(m);
  });

  it('formats without trailing zeros, with a minimum of places when asked', () => {
    expect(fromMicro(650_000)).toBe('0.65');
    expect(fromMicro(5_000_000)).toBe('5');
    expect(fromMicro(5_000_000, 2)).toBe('5.00');
    expect(fromMicro(-1)).toBe('-0.000001');
    expect(fromMicro(0)).toBe('0');
  });

  it('formats exactly as bigint arithmetic does, up to the largest safe integers', () => {
    const reference = (units: number, minDp: number) => {
      const abs = BigInt(Math.abs(units));
      let frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
      if (frac.length < minDp) frac = frac.padEnd(minDp, '0');
      const body = frac.length > 0 ? `${abs / 1_000_000n}.${frac}` : `${abs / 1_000_000n}`;
      return units < 0 ? `-${body}` : body;
    };
    const edges = [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 53 - 1_000_000, 999_999, 1_000_001, 10];
    let x = 7;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const scale = 10 ** (i % 16);
      const units = Math.trunc(((x / 2 ** 31 - 0.5) * 2 * Number.MAX_SAFE_INTEGER) / scale);
      edges.push(units, units - (units % 1000));
    }
    for (const u of edges) for (const dp of [0, 2, 6]) expect(fromMicro(u, dp), String(u)).toBe(reference(u, dp));
  });

  it.each(['', 'abc', '1e3', '6.5e-1', 'NaN', 'Infinity', '-Infinity', '1.2.3', '0x10', ' ', '.5', '5.'])(
    'rejects %j',
    (s) => {
      expect(() => toMicro(s)).toThrow(DecimalError);
    },
  );

  it('rejects more than 6 places unless a rounding is asked for', () => {
    expect(() => toMicro('0.1234567')).toThrow(DecimalError);
    expect(toMicro('0.1234567', 'floor')).toBe(123_456);
    expect(toMicro('0.1234567', 'ceil')).toBe(123_457);
    expect(toMicro('0.1234565', 'half-up')).toBe(123_457);
    expect(toMicro('0.1234564', 'half-up')).toBe(123_456);
    expect(toMicro('-0.1234567', 'floor')).toBe(-123_457);
    expect(toMicro('0.1234560000', 'exact')).toBe(123_456);
  });

  it('rejects values beyond the safe integer range', () => {
    expect(() => toMicro('99999999999999999999')).toThrow(DecimalError);
  });

  it('rejects non-strings and non-integers', () => {
    expect(() => toMicro(0.5 as unknown as string)).toThrow(DecimalError);
    expect(() => fromMicro(0.5)).toThrow(DecimalError);
    expect(() => fromMicro(Number.NaN)).toThrow(DecimalError);
  });
});

describe('prices and sizes', () => {
  it('prices must be inside (0, 1)', () => {
    expect(parsePrice('0.35')).toBe(350_000);
    for (const bad of ['0', '1', '1.01', '-0.2', 'NaN']) expect(() => parsePrice(bad)).toThrow(DecimalError);
  });
  it('sizes must be zero or more', () => {
    expect(parseSize('5')).toBe(5_000_000);
    expect(parseSize('0')).toBe(0);
    expect(() => parseSize('-1')).toThrow(DecimalError);
  });
});

describe('arithmetic without floats', () => {
  it('multiplies shares by price exactly', () => {
    // 10 shares × 0.65 = 6.50
    expect(mulMicro(10 * MICRO, 650_000)).toBe(6_500_000);
    // 0.1 + 0.2 style traps do not apply: 3 × 0.1 = 0.3 exactly
    expect(mulMicro(3 * MICRO, 100_000)).toBe(300_000);
    // rounding of sub-micro products
    expect(mulMicro(1, 500_000, 'half-up')).toBe(1);
    expect(mulMicro(1, 500_000, 'floor')).toBe(0);
  });
  it('divides USD by price into shares', () => {
    expect(divMicro(10 * MICRO, 650_000, 'floor')).toBe(15_384_615);
    expect(divMicro(10 * MICRO, 650_000, 'ceil')).toBe(15_384_616);
    expect(() => divMicro(1, 0)).toThrow(DecimalError);
  });
  it('rounds to a tick or quantum', () => {
    expect(roundTo(654_321, 10_000, 'floor')).toBe(650_000);
    expect(roundTo(654_321, 10_000, 'ceil')).toBe(660_000);
    expect(roundTo(655_000, 10_000, 'half-up')).toBe(660_000);
    expect(roundTo(-655_000, 10_000, 'half-up')).toBe(-660_000);
    expect(roundTo(-654_321, 10_000, 'floor')).toBe(-660_000);
    expect(roundTo(650_000, 10_000, 'ceil')).toBe(650_000);
  });
  it('formats fixed places for display (cents)', () => {
    expect(formatFixed(159_250, 2)).toBe('0.16');
    expect(formatFixed(91_000, 2)).toBe('0.09');
    expect(formatFixed(5 * MICRO, 2)).toBe('5.00');
    expect(formatFixed(-5_005_000, 2)).toBe('-5.01');
  });
});

describe('fast paths agree with the general (bigint) paths', () => {
  const ROUNDINGS = ['exact', 'floor', 'ceil', 'half-up'] as const;

  it('toMicro equals toMicroGeneral on valid and invalid strings, in every rounding', () => {
    const cases = [
      '0',
      '1',
      '00',
      '0.5',
      '0.50',
      '0.000001',
      '0.0000001',
      '0.1234565',
      '0.999999',
      '1.000000',
      '999999999',
      '999999999.999999',
      '1000000000',
      '1000000000.5',
      '9007199254.740991',
      '9007199254.740992',
      '123456789012',
      '.5',
      '5.',
      '1..2',
      '1.2.3',
      '',
      ' ',
      ' 0.5',
      '0.5 ',
      '+0.5',
      '-0.5',
      '-0',
      '0x10',
      '1e3',
      '1E-3',
      'NaN',
      'Infinity',
      '٣',
      '０.5',
      '0,5',
      '0.5a',
      'a0.5',
      '12345678.1234567',
      '0'.repeat(30),
      `1${'0'.repeat(20)}`,
    ];
    // Seeded random decimals around the fast path's limits (digits before/after the point, odd characters).
    let seed = 42;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = '0123456789.-+ e';
    for (let i = 0; i < 3000; i++) {
      const len = 1 + rnd(18);
      let s = '';
      for (let j = 0; j < len; j++) s += rnd(4) === 0 ? (alphabet[rnd(alphabet.length)] as string) : String(rnd(10));
      cases.push(s);
    }
    for (const s of cases)
      for (const r of ROUNDINGS)
        expect(
          outcome(() => toMicro(s, r)),
          `${JSON.stringify(s)} ${r}`,
        ).toEqual(outcome(() => toMicroGeneral(s, r)));
  });

  it('fromMicro equals fromMicroGeneral', () => {
    const values = [0, 1, 9, 10, 100_000, 999_999, MICRO, MICRO + 1, 10_500_000, 123_456_789, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 2000; i++) values.push((i * 4_503_599_627_370) % Number.MAX_SAFE_INTEGER, i * 1_000 + (i % 7));
    for (const v of values) {
      for (const u of [v, -v]) {
        for (const dp of [0, 2, 6]) expect(fromMicro(u, dp), `${u} ${dp}`).toBe(fromMicroGeneral(u, dp));
      }
    }
    for (const bad of [0.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])
      expect(() => fromMicro(bad)).toThrow(DecimalError);
  });
});
