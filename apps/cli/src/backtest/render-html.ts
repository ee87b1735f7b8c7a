// The report as one self-contained HTML page: inline CSS and inline SVG (equity curve, per-market P&L
// bars), no scripts, no fonts, no external URLs, so it opens offline and byte-identical for the same report.

import { formatFixed, toMicro } from '@polybot/shared';
import type { BacktestReport } from './report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cents = (s: string) => formatFixed(toMicro(s), 2);
const pct = (s: string) => `${formatFixed(toMicro(s) * 100, 2)} %`;
/** SVG coordinates with one decimal: fixed text, whatever the platform. */
const c1 = (n: number) => (Math.round(n * 10) / 10).toFixed(1);
const short = (id: string) => `${id.slice(0, 10)}…${id.slice(-4)}`;
const isoMs = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');

const W = 900;
const H = 280;
const PAD = { l: 70, r: 16, t: 16, b: 30 };

function equitySvg(r: BacktestReport): string {
  const pts = r.equity.map(([t, e]) => [t, toMicro(e)] as const);
  if (pts.length === 0) return '<p>No ticks: no equity curve.</p>';
  const t0 = pts[0]?.[0] ?? 0;
  const t1 = pts[pts.length - 1]?.[0] ?? t0;
  let lo = toMicro(r.summary.starting_cash);
  let hi = lo;
  for (const [, e] of pts) {
    if (e < lo) lo = e;
    if (e > hi) hi = e;
  }
  if (hi === lo) {
    hi += 1_000_000;
    lo -= 1_000_000;
  }
  const x = (t: number) => PAD.l + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r));
  const y = (e: number) => PAD.t + ((hi - e) / (hi - lo)) * (H - PAD.t - PAD.b);
  const line = pts.map(([t, e]) => `${c1(x(t))},${c1(y(e))}`).join(' ');
  const start = toMicro(r.summary.starting_cash);
  const ticks = [hi, (hi + lo) / 2, lo].map(
    (v) =>
      `<text x="${PAD.l - 6}" y="${c1(y(v) + 4)}" text-anchor="end">${formatFixed(Math.round(v), 2)}</text>` +
      `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${c1(y(v))}" y2="${c1(y(v))}" class="grid"/>`,
  );
  return `<svg id="equity-curve" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Equity curve">
<title>Equity (USD) over recording time</title>
${ticks.join('\n')}
<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${c1(y(start))}" y2="${c1(y(start))}" class="base"/>
<polyline points="${line}" class="equity"/>
<text x="${PAD.l}" y="${H - 8}">${esc(isoMs(t0))}</text>
<text x="${W - PAD.r}" y="${H - 8}" text-anchor="end">${esc(isoMs(t1))}</text>
</svg>`;
}

function marketSvg(r: BacktestReport): string {
  const rows = r.markets;
  if (rows.length === 0) return '<p>No markets.</p>';
  const barH = 18;
  const h = rows.length * barH + 20;
  const vals = rows.map((m) => toMicro(m.pnl));
  const max = Math.max(1, ...vals.map((v) => Math.abs(v)));
  const mid = 520;
  const span = 300;
  const bars = rows.map((m, i) => {
    const v = vals[i] ?? 0;
    const w = (Math.abs(v) / max) * span;
    const y = 10 + i * barH;
    const x = v >= 0 ? mid : mid - w;
    return (
      `<text x="10" y="${y + 13}">${esc(short(m.market_id))} · ${esc(m.category)}</text>` +
      `<rect x="${c1(x)}" y="${y + 2}" width="${c1(Math.max(w, 0.5))}" height="${barH - 5}" class="${v >= 0 ? 'pos' : 'neg'}"/>` +
      `<text x="${c1(v >= 0 ? mid + w + 6 : mid + 6)}" y="${y + 13}">${cents(m.pnl)}</text>`
    );
  });
  return `<svg id="market-chart" viewBox="0 0 ${W} ${h}" width="100%" role="img" aria-label="P&amp;L per market">
<title>P&amp;L per market (USD)</title>
<line x1="${mid}" x2="${mid}" y1="0" y2="${h}" class="base"/>
${bars.join('\n')}
</svg>`;
}

