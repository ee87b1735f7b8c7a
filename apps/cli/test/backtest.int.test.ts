// `polybot backtest` end to end on files: determinism (guarantee 8), a hand-worked 10-tick example, clear
// errors for broken recordings, and a self-contained HTML report. No Redis: the backtest runs in-process.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GapContract, TickContract, tickKey } from '@polybot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand, SAMPLE_RECORDING } from '../src/backtest/command.js';
import type { BacktestReport } from '../src/backtest/report.js';
import { createRecordingWriter } from '../src/recording/writer.js';

let dir: string;
const M = `0x${'c0ffee'.padEnd(64, '7')}`;
const T0 = 1_764_000_000_000;
const quiet = { env: {} as Record<string, string>, write: () => {} };

/** One tick: Yes price, touch, emit offset from T0 and receive delay (ms). */
function tick(yes: number, bid: number, ask: number, emitOffset: number, delay = 5) {
  const base = {
    type: 'tick' as const,
    market_id: M,
    yes,
    no: 1_000_000 - yes,
    best_bid: bid,
    best_ask: ask,
    emit_ts_ms: T0 + emitOffset,
    recv_ts_ms: T0 + emitOffset + delay,
    conn_epoch: 1,
    source: 'websocket',
    tradable: true,
  };
  return TickContract.encode({ ...base, key: tickKey(base) });
}

// The worked example. Market M is "crypto" (fee rate 7 %), tick 0.01. threshold low 0.35, high 0.65, size
// 10; risk: stale 2000 ms, max position 20 shares, cooldown 1500 ms; fill at the touch on the deciding tick;
// slippage 200 bps (worst = ref × 1.02 rounded up onto the tick for buys, ref × 0.98 down for sells).
// Fee = shares × 0.07 × p × (1 − p), rounded to 5 dp, charged to the cent.
//
//  #  emit    recv     yes  bid/ask   decision         risk gate                  fill
//  1  +0      +5       .50  .49/.51   —
//  2  +1000   +1005    .34  .33/.35   BUY 10 ref .34   pass                       10 @ .35 (worst .3468→.35), notional 3.50,
//                                                                                  fee 10×.07×.35×.65 = .15925 → .16
//  3  +2000   +2005    .33  .32/.34   BUY 10 ref .33   cooldown (1000 < 1500 ms)
//  4  +3000   +3005    .30  .29/.31   BUY 10 ref .30   pass                       10 @ .31 (worst .306→.31), notional 3.10,
//                                                                                  fee 10×.07×.31×.69 = .14973 → .15
//  5  +5000   +5005    .28  .27/.29   BUY 10 ref .28   position_cap (20 + 10 > 20)
//  –  gap ts +5500 (disconnect): the feed is untrusted until a tick emitted after +5500
//  6  +5400   +5600    .70  .69/.71   SELL 10 ref .70  untrusted (late tick, emitted before the gap)
//  7  +7000   +7005    .70  .69/.71   SELL 10 ref .70  pass                       10 @ .69 (worst .686→.68), notional 6.90,
//                                                                                  fee 10×.07×.69×.31 = .14973 → .15;
//                                                                                  cost out 6.60 × 10/20 = 3.30,
//                                                                                  realised 6.90 − 3.30 − .15 = 3.45 (a win)
//  8  +8000   +8005    .75  .74/.76   SELL 10 ref .75  cooldown
//  9  +8500   +8505    .60  .59/.61   —
// 10  +9000   +11500   .20  .19/.21   BUY 10 ref .20   stale (11500 − 9000 > 2000)
//
// Cash 10000 − 3.66 − 3.25 + 6.75 = 9999.84; 10 Yes held at cost 3.30, marked at .20 = 2.00.
// Realised −.16 − .15 + 3.45 = 3.14; unrealised 2.00 − 3.30 = −1.30; total 1.84 = equity 10001.84 − 10000.
// Equity after each tick: 10000, 9999.74, 9999.64, 9999.09, 9998.69, 10007.09, 10006.84, 10007.34, 10005.84,
// 10001.84:
// max drawdown 10007.34 − 10001.84 = 5.50 (5.50 / 10007.34 = 0.0005).
// Gross exposure (as the risk gate counts it): 3.50 from +1005, 6.60 from +3005, 3.30 from +7005 (a sale
// takes its average-cost share off: 6.60 / 20 × 10); time-weighted over +5…+11500:
// (3.50 × 2000 + 6.60 × 4000 + 3.30 × 4495) / 11495 = 4.196041 (rounded down).
// Peak: a BUY first reserves at its worst price (ask + 2 % up on the tick: .31 → .32), so at +3005 the
// gate holds 3.50 + 3.20 = 6.70 until the fill commits 3.10.
const WORKED_LINES = [
  tick(500_000, 490_000, 510_000, 0),
  tick(340_000, 330_000, 350_000, 1000),
  tick(330_000, 320_000, 340_000, 2000),
  tick(300_000, 290_000, 310_000, 3000),
  tick(280_000, 270_000, 290_000, 5000),
  GapContract.encode({ type: 'gap', market_id: M, conn_epoch: 1, reason: 'disconnect', ts_ms: T0 + 5500 }),
  tick(700_000, 690_000, 710_000, 5400, 200),
  tick(700_000, 690_000, 710_000, 7000),
  tick(750_000, 740_000, 760_000, 8000),
  tick(600_000, 590_000, 610_000, 8500),
  tick(200_000, 190_000, 210_000, 9000, 2500),
];

