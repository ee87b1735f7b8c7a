// The report as terminal lines: a summary block and the per-market table (USD shown to the cent; the JSON
// keeps every micro-unit).

import { formatFixed, toMicro } from '@polybot/shared';
import type { BacktestReport } from './report.js';

const cents = (s: string) => formatFixed(toMicro(s), 2);
const pct = (s: string) => `${formatFixed(toMicro(s) * 100, 2)} %`;
const short = (id: string) => `${id.slice(0, 10)}…${id.slice(-4)}`;

function table(head: string[], rows: string[][], rightFrom: number): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)];
}

export function renderTable(r: BacktestReport, maxMarkets = 30): string[] {
  const s = r.summary;
  const counts = (o: Record<string, number>) =>
    Object.keys(o).length === 0
      ? 'none'
      : Object.entries(o)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
  const out = [
    `backtest ${r.input.file || r.input.ns} · ${r.config.strategy} · ${r.input.ticks} ticks, ${r.input.gaps} gaps, ${r.input.markets} markets · fill ${r.config.fill}/${r.config.fill_on}`,
    '',
    ...(
      [
        ['equity', `${cents(s.equity)} USD (start ${cents(s.starting_cash)}, return ${pct(s.return)})`],
        ['P&L', `${cents(s.total_pnl)} = realised ${cents(s.realized_pnl)} + unrealised ${cents(s.unrealized_pnl)}`],
        ['fees', cents(s.fees)],
        ['trades', `${s.trades} (${s.buys} buys, ${s.sells} sells) · volume ${cents(s.volume)}`],
        ['win rate', `${pct(s.win_rate)} (${s.wins} won, ${s.losses} lost)`],
        ['max drawdown', `${cents(s.max_drawdown)} (${pct(s.max_drawdown_pct)})`],
        ['exposure', `peak ${cents(s.peak_exposure)}, average ${cents(s.avg_exposure)}`],
        ['decisions', `${s.decisions} → ${s.intents} passed the risk gate`],
        ['blocked', counts(s.blocked)],
        ['rejected', `${counts(s.rejected)}${s.unfilled > 0 ? ` · ${s.unfilled} unfilled at end` : ''}`],
      ] satisfies [string, string][]
    ).map(([k, v]) => `${k.padEnd(13)}${v}`),
    '',
  ];
  const rows = r.markets
    .slice(0, maxMarkets)
    .map((m) => [
      short(m.market_id),
      m.category,
      String(m.ticks),
      String(m.trades),
      cents(m.fees),
      formatFixed(toMicro(m.yes_held), 2),
      formatFixed(toMicro(m.last_yes), 3),
      cents(m.realized),
      cents(m.unrealized),
      cents(m.pnl),
    ]);
  out.push(
    ...table(
      ['market', 'category', 'ticks', 'trades', 'fees', 'yes held', 'last', 'realised', 'unrealised', 'P&L'],
      rows,
      2,
    ),
  );
  if (r.markets.length > maxMarkets) out.push(`… ${r.markets.length - maxMarkets} more markets in report.json`);
  return out;
}
