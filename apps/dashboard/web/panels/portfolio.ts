// Portfolio: positions marked at the last tick, cash, realised and unrealised P&L over time (uPlot), fees.

import uPlot from 'uplot';
import { cell, row, setRows, setSummary, shortId } from '../format';
import type { PageState } from '../state';

let plot: uPlot | null = null;

function series(s: PageState): uPlot.AlignedData {
  // Decimal strings to numbers for drawing only; the text values stay exact.
  return [
    s.pnl.map((p) => p.t / 1000),
    s.pnl.map((p) => Number(p.realised)),
    s.pnl.map((p) => Number(p.unrealised)),
    s.pnl.map((p) => Number(p.realised) + Number(p.unrealised)),
  ];
}

export function renderPortfolio(s: PageState): void {
  const pf = s.status?.portfolio;
  setSummary('#pf-summary', [
    ['cash Δ', pf ? `${pf.cash} USD` : '–'],
    ['fees', pf ? `${pf.fees} USD` : '–'],
    ['realised', pf ? `${pf.realised} USD` : '–'],
    ['unrealised', pf ? `${pf.unrealised} USD` : '–'],
    ['fills', pf ? String(pf.fills) : '–'],
    ['open positions', pf ? String(pf.positions.length) : '–'],
  ]);
  setRows(
    '#positions tbody',
    (pf?.positions ?? []).map((p) =>
      row([
        cell(shortId(p.market)),
        cell(p.outcome),
        cell(p.qty, 'num'),
        cell(p.cost, 'num'),
        cell(p.mark ?? '–', 'num'),
        cell(p.unrealised ?? '–', 'num'),
      ]),
    ),
  );
  const holder = document.querySelector<HTMLElement>('#pnl-chart');
  if (!holder) return;
  if (!plot) {
    plot = new uPlot(
      {
        width: Math.max(300, holder.clientWidth || 520),
        height: 160,
        series: [
          {},
          { label: 'realised', stroke: '#2a6', width: 1.5 },
          { label: 'unrealised', stroke: '#c80', width: 1.5 },
          { label: 'total', stroke: '#37c', width: 2 },
        ],
      },
      series(s),
      holder,
    );
  } else {
    plot.setData(series(s));
  }
}