const WORKED_ARGS = {
  strategy: 'threshold',
  params: '{"low":"0.35","high":"0.65","size":"10"}',
  fill: 'touch' as const,
  slippageBps: 200,
  env: { RISK_STALE_MS: '2000', RISK_MAX_POSITION: '20', RISK_COOLDOWN_MS: '1500' },
  write: () => {},
};

async function writeRecording(name: string, lines: Record<string, string>[]): Promise<string> {
  const path = join(dir, name);
  const w = await createRecordingWriter(path, {
    ns: 'handmade',
    partitions: 1,
    markets: [M],
    from_ms: null,
    to_ms: null,
    producer: 'backtest.int.test',
    market_meta: { [M]: { category: 'crypto', tick: '0.01' } },
  });
  for (const l of lines) await w.write(l);
  await w.close();
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polybot-bt-'));
});

describe('polybot backtest', () => {
  it('guarantee 8: the same recording and parameters give a byte-identical report (JSON and HTML)', async () => {
    const a = await backtestCommand({ ...quiet, out: join(dir, 'run-a') });
    const b = await backtestCommand({ ...quiet, file: SAMPLE_RECORDING, out: join(dir, 'run-b') });
    const ja = readFileSync(a.jsonPath);
    expect(ja.equals(readFileSync(b.jsonPath))).toBe(true);
    expect(readFileSync(a.htmlPath).equals(readFileSync(b.htmlPath))).toBe(true);
    // The sample is not trivial: the strategy traded and the risk gate blocked something.
    const r = JSON.parse(ja.toString('utf8')) as BacktestReport;
    expect(r.input.file).toBe('sample.jsonl.gz');
    expect(r.input.ticks).toBeGreaterThan(10_000);
    expect(r.input.gaps).toBeGreaterThan(0);
    expect(r.input.duplicates).toBe(1);
    expect(r.summary.trades).toBeGreaterThan(0);
    expect(Object.keys(r.summary.blocked).length).toBeGreaterThan(0);
    // Money is fixed decimal text, never a float.
    expect(r.summary.equity).toMatch(/^-?\d+\.\d{6}$/);
    expect(r.markets.every((m) => /^\d+\.\d{4}$/.test(m.yes_held))).toBe(true);

    // Fills one tick later (k+1) are deterministic too, and differ from fills at tick k.
    const c = await backtestCommand({ ...quiet, fillOn: 'next', out: join(dir, 'run-c') });
    const d = await backtestCommand({ ...quiet, fillOn: 'next', out: join(dir, 'run-d') });
    expect(readFileSync(c.jsonPath).equals(readFileSync(d.jsonPath))).toBe(true);
    expect(readFileSync(c.jsonPath).equals(ja)).toBe(false);
  });

  it('fills, fees and P&L of a hand-made 10-tick recording match the worked example', async () => {
    const file = await writeRecording('worked.jsonl.gz', WORKED_LINES);
    const { report: r } = await backtestCommand({ ...WORKED_ARGS, file, out: join(dir, 'worked') });
    expect(r.input).toMatchObject({ entries: 11, ticks: 10, gaps: 1, markets: 1 });
    expect(
      r.trades.map((t) => [t.t_ms - T0, t.side, t.outcome, t.quantity, t.price, t.notional, t.fee, t.pnl]),
    ).toEqual([
      [1005, 'BUY', 'Yes', '10.0000', '0.350000', '3.500000', '0.160000', '-0.160000'],
      [3005, 'BUY', 'Yes', '10.0000', '0.310000', '3.100000', '0.150000', '-0.150000'],
      [7005, 'SELL', 'Yes', '10.0000', '0.690000', '6.900000', '0.150000', '3.450000'],
    ]);
    expect(r.summary).toMatchObject({
      starting_cash: '10000.000000',
      ending_cash: '9999.840000',
      equity: '10001.840000',
      realized_pnl: '3.140000',
      unrealized_pnl: '-1.300000',
      total_pnl: '1.840000',
      fees: '0.460000',
      volume: '13.500000',
      trades: 3,
      buys: 2,
      sells: 1,
      wins: 1,
      losses: 0,
      win_rate: '1.0000',
      decisions: 8,
      intents: 3,
      blocked: { cooldown: 2, position_cap: 1, stale: 1, untrusted: 1 },
      rejected: {},
      max_drawdown: '5.500000',
      max_drawdown_pct: '0.0005',
      peak_exposure: '6.700000',
      avg_exposure: '4.196041',
    });
    expect(r.markets).toEqual([
      expect.objectContaining({
        market_id: M,
        category: 'crypto',
        fee_rate: '0.0700',
        yes_held: '10.0000',
        last_yes: '0.200000',
        realized: '3.140000',
        unrealized: '-1.300000',
        pnl: '1.840000',
      }),
    ]);
    expect(r.equity.map(([t, e]) => [t - T0, e])).toEqual([
      [5, '10000.000000'],
      [1005, '9999.740000'],
      [2005, '9999.640000'],
      [3005, '9999.090000'],
      [5005, '9998.690000'],
      [5600, '10007.090000'],
      [7005, '10006.840000'],
      [8005, '10007.340000'],
      [8505, '10005.840000'],
      [11500, '10001.840000'],
    ]);
  });

  it('no look-ahead: with fill on k+1 the buy decided on tick 2 fills at tick 3’s ask', async () => {
    const file = await writeRecording('worked-next.jsonl.gz', WORKED_LINES);
    const { report: r } = await backtestCommand({ ...WORKED_ARGS, fillOn: 'next', file, out: join(dir, 'next') });
    // Tick 3's ask is .34; fee 10 × .07 × .34 × .66 = .15708 → .16. It fills at tick 3's receive time.
    expect(r.trades[0]).toMatchObject({ t_ms: T0 + 2005, decided_ms: T0 + 1005, price: '0.340000', fee: '0.160000' });
  });

  it('a truncated recording fails naming the line, and writes no report', async () => {
    const whole = readFileSync(SAMPLE_RECORDING);
    const cut = join(dir, 'cut.jsonl.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const out = join(dir, 'cut-out');
    await expect(backtestCommand({ ...quiet, file: cut, out })).rejects.toThrow(
      /cut\.jsonl\.gz line \d+: truncated or corrupt gzip data/,
    );
    expect(existsSync(join(out, 'report.json'))).toBe(false);

    // A clean gzip stream that stops early: the missing end line is the error.
    const lines = gunzipSync(whole).toString('utf8').split('\n').slice(0, 100);
    const early = join(dir, 'early.jsonl.gz');
    writeFileSync(early, gzipSync(`${lines.join('\n')}\n`));
    await expect(backtestCommand({ ...quiet, file: early, out })).rejects.toThrow(
      /early\.jsonl\.gz line 101: truncated: no end line after 99 entries/,
    );
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });

  it('a corrupted line fails naming it, and writes no report', async () => {
    const good = await writeRecording('good.jsonl.gz', WORKED_LINES);
    const lines = gunzipSync(readFileSync(good)).toString('utf8').split('\n');
    lines[4] = lines[4]?.replace(/"yes":"[^"]+"/, '"yes":"abc"') ?? '';
    const bad = join(dir, 'bad.jsonl.gz');
    writeFileSync(bad, gzipSync(lines.join('\n')));
    const out = join(dir, 'bad-out');
    await expect(backtestCommand({ ...WORKED_ARGS, file: bad, out })).rejects.toThrow(
      /bad\.jsonl\.gz line 5: invalid Tick: yes/,
    );
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });

  it('the HTML report holds the equity curve and the per-market chart, and loads nothing from outside', async () => {
    const { report, htmlPath } = await backtestCommand({ ...quiet, out: join(dir, 'html') });
    const html = readFileSync(htmlPath, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const curve = /<svg id="equity-curve"[^>]*>[\s\S]*?<polyline points="([^"]+)"/.exec(html);
    expect(curve?.[1]?.split(' ')).toHaveLength(report.equity.length);
    expect(html).toContain('<svg id="market-chart"');
    expect(html.match(/<rect /g)).toHaveLength(report.markets.length);
    for (const m of report.markets) expect(html).toContain(m.market_id);
    // Self-contained: no URLs, no scripts, no stylesheets or images from elsewhere.
    expect(html).not.toMatch(/https?:|\/\/[a-z]|<script|<link|<img|<iframe|src=|href=|url\(|@import/i);
  });
});
