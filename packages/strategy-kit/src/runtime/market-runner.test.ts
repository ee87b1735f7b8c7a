import { describe, expect, it } from 'vitest';
import { MARKET, mkGap, mkTick } from '../../test/fixtures.js';
import { parseStrategyParams } from '../registry.js';
import { threshold } from '../strategies/threshold.js';
import { type AnyStrategy, FLAT } from '../strategy.js';
import { gapKey, newSlot, stepGap, stepTick } from './market-runner.js';

const params = parseStrategyParams('threshold', {});

describe('market runner', () => {
  it('passes the tick time as ctx.now and the decisions through', () => {
    let seen = 0;
    const probe: AnyStrategy = {
      ...threshold,
      onTick: (state, tick, ctx) => {
        seen = ctx.now();
        return threshold.onTick(state, tick, ctx);
      },
    };
    const res = stepTick(probe, newSlot(probe, MARKET), mkTick(100_000, 1234), FLAT, params);
    expect(seen).toBe(1234);
    expect(res.decisions).toHaveLength(1);
    expect(res.untrusted).toBe(false);
  });

  it('marks the market untrusted after a gap until a tick emitted after it', () => {
    let slot = newSlot(threshold, MARKET);
    const g = stepGap(threshold, slot, mkGap(5000), FLAT, params);
    expect(g.untrusted).toBe(true);
    slot = g.slot;
    expect(slot.gapTs).toBe(5000);
    const old = stepTick(threshold, slot, mkTick(100_000, 4990), FLAT, params);
    expect(old.untrusted).toBe(true);
    expect(old.decisions).toHaveLength(1);
    const same = stepTick(threshold, old.slot, mkTick(100_000, 5000), FLAT, params);
    expect(same.untrusted).toBe(true);
    const fresh = stepTick(threshold, same.slot, mkTick(100_000, 5001), FLAT, params);
    expect(fresh.untrusted).toBe(false);
    expect(fresh.slot.gapTs).toBeNull();
    // The slot survives a checkpoint round trip.
    expect(JSON.parse(JSON.stringify(same.slot))).toEqual(same.slot);
  });

  it('drops malformed decisions and counts them', () => {
    const buggy: AnyStrategy = {
      ...threshold,
      onTick: (state) => ({
        state,
        decisions: [
          { side: 'BUY', outcome: 'Yes', quantity: 5_000_000, refPrice: 300_000, reason: 'ok' },
          { side: 'BUY', outcome: 'Yes', quantity: 5_000_001, refPrice: 300_000, reason: 'off quantum' },
          { side: 'BUY', outcome: 'Maybe' as 'Yes', quantity: 5_000_000, refPrice: 300_000, reason: 'bad outcome' },
          { side: 'SELL', outcome: 'No', quantity: 5_000_000, refPrice: 0, reason: 'zero price' },
          { side: 'SELL', outcome: 'No', quantity: 1e6, refPrice: 0.5, reason: 'float price' },
        ],
      }),
    };
    const res = stepTick(buggy, newSlot(buggy, MARKET), mkTick(100_000, 1), FLAT, params);
    expect(res.decisions.map((d) => d.reason)).toEqual(['ok']);
    expect(res.invalid).toBe(4);
  });

  it('gives gaps a stable key', () => {
    expect(gapKey(mkGap(12.5))).toBe(`${MARKET}-gap-12-1`);
  });
});
