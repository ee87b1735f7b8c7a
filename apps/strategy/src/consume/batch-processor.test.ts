import { describe, expect, it } from 'vitest';
import { compareStreamIds, encodeSlotRecord } from './batch-processor.js';

describe('compareStreamIds', () => {
  it('orders by milliseconds, then sequence, numerically', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('1700000000000-5', '1700000000000-5')).toBe(0);
    expect(compareStreamIds('1700000000001-0', '1700000000000-99')).toBeGreaterThan(0);
    expect(compareStreamIds('0-0', '1-0')).toBeLessThan(0);
  });
});

describe('encodeSlotRecord', () => {
  it('keeps the last id, the last tick key and the slot, and omits an absent key', () => {
    const slot = { state: { prices: [1, 2] }, gapTs: null };
    expect(JSON.parse(encodeSlotRecord({ slot, lastId: '5-1', lastKey: 'k' }))).toEqual({
      v: 1,
      id: '5-1',
      k: 'k',
      slot,
    });
    expect(JSON.parse(encodeSlotRecord({ slot, lastId: '5-1' }))).not.toHaveProperty('k');
  });
});
