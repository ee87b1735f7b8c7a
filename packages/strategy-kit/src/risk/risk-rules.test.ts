import { describe, expect, it } from 'vitest';
import {
  commitRisk,
  decideRisk,
  emptyRiskState,
  evaluateRisk,
  positionViewOf,
  type RiskLimits,
  type RiskRequest,
  releaseRisk,
  reservationPrice,
} from './risk-rules.js';

const M = `0x${'ab'.repeat(32)}`;
const M2 = `0x${'cd'.repeat(32)}`;
const limits: RiskLimits = {
  staleMs: 2000,
  maxPosition: 20_000_000,
  maxExposure: 5_000_000,
  cooldownMs: 1000,
  ordersPerMinute: 100,
};
let n = 0;
const req = (over: Partial<RiskRequest> = {}): RiskRequest => ({
  intentId: `i${n++}`,
  marketId: M,
  side: 'BUY',
  outcome: 'Yes',
  quantity: 5_000_000,
  refPrice: 300_000,
  emitTsMs: 10_000,
  tradable: true,
  untrusted: false,
  ...over,
});

describe('evaluateRisk', () => {
  it('checks halt, tradable, staleness and trust first, in that order', () => {
    const s = emptyRiskState();
    s.halted = true;
    expect(evaluateRisk(req({ tradable: false }), s, limits, 10_000)).toEqual({
      ok: false,
      reason: 'halted',
      replayed: false,
    });
    s.halted = false;
    expect(evaluateRisk(req({ tradable: false, untrusted: true }), s, limits, 99_999)).toMatchObject({
      reason: 'not_tradable',
    });
    expect(evaluateRisk(req({ untrusted: true }), s, limits, 12_001)).toMatchObject({ reason: 'stale' });
    expect(evaluateRisk(req({ untrusted: true }), s, limits, 12_000.9)).toMatchObject({ reason: 'untrusted' });
    expect(evaluateRisk(req(), s, limits, 12_000.9)).toEqual({ ok: true, replayed: false });
  });

  it('reserves position and exposure and enforces both caps', () => {
    const s = emptyRiskState();
    const l = { ...limits, cooldownMs: 0 };
    // 5 shares at 0.30 = 1.5 USD each; the exposure cap (5 USD) lets three through.
    for (let i = 0; i < 3; i++) expect(evaluateRisk(req(), s, l, 10_000).ok).toBe(true);
    expect(s.gross).toBe(4_500_000);
    expect(evaluateRisk(req(), s, l, 10_000)).toMatchObject({ reason: 'exposure_cap' });
    expect(evaluateRisk(req({ refPrice: 100_000 }), s, l, 10_000).ok).toBe(true);
    expect(s.marketPosition.get(M)).toBe(20_000_000);
    expect(evaluateRisk(req({ refPrice: 1 }), s, l, 10_000)).toMatchObject({ reason: 'position_cap' });
    expect(evaluateRisk(req({ refPrice: 1, outcome: 'No' }), s, l, 10_000)).toMatchObject({ reason: 'position_cap' });
    // The exposure cap is account-wide: it is full (5 USD), so another market is blocked too.
    expect(evaluateRisk(req({ refPrice: 1, marketId: M2 }), s, l, 10_000)).toMatchObject({ reason: 'exposure_cap' });
    expect(positionViewOf(s, M).Yes).toEqual({ held: 0, pendingBuy: 20_000_000, pendingSell: 0 });
  });

  it('applies the cooldown per market and side', () => {
    const s = emptyRiskState();
    expect(evaluateRisk(req(), s, limits, 10_000).ok).toBe(true);
    expect(evaluateRisk(req(), s, limits, 10_999)).toMatchObject({ reason: 'cooldown' });
    expect(evaluateRisk(req({ marketId: M2 }), s, limits, 10_999).ok).toBe(true);
    expect(evaluateRisk(req({ side: 'SELL' }), s, limits, 10_999)).toMatchObject({ reason: 'no_position' });
    expect(evaluateRisk(req({ emitTsMs: 11_000 }), s, limits, 11_000).ok).toBe(true);
  });

  it('keeps an orders-per-minute budget over a sliding window', () => {
    const s = emptyRiskState();
    const l = { ...limits, cooldownMs: 0, ordersPerMinute: 2, staleMs: 1e9 };
    expect(evaluateRisk(req({ refPrice: 1 }), s, l, 0).ok).toBe(true);
    expect(evaluateRisk(req({ refPrice: 1 }), s, l, 30_000).ok).toBe(true);
    expect(evaluateRisk(req({ refPrice: 1 }), s, l, 59_999)).toMatchObject({ reason: 'budget' });
    expect(evaluateRisk(req({ refPrice: 1 }), s, l, 60_000).ok).toBe(true);
    expect(evaluateRisk(req({ refPrice: 1 }), s, l, 60_001)).toMatchObject({ reason: 'budget' });
  });

  it('is idempotent per intent id: the first verdict is returned again and nothing is reserved twice', () => {
    const s = emptyRiskState();
    const a = req();
    expect(evaluateRisk(a, s, limits, 10_000)).toEqual({ ok: true, replayed: false });
    s.halted = true;
    expect(evaluateRisk(a, s, limits, 50_000)).toEqual({ ok: true, replayed: true });
    expect(s.gross).toBe(1_500_000);
    const b = req();
    expect(evaluateRisk(b, s, limits, 10_000)).toMatchObject({ ok: false, reason: 'halted' });
    s.halted = false;
    expect(evaluateRisk(b, s, limits, 20_000)).toEqual({ ok: false, reason: 'halted', replayed: true });
    // A blocked verdict settles as blocked, and changes nothing.
    expect(releaseRisk(s, b.intentId)).toEqual({ applied: false, status: 'blocked' });
    expect(commitRisk(s, b.intentId, 1, 1)).toEqual({ applied: false, status: 'blocked' });
  });

  it('decideRisk gives evaluateRisk’s first verdicts and reservation, remembering passes only', () => {
    const a = emptyRiskState();
    const b = emptyRiskState();
    const seq = [req(), req(), req({ marketId: M2 }), req({ side: 'SELL' }), req({ refPrice: 900_000 })];
    for (const [i, r] of seq.entries()) {
      const now = 10_000 + i * 600;
      expect(decideRisk(r, b, limits, now), r.intentId).toEqual(evaluateRisk(r, a, limits, now));
    }
    expect(b.gross).toBe(a.gross);
    expect([...b.intents]).toEqual([...a.intents]);
    expect(a.intents.size).toBeGreaterThan(0);
    expect(a.blocked.size).toBeGreaterThan(0);
    expect(b.blocked.size).toBe(0);
  });
});

