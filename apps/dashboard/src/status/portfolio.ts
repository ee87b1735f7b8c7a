// The portfolio from the executor's projection `{ns}:positions` (micro-unit integers) marked at the last
// ticks: value = shares × price in integer arithmetic, shown as decimal strings.

import { formatFixed, mulMicro } from '@polybot/shared';
import type { PortfolioView, PositionView } from '../live/page-events.js';

const INT = /^-?\d{1,18}$/;

function int(v: string | undefined): number {
  return v !== undefined && INT.test(v) ? Number(v) : 0;
}

export function portfolioFrom(
  projection: Record<string, string>,
  lastPrices: ReadonlyMap<string, { yes: number; no: number }>,
): PortfolioView {
  const positions: PositionView[] = [];
  let unrealised = 0;
  for (const [field, raw] of Object.entries(projection)) {
    if (!field.startsWith('qty:')) continue;
    const qty = int(raw);
    if (qty === 0) continue;
    const pk = field.slice(4);
    const bar = pk.lastIndexOf('|');
    const market = bar < 0 ? pk : pk.slice(0, bar);
    const outcome = bar < 0 ? '' : pk.slice(bar + 1);
    const cost = int(projection[`cost:${pk}`]);
    const prices = lastPrices.get(market);
    const mark = prices === undefined ? null : outcome.toLowerCase() === 'no' ? prices.no : prices.yes;
    const pnl = mark === null ? null : mulMicro(qty, mark) - cost;
    if (pnl !== null) unrealised += pnl;
    positions.push({
      market,
      outcome,
      qty: formatFixed(qty, 4),
      cost: formatFixed(cost, 2),
      mark: mark === null ? null : formatFixed(mark, 4),
      unrealised: pnl === null ? null : formatFixed(pnl, 2),
    });
  }
  positions.sort((a, b) => a.market.localeCompare(b.market) || a.outcome.localeCompare(b.outcome));
  return {
    positions,
    cash: formatFixed(int(projection.cash), 2),
    realised: formatFixed(int(projection.realised), 2),
    unrealised: formatFixed(unrealised, 2),
    fees: formatFixed(int(projection.fees), 2),
    fills: int(projection.fills),
  };
}
