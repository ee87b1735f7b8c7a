// The memory benchmark's verdict: the lows of the second half of the run (right after a garbage collection),
// window against window, not one sample against another.
import { describe, expect, it } from 'vitest';
import { floorTrend } from '../../bench/src/cases/memory.js';

const series = (values: readonly number[]) => values.map((v, i) => ({ t: i * 10, v }));

describe('memory floor trend', () => {
  it('compares the lowest sample of the last window with the lowest of the first', () => {
    expect(floorTrend(series([100, 120, 110, 105, 130, 115, 125, 140, 130]))).toBeCloseTo(0.25, 10);
    expect(floorTrend(series([50, 50, 50, 50, 50, 50]))).toBe(0);
  });

  it('a collector swinging between garbage peaks and a steady live set reads flat', () => {
    // Fifteen samples between a live set of 100 and peaks up to 160, the last one caught at a peak.
    const saw = series([100, 140, 101, 160, 100, 130, 102, 150, 100, 145, 101, 155, 100, 150, 160]);
    expect(floorTrend(saw)).toBeLessThan(0.05);
    // The last sample against the first would read +60 %.
    expect(((saw.at(-1)?.v ?? 0) - (saw[0]?.v ?? 0)) / (saw[0]?.v ?? 1)).toBeGreaterThan(0.5);
  });

  it('a live set that keeps growing under the swings reads as growth', () => {
    const leak = series([100, 150, 104, 160, 108, 158, 112, 170, 116, 172, 120, 180, 124, 190, 128]);
    expect(floorTrend(leak)).toBeGreaterThan(0.1);
  });

  it('leaves out samples that are not numbers, and needs one per window', () => {
    expect(floorTrend(series([Number.NaN, Number.NaN]))).toBeNaN();
    expect(floorTrend(series([100, Number.NaN, 100, 120, 130, 125]))).toBeCloseTo(0.25, 10);
  });
});
