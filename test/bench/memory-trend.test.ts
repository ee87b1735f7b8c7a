// The memory benchmark's verdict: a least-squares line through the second half of the samples, not one sample.
import { describe, expect, it } from 'vitest';
import { trend } from '../../bench/src/cases/memory.js';

describe('memory trend', () => {
  it('is the fitted rise across the span, relative to the fitted start', () => {
    const line = [0, 10, 20, 30].map((t) => ({ t, v: 100 + t }));
    expect(trend(line)).toBeCloseTo(0.3, 10);
    expect(trend([0, 10, 20].map((t) => ({ t, v: 50 })))).toBe(0);
  });

  it('one sample caught at a peak does not make a flat series grow', () => {
    // Fifteen samples swinging between 100 and 115 with each collection, the last one caught at 120.
    const saw = Array.from({ length: 15 }, (_, i) => ({ t: i * 10, v: i % 2 === 0 ? 100 : 115 }));
    saw.push({ t: 150, v: 120 });
    expect(trend(saw)).toBeLessThan(0.1);
    // The last sample against the first would read +20 %.
    expect((120 - 100) / 100).toBeGreaterThan(0.1);
  });

  it('ignores samples that are not numbers and needs three', () => {
    expect(
      trend([
        { t: 0, v: 1 },
        { t: 1, v: Number.NaN },
        { t: 2, v: 3 },
      ]),
    ).toBeNaN();
    expect(trend([0, 1, 2, 3].map((t) => ({ t, v: t === 1 ? Number.NaN : 10 + t })))).toBeCloseTo(0.3, 10);
  });
});
