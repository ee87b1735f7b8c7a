// Venue price frame → Tick: prices in micro-units, the outcomes[] fallback, and every refusal with its reason.
import { TickContract, tickKey } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { normalisePriceFrame } from './normalise.js';

const M = `0x${'Ab'.repeat(32)}`;
const m = M.toLowerCase();
const base = { market_id: M, buy: '0.52', sell: '0.48', emit_ts_ms: 1_764_000_000_123 };

describe('normalisePriceFrame', () => {
  it('a plain frame: lower-cased market, micro-unit prices, times, epoch, source, tradable, tick key', () => {
    const r = normalisePriceFrame(
      { ...base, best_bid: '0.51', best_ask: '0.53', source: 'websocket' },
      1_764_000_000_125.5,
      7,
    );
    const prices = {
      market_id: m,
      emit_ts_ms: base.emit_ts_ms,
      yes: 520_000,
      no: 480_000,
      best_bid: 510_000,
      best_ask: 530_000,
    };
    expect(r).toEqual({
      ok: true,
      tick: {
        type: 'tick',
        ...prices,
        recv_ts_ms: 1_764_000_000_125.5,
        conn_epoch: 7,
        source: 'websocket',
        tradable: true,
        key: tickKey(prices),
      },
    });
  });

  it('every field of a tick is a field of the contract (the writer sends ticks as TickContract.fields values)', () => {
    const r = normalisePriceFrame({ ...base, best_bid: '0.51', best_ask: '0.53', source: 'websocket' }, 1, 1);
    if (!r.ok) throw new Error(r.reason);
    for (const f of Object.keys(r.tick)) expect(TickContract.fields).toContain(f);
  });

  it('optional fields absent or null are left out; source defaults to unknown', () => {
    const r = normalisePriceFrame({ ...base, best_bid: null, best_ask: undefined, source: null }, 1, 1);
    expect(r.ok && r.tick).toEqual({
      type: 'tick',
      market_id: m,
      emit_ts_ms: base.emit_ts_ms,
      yes: 520_000,
      no: 480_000,
      recv_ts_ms: 1,
      conn_epoch: 1,
      source: 'unknown',
      tradable: true,
      key: tickKey({ market_id: m, emit_ts_ms: base.emit_ts_ms, yes: 520_000, no: 480_000 }),
    });
    expect(r.ok && 'best_bid' in r.tick).toBe(false);
  });

  it('rounds past 6 places half-up, takes finite numbers, and keeps 0 and 1', () => {
    const r = normalisePriceFrame({ ...base, buy: '0.1234565', sell: 0.25, best_bid: '0', best_ask: '1' }, 1, 1);
    expect(r.ok && [r.tick.yes, r.tick.no, r.tick.best_bid, r.tick.best_ask]).toEqual([123_457, 250_000, 0, 1_000_000]);
  });

  it('falls back to outcomes[] by label, then to the two outcomes in order', () => {
    const byLabel = normalisePriceFrame(
      {
        market_id: M,
        emit_ts_ms: 5,
        outcomes: [
          { label: 'NO', price: '0.3' },
          { label: 'yes', price: '0.7' },
        ],
      },
      1,
      1,
    );
    expect(byLabel.ok && [byLabel.tick.yes, byLabel.tick.no]).toEqual([700_000, 300_000]);
    const two = normalisePriceFrame(
      {
        condition_id: M,
        emit_ts_ms: 5,
        outcomes: [
          { label: 'Up', price: '0.6' },
          { label: 'Down', price: '0.4' },
        ],
      },
      1,
      1,
    );
    expect(two.ok && [two.tick.market_id, two.tick.yes, two.tick.no]).toEqual([m, 600_000, 400_000]);
  });

  it('closed markets and resolved up/down sources are not tradable', () => {
    expect(normalisePriceFrame({ ...base, closed: true }, 1, 1)).toMatchObject({ ok: true, tick: { tradable: false } });
    expect(normalisePriceFrame({ ...base, source: 'updown_resolved_x' }, 1, 1)).toMatchObject({
      ok: true,
      tick: { tradable: false },
    });
  });

  it.each([
    [{ ...base, market_id: '0x12' }, 'market_id: missing or invalid'],
    [{ ...base, market_id: undefined }, 'market_id: missing or invalid'],
    [{ ...base, emit_ts_ms: '5' }, 'emit_ts_ms: missing or not a positive integer'],
    [{ ...base, emit_ts_ms: 0 }, 'emit_ts_ms: missing or not a positive integer'],
    [{ ...base, emit_ts_ms: 1.5 }, 'emit_ts_ms: missing or not a positive integer'],
    [{ ...base, buy: undefined }, 'buy/sell missing and no usable outcomes[] prices'],
    [{ ...base, buy: 'abc' }, 'buy: not a plain decimal'],
    [{ ...base, buy: '1e-3' }, 'buy: not a plain decimal'],
    [{ ...base, buy: true }, 'buy: expected a decimal string'],
    [{ ...base, buy: Number.NaN }, 'buy: expected a decimal string'],
    [{ ...base, sell: '1.000001' }, 'sell: price outside [0, 1]'],
    [{ ...base, sell: '-0.5' }, 'sell: price outside [0, 1]'],
    [{ ...base, best_bid: '1.7' }, 'best_bid: price outside [0, 1]'],
    [{ ...base, best_ask: 'x' }, 'best_ask: not a plain decimal'],
    [{ ...base, source: '' }, 'source: expected a short string'],
    [{ ...base, source: 'x'.repeat(65) }, 'source: expected a short string'],
    [{ ...base, source: 5 }, 'source: expected a short string'],
  ])('refuses %j: %s', (frame, reason) => {
    expect(normalisePriceFrame(frame, 1, 1)).toEqual({ ok: false, reason });
  });
});
