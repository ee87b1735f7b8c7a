// Markets: Yes price sparkline (uPlot), last tick age, gap and stall markers.

import uPlot from 'uplot';
import { age, cell, micro, row, shortId } from '../format';
import type { MarketSeries, PageState } from '../state';

const charts = new Map<string, { plot: uPlot; holder: HTMLDivElement }>();

function spark(m: MarketSeries): HTMLDivElement {
  let c = charts.get(m.id);
  if (!c) {
    const holder = document.createElement('div');
    const plot = new uPlot(
      {
        width: 160,
        height: 28,
        cursor: { show: false },
        legend: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: false } },
        series: [{}, { stroke: '#37c', width: 1, points: { show: false } }],
      },
      [m.t, m.y],
      holder,
    );
    c = { plot, holder };
    charts.set(m.id, c);
  } else {
    c.plot.setData([m.t, m.y]);
  }
  return c.holder;
}

/** Stalled: no tick for 10× the market's median interval (at least 5 s). */
function stalled(m: MarketSeries, now: number): boolean {
  if (m.t.length < 3) return now - m.lastRecv > 15_000;
  const gaps: number[] = [];
  for (let i = Math.max(1, m.t.length - 30); i < m.t.length; i++) gaps.push(((m.t[i] ?? 0) - (m.t[i - 1] ?? 0)) * 1000);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] ?? 1000;
  return now - m.lastRecv > Math.max(5000, 10 * median);
}

export function renderMarkets(s: PageState, now: number): void {
  const tbody = document.querySelector('#markets tbody');
  if (!tbody) return;
  const rows = [...s.markets.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((m) => {
      const last = m.y[m.y.length - 1];
      const sparkCell = document.createElement('td');
      sparkCell.append(spark(m));
      // An open gap (no tick since) first; then a stall (our own measure, or the ingestor's market_quiet);
      // a gap closed within the last 5 minutes stays visible as a marker.
      const feed = m.lastGap?.open
        ? cell(`gap: ${m.lastGap.reason}`, 'gap')
        : stalled(m, now) || m.quietAt > m.lastRecv
          ? cell('stalled', 'stall')
          : m.lastGap && now - m.lastGap.t < 300_000
            ? cell(`ok · gap ${age(now - m.lastGap.t)} ago (${m.lastGap.reason})`, 'stall')
            : cell('ok', 'ok');
      return row(
        [
          cell(shortId(m.id)),
          cell(last === undefined ? '–' : micro(Math.round(last * 1_000_000), 4), 'num price'),
          sparkCell,
          cell(m.lastRecv > 0 ? age(now - m.lastRecv) : '–', 'num age'),
          feed,
        ],
        { 'data-market': m.id },
      );
    });
  tbody.replaceChildren(...rows);
}
