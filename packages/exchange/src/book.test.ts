import { describe, expect, it } from 'vitest';
import { buildBook, complementBook, toWireLevels } from './book.js';

describe('buildBook', () => {
  it('puts depth on both sides around the mid, on the tick, best first, deterministically', () => {
    const b = buildBook(500_000, 10_000, 42, 7);
    expect(b.bids.length).toBe(20);
    expect(b.asks.length).toBe(20);
    expect(b.bids[0]!.price).toBeLessThan(500_000);
    expect(b.asks[0]!.price).toBeGreaterThan(500_000);
    for (let i = 1; i < 20; i++) {
      expect(b.bids[i]!.price).toBeLessThan(b.bids[i - 1]!.price);
      expect(b.asks[i]!.price).toBeGreaterThan(b.asks[i - 1]!.price);
    }
    for (const l of [...b.bids, ...b.asks]) {
      expect(l.price % 10_000).toBe(0);
      expect(l.size).toBeGreaterThan(0);
    }
    expect(buildBook(500_000, 10_000, 42, 7)).toEqual(b);
    expect(buildBook(500_000, 10_000, 42, 8)).not.toEqual(b);
  });

  it('truncates levels that would leave (0, 1)', () => {
    const b = buildBook(30_000, 10_000, 1, 1);
    expect(b.bids.every((l) => l.price > 0)).toBe(true);
    expect(b.bids.length).toBeLessThan(3);
  });

  it('gives the wire order: bids ascending and asks descending, best level last', () => {
    const b = buildBook(500_000, 10_000, 42, 7);
    const bids = toWireLevels(b.bids);
    const asks = toWireLevels(b.asks, 5);
    expect(Number(bids.at(-1)!.price)).toBe(b.bids[0]!.price / 1e6);
    expect(Number(bids[0]!.price)).toBeLessThan(Number(bids.at(-1)!.price));
    expect(asks.length).toBe(5);
    expect(Number(asks[0]!.price)).toBeGreaterThan(Number(asks.at(-1)!.price));
    expect(Number(asks.at(-1)!.price)).toBe(b.asks[0]!.price / 1e6);
  });

  it('derives the No book as the complement of the Yes book', () => {
    const b = buildBook(650_000, 10_000, 3, 3);
    const no = complementBook(b);
    expect(no.asks[0]!.price).toBe(1_000_000 - b.bids[0]!.price);
    expect(no.bids[0]!.price).toBe(1_000_000 - b.asks[0]!.price);
    expect(no.asks[0]!.size).toBe(b.bids[0]!.size);
  });
});