describe('commitRisk and releaseRisk', () => {
  it('turn reservations into holdings, sell them down, and give rejected ones back', () => {
    const s = emptyRiskState();
    const l = { ...limits, cooldownMs: 0 };
    const buy = req();
    evaluateRisk(buy, s, l, 10_000);
    // Partial fill of 4 shares at 0.31.
    expect(commitRisk(s, buy.intentId, 4_000_000, 310_000)).toEqual({ applied: true });
    expect(commitRisk(s, buy.intentId, 4_000_000, 310_000)).toEqual({ applied: false, status: 'committed' });
    expect(positionViewOf(s, M).Yes).toEqual({ held: 4_000_000, pendingBuy: 0, pendingSell: 0 });
    expect(s.gross).toBe(1_240_000);
    expect(s.marketPosition.get(M)).toBe(4_000_000);

    const tooMuch = req({ side: 'SELL', quantity: 5_000_000 });
    expect(evaluateRisk(tooMuch, s, l, 10_000)).toMatchObject({ reason: 'no_position' });
    const sell = req({ side: 'SELL', quantity: 3_000_000, refPrice: 600_000 });
    expect(evaluateRisk(sell, s, l, 10_000).ok).toBe(true);
    expect(evaluateRisk(req({ side: 'SELL', quantity: 2_000_000 }), s, l, 10_000)).toMatchObject({
      reason: 'no_position',
    });
    expect(commitRisk(s, sell.intentId, 3_000_000, 600_000)).toEqual({ applied: true });
    // The 3 sold shares take their average-cost share off (1.24 / 4 × 3 = 0.93), whatever the sale price:
    // the remaining share keeps its 0.31 of cost, so exposure never drops to 0 while shares are held.
    expect(s.cost.get(`${M}|Yes`)).toBe(310_000);
    expect(s.gross).toBe(310_000);
    expect(positionViewOf(s, M).Yes).toEqual({ held: 1_000_000, pendingBuy: 0, pendingSell: 0 });

    const rejected = req();
    evaluateRisk(rejected, s, l, 10_000);
    expect(s.gross).toBe(1_810_000);
    expect(releaseRisk(s, rejected.intentId)).toEqual({ applied: true });
    expect(releaseRisk(s, rejected.intentId)).toEqual({ applied: false, status: 'released' });
    expect(commitRisk(s, rejected.intentId, 1, 1)).toEqual({ applied: false, status: 'released' });
    expect(s.gross).toBe(310_000);
    expect(s.marketPosition.get(M)).toBe(1_000_000);
    expect(releaseRisk(s, 'nope')).toEqual({ applied: false, status: 'unknown' });
  });

  it('caps a fill at the reserved quantity and clears the cost of a closed position', () => {
    const s = emptyRiskState();
    const buy = req();
    evaluateRisk(buy, s, limits, 10_000);
    commitRisk(s, buy.intentId, 9_000_000, 300_000);
    expect(positionViewOf(s, M).Yes.held).toBe(5_000_000);
    const sell = req({ side: 'SELL' });
    evaluateRisk(sell, s, limits, 10_000);
    commitRisk(s, sell.intentId, 5_000_000, 100_000);
    expect(s.cost.get(`${M}|Yes`)).toBe(0);
    expect(s.gross).toBe(0);
  });
});

describe('reservationPrice', () => {
  it('reserves a BUY at the worst price the executor may fill it at, and leaves a SELL alone', () => {
    expect(reservationPrice('BUY', 340_000, 200)).toBe(350_000); // .3468 → .35
    expect(reservationPrice('BUY', 340_000, 0)).toBe(340_000);
    expect(reservationPrice('BUY', 985_000, 500)).toBe(990_000);
    expect(reservationPrice('BUY', 995_000, 500)).toBe(995_000); // never below the reference
    expect(reservationPrice('BUY', 1_000_000, 200)).toBe(1_000_000);
    expect(reservationPrice('SELL', 340_000, 200)).toBe(340_000);
  });
});