function kv(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function counts(o: Record<string, number>): string {
  const e = Object.entries(o);
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} ${v}`).join(', ');
}

export function renderHtml(r: BacktestReport): string {
  const s = r.summary;
  const title = `polybot backtest · ${r.config.strategy} · ${r.input.file || r.input.ns}`;
  const marketRows = r.markets
    .map(
      (m) =>
        `<tr><td class="id" title="${esc(m.market_id)}">${esc(short(m.market_id))}</td><td>${esc(m.category)}</td><td>${pct(m.fee_rate)}</td>` +
        `<td>${m.ticks}</td><td>${m.gaps}</td><td>${m.intents}</td><td>${m.blocked}</td><td>${m.trades}</td>` +
        `<td>${cents(m.volume)}</td><td>${cents(m.fees)}</td><td>${esc(m.yes_held)}</td><td>${esc(m.no_held)}</td>` +
        `<td>${esc(m.last_yes)}</td><td>${cents(m.realized)}</td><td>${cents(m.unrealized)}</td>` +
        `<td class="${toMicro(m.pnl) >= 0 ? 'up' : 'down'}">${cents(m.pnl)}</td></tr>`,
    )
    .join('\n');
  const trades = r.trades.slice(0, 200);
  const tradeRows = trades
    .map(
      (t) =>
        `<tr><td>${esc(isoMs(t.t_ms))}</td><td class="id" title="${esc(t.market_id)}">${esc(short(t.market_id))}</td><td>${t.side}</td>` +
        `<td>${esc(t.outcome)}</td><td>${esc(t.quantity)}</td><td>${esc(t.price)}</td><td>${esc(t.notional)}</td>` +
        `<td>${esc(t.fee)}</td><td>${esc(t.pnl)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d2330; padding: 0 16px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e3e6ec; text-align: right; white-space: nowrap; }
th { background: #f4f6fa; } .kv th { text-align: left; } .kv td { text-align: left; white-space: normal; }
td.id { font-family: ui-monospace, monospace; font-size: 12px; text-align: left; }
.up { color: #12805c; } .down { color: #b42318; }
svg text { font: 11px system-ui, sans-serif; fill: #4a5264; }
svg .equity { fill: none; stroke: #2f6fec; stroke-width: 1.5; }
svg .grid { stroke: #eceff4; } svg .base { stroke: #9aa3b5; stroke-dasharray: 4 3; }
svg .pos { fill: #3fb37f; } svg .neg { fill: #e0605a; }
.scroll { overflow-x: auto; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>${esc(r.input.producer)} · namespace ${esc(r.input.ns)} · ${r.input.ticks} ticks, ${r.input.gaps} gaps, ${r.input.markets} markets${
    r.input.first_ms !== null && r.input.last_ms !== null
      ? ` · ${esc(isoMs(r.input.first_ms))} → ${esc(isoMs(r.input.last_ms))}`
      : ''
  }</p>
${kv([
  ['Equity', `${cents(s.equity)} USD (start ${cents(s.starting_cash)}, return ${pct(s.return)})`],
  ['P&L', `${cents(s.total_pnl)} = realised ${cents(s.realized_pnl)} + unrealised ${cents(s.unrealized_pnl)}`],
  ['Fees', cents(s.fees)],
  ['Trades', `${s.trades} (${s.buys} buys, ${s.sells} sells), volume ${cents(s.volume)}`],
  ['Win rate', `${pct(s.win_rate)} (${s.wins} won, ${s.losses} lost)`],
  ['Max drawdown', `${cents(s.max_drawdown)} (${pct(s.max_drawdown_pct)})`],
  ['Exposure', `peak ${cents(s.peak_exposure)}, time-weighted average ${cents(s.avg_exposure)}`],
  ['Decisions', `${s.decisions}, ${s.intents} passed the risk gate`],
  ['Blocked', counts(s.blocked)],
  ['Rejected', `${counts(s.rejected)}${s.unfilled > 0 ? `, ${s.unfilled} unfilled at end` : ''}`],
  [
    'Config',
    `${r.config.strategy} ${JSON.stringify(r.config.params)} · fill ${r.config.fill} on ${r.config.fill_on} · slippage ${r.config.slippage_bps} bps · risk ${JSON.stringify(r.config.risk)}`,
  ],
])}
<h2>Equity curve</h2>
${equitySvg(r)}
<h2>P&amp;L per market</h2>
${marketSvg(r)}
<h2>Markets</h2>
<div class="scroll"><table>
<tr><th>market</th><th>category</th><th>fee</th><th>ticks</th><th>gaps</th><th>intents</th><th>blocked</th><th>trades</th><th>volume</th><th>fees</th><th>yes held</th><th>no held</th><th>last yes</th><th>realised</th><th>unrealised</th><th>P&amp;L</th></tr>
${marketRows}
</table></div>
<h2>Trades${r.trades.length > trades.length ? ` (first ${trades.length} of ${r.trades.length}; all in report.json)` : ''}</h2>
<div class="scroll"><table>
<tr><th>time</th><th>market</th><th>side</th><th>outcome</th><th>shares</th><th>price</th><th>notional</th><th>fee</th><th>P&amp;L</th></tr>
${tradeRows}
</table></div>
</body>
</html>
`;
}
