import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULTS, Faults } from './faults.js';

describe('Faults', () => {
  it('fires shares deterministically: 1 always, 0.5 every second time, 0 never', () => {
    const f = new Faults({ serverBusyShare: 0.5, ambiguousShare: 1 });
    expect(Array.from({ length: 6 }, () => f.busy())).toEqual([false, true, false, true, false, true]);
    expect(Array.from({ length: 3 }, () => f.ambiguous())).toEqual([true, true, true]);
    expect(f.malformed()).toBe(false);
  });

  it('merges patches and resets to no faults', () => {
    const f = new Faults();
    expect(f.set({ storm429: true, latencyMs: 5 })).toMatchObject({ storm429: true, latencyMs: 5, stallFeeds: false });
    expect(f.reset()).toEqual(DEFAULT_FAULTS);
  });
});
