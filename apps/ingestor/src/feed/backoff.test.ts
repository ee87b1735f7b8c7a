import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the base to the cap with jitter in [d/2, d]', () => {
    const lo = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => 0 });
    const hi = new Backoff({ baseMs: 1000, maxMs: 30_000, random: () => 0.999999 });
    const nominal = [1000, 2000, 4000, 8000, 16000, 30000, 30000];
    for (const d of nominal) {
      expect(lo.next()).toBe(d / 2);
      expect(hi.next()).toBe(d);
    }
  });

  it('starts over after reset', () => {
    const b = new Backoff({ baseMs: 10, maxMs: 1000, random: () => 0.999999 });
    b.next();
    b.next();
    expect(b.attempt).toBe(2);
    b.reset();
    expect(b.next()).toBe(10);
  });
});
