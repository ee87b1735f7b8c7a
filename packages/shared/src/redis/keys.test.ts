import { describe, expect, it } from 'vitest';
import { keys } from './keys.js';
import { partition } from './partition.js';

/** The hash tag Redis Cluster uses: the first {…} with something inside, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open + 1, close);
}

describe('keys', () => {
  const k = keys('polybot');
  it('keeps a partition, its dedup index, lease, fence and state in one slot', () => {
    const tags = new Set([k.ticks(3), k.lastEmit(3), k.lease(3), k.fence(3), k.state(3), k.tally(3)].map(hashTag));
    expect(tags.size).toBe(1);
    expect(hashTag(k.ticks(3))).not.toBe(hashTag(k.ticks(4)));
  });
  it('keeps the risk keys and the halt switch together', () => {
    expect(new Set([k.halt, k.risk('exposure'), k.risk('cooldown')].map(hashTag)).size).toBe(1);
  });
  it('puts the queue under a braced prefix', () => {
    expect(k.bullPrefix).toBe('{polybot:bull}');
    expect(k.ordersQueue).toBe('polybot-orders');
    expect(k.ordersQueue).not.toContain(':');
  });
  it('names the streams of ARCHITECTURE.md', () => {
    expect([k.feed, k.intents, k.orders, k.dead]).toEqual([
      'polybot:feed',
      'polybot:intents',
      'polybot:orders',
      'polybot:dead',
    ]);
    expect(k.ticks(0)).toBe('polybot:ticks:{polybot:p0}');
  });
  it('refuses bad namespaces and partitions', () => {
    expect(() => keys('bad ns')).toThrow();
    expect(() => k.ticks(-1)).toThrow();
    expect(() => k.ticks(1.5)).toThrow();
  });
});

describe('partition', () => {
  it('is stable, in range, and case-insensitive', () => {
    const m = `0x${'ab'.repeat(32)}`;
    expect(partition(m, 8)).toBe(partition(m.toUpperCase().replace('0X', '0x'), 8));
    expect(partition(m, 8)).toBe(partition(m, 8));
    for (let i = 0; i < 100; i++) {
      const p = partition(`0x${i.toString(16).padStart(64, '0')}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
    }
  });
  it('spreads markets over partitions', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 800; i++) counts[partition(`0x${i.toString(16).padStart(64, '0')}`, 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(50);
  });
  it('pins known values (changing them would reshuffle every deployment)', () => {
    expect(partition(`0x${'0'.repeat(64)}`, 8)).toMatchInlineSnapshot(`5`);
    expect(partition(`0x${'ab'.repeat(32)}`, 16)).toMatchInlineSnapshot(`5`);
  });
  it('rejects a bad partition count', () => {
    expect(() => partition('0x1', 0)).toThrow();
  });
});
