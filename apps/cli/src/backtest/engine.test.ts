import { type Gap, GapContract, type Tick, TickContract, tickKey } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { Backtester, runBacktest } from './engine.js';

const M = `0x${'12'.repeat(32)}`;
const header = { ns: 'unit', producer: 'engine.test', market_meta: { [M]: { category: 'sports', tick: '0.01' } } };
const T0 = 1_764_000_000_000;

function tick(yes: number, at: number): Tick {
  const base = {
    type: 'tick' as const,
    market_id: M,
    yes,
    no: 1_000_000 - yes,
    best_bid: yes - 10_000,
    best_ask: yes + 10_000,
    emit_ts_ms: T0 + at,
    recv_ts_ms: T0 + at + 1,
    conn_epoch: 1,
    source: 'websocket',
    tradable: true,
  };
  return TickContract.decode(TickContract.encode({ ...base, key: tickKey(base) }));
}

const gap = (at: number): Gap =>
  GapContract.decode(GapContract.encode({ type: 'gap', market_id: M, conn_epoch: 1, reason: 'stall', ts_ms: T0 + at }));

const opts = { params: { size: '10' }, fill: 'touch' as const, limits: { cooldownMs: 0 } };

describe('Backtester', () => {
  it('skips the same venue tick twice in a row, as the workers do', async () => {
    const t = tick(300_000, 0);
    const r = await runBacktest({ header, entries: [t, t, tick(310_000, 1000)] }, opts);
    expect(r.input).toMatchObject({ entries: 3, ticks: 2, duplicates: 1 });
    expect(r.summary.trades).toBe(2);
  });

  it('a tick seen again later decides the same intent id: the first verdict stands, nothing fills twice', async () => {
    const t = tick(300_000, 0);
    const r = await runBacktest({ header, entries: [t, tick(310_000, 1000), t] }, opts);
    expect(r.summary.decisions).toBe(3);
    expect(r.summary.intents).toBe(2);
    expect(r.summary.trades).toBe(2);
    expect(new Set(r.trades.map((x) => x.intent_id)).size).toBe(2);
  });

  it('a blocked decision seen again later keeps its verdict and is not counted twice', async () => {
    const b = tick(310_000, 1000);
    const entries = [tick(300_000, 0), b, tick(305_000, 2000), b, tick(300_000, 7000)];
    const r = await runBacktest({ header, entries }, { ...opts, limits: { cooldownMs: 5000 } });
    expect(r.summary).toMatchObject({ decisions: 5, intents: 2, trades: 2, blocked: { cooldown: 2 } });
  });

  it('intent ids stay exact when keys need cleaning or ids are folded: one id, one verdict', async () => {
    const withKey = (at: number, key: string): Tick => ({ ...tick(300_000, at), key });
    // 'a:b' and 'a_b' give the same intent id (':' is cleaned to '_'): the second is a replay, either order.
    for (const keys of [
      ['a:b', 'a_b'],
      ['a_b', 'a:b'],
      ['a:b', 'a:b'],
    ]) {
      const entries = [withKey(0, keys[0] as string), tick(300_000, 5000), withKey(10_000, keys[1] as string)];
      const r = await runBacktest({ header, entries }, opts);
      expect(r.summary, keys.join(' then ')).toMatchObject({ decisions: 3, intents: 2, trades: 2 });
      expect(new Set(r.trades.map((x) => x.intent_id)).size).toBe(2);
    }
    // The same with a blocked first verdict (a cooldown): the copy under the other key stays blocked.
    for (const keys of [
      ['a_b', 'a:b'],
      ['a:b', 'a_b'],
    ]) {
      const entries = [tick(300_000, 0), withKey(1000, keys[0] as string), withKey(20_000, keys[1] as string)];
      const r = await runBacktest({ header, entries }, { ...opts, limits: { cooldownMs: 5000 } });
      expect(r.summary, keys.join(' then ')).toMatchObject({
        decisions: 3,
        intents: 1,
        trades: 1,
        blocked: { cooldown: 1 },
      });
    }
    // A namespace so long that intentId folds it into a digest: a tick seen again is still a replay.
    const t = tick(300_000, 0);
    const long = await runBacktest({ header, entries: [t, tick(310_000, 1000), t] }, { ...opts, ns: 'n'.repeat(250) });
    expect(long.summary).toMatchObject({ decisions: 3, intents: 2, trades: 2 });
    expect(long.trades[0]?.intent_id.length).toBeLessThanOrEqual(256);
  });

  it('a gap makes the market untrusted until a tick emitted after it', async () => {
    const r = await runBacktest({ header, entries: [gap(500), tick(300_000, 400), tick(300_000, 600)] }, opts);
    expect(r.summary.blocked).toEqual({ untrusted: 1 });
    expect(r.summary.trades).toBe(1);
  });

  it('fees follow the category in market_meta, and the default category otherwise', async () => {
    const sports = await runBacktest({ header, entries: [tick(300_000, 0)] }, opts);
    // 10 sh @ .31 (ask) at 3 %: 10 × .03 × .31 × .69 = .06417 → .06
    expect(sports.trades[0]?.fee).toBe('0.060000');
    const plain = await runBacktest({ header: { ns: 'x', producer: 'y' }, entries: [tick(300_000, 0)] }, opts);
    // default category other (5 %): .10695 → .11
    expect(plain.trades[0]?.fee).toBe('0.110000');
    expect(plain.markets[0]?.category).toBe('other');
  });

  it('orders in flight at the end (fill on k+1) are released unfilled', async () => {
    const r = await runBacktest({ header, entries: [tick(300_000, 0)] }, { ...opts, fillOn: 'next' });
    // The reservation is taken at the worst price the executor may pay: the ask 0.31 + 2 % → 0.3162, up on
    // the tick to 0.32, × 10 shares.
    expect(r.summary).toMatchObject({ intents: 1, trades: 0, unfilled: 1, peak_exposure: '3.200000' });
  });

  it('thins the equity curve evenly and keeps the last tick', async () => {
    const entries = Array.from({ length: 1001 }, (_, i) => tick(500_000 + (i % 7) * 10_000, i * 10));
    const r = await runBacktest({ header, entries }, { ...opts, equityPoints: 50 });
    expect(r.equity.length).toBeLessThanOrEqual(101);
    expect(r.equity.length).toBeGreaterThanOrEqual(50);
    expect(r.equity[0]?.[0]).toBe(T0 + 1);
    // Evenly spaced in ticks (10 ms apart here), apart from the last tick appended at the end.
    const steps = new Set(r.equity.slice(1, -1).map(([t], i) => t - (r.equity[i]?.[0] ?? 0)));
    expect(steps.size).toBe(1);
    expect(r.equity.at(-1)?.[0]).toBe(T0 + 10_001);
  });

  it('runs zscore too, and finish() is idempotent and final', async () => {
    const bt = new Backtester(header, { strategy: 'zscore' });
    for (let i = 0; i < 200; i++) bt.push(tick(400_000 + ((i * 37) % 11) * 10_000, i * 100));
    const a = bt.finish('f');
    expect(bt.finish('f')).toBe(a);
    expect(a.config.strategy).toBe('zscore');
    expect(() => bt.push(tick(400_000, 1))).toThrow(/finished/);
  });

  it('rejects bad market_meta and bad params with the field named', () => {
    expect(() => new Backtester({ ns: 'x', producer: 'y', market_meta: { [M]: { tick: '2' } } })).toThrow(
      /market_meta\..*tick/,
    );
    expect(() => new Backtester(header, { params: '{"low":"2"}' })).toThrow(/STRATEGY_PARAMS.*low/);
  });
});
