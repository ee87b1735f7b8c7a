// The backtest report: plain data with money as fixed decimal strings (6 dp USD, 6 dp prices, 4 dp shares)
// and ratios as 4 dp strings, all computed from integer micro-units. Objects are built in a fixed key
// order, so JSON.stringify of the same run is byte-identical.

import { fromMicro, type Micro } from '@polybot/shared';

export const REPORT_FORMAT = 'polybot-backtest';
export const REPORT_VERSION = 1;

/** USD or prices: exactly 6 decimal places ("12.340000"). */
export const usd = (m: Micro): string => fromMicro(m, 6);
/** Shares: exactly 4 decimal places (the venue quantum). */
export const shares = (m: Micro): string => fromMicro(m, 4);

/** a / b as a decimal string with exactly `dp` places, rounded half-up; "0.0000" when b is 0. */
export function ratio(a: number, b: number, dp = 4): string {
  if (b === 0) return (0).toFixed(dp);
  const scale = 10n ** BigInt(dp);
  let n = BigInt(a) * scale * 2n;
  const d = BigInt(b) * 2n;
  const neg = n < 0n !== d < 0n;
  n = n < 0n ? -n : n;
  const q = (n + (d < 0n ? -d : d) / 2n) / (d < 0n ? -d : d);
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(dp, '0');
  const body = dp > 0 ? `${whole}.${frac}` : `${whole}`;
  return neg && q !== 0n ? `-${body}` : body;
}

/** JSON text with object keys sorted at every level (for free-form values such as strategy params). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export interface TradeRow {
  /** Fill time (the filling tick's recv_ts_ms, whole ms). */
  t_ms: number;
  /** Time of the tick the decision came from (whole ms). */
  decided_ms: number;
  intent_id: string;
  market_id: string;
  side: 'BUY' | 'SELL';
  outcome: string;
  quantity: string;
  price: string;
  notional: string;
  fee: string;
  /** Realised P&L of this fill (fee included; a buy realises minus its fee). */
  pnl: string;
  /** How the venue priced it: best_ask / best_bid (one level) or book_walk. */
  source: string;
  /** The strategy's reason for the decision. */
  reason: string;
}

export interface MarketRow {
  market_id: string;
  category: string;
  fee_rate: string;
  ticks: number;
  gaps: number;
  decisions: number;
  intents: number;
  blocked: number;
  rejected: number;
  trades: number;
  buys: number;
  sells: number;
  volume: string;
  fees: string;
  yes_held: string;
  no_held: string;
  last_yes: string;
  realized: string;
  unrealized: string;
  pnl: string;
}

export interface BacktestReport {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  input: {
    file: string;
    ns: string;
    producer: string;
    entries: number;
    ticks: number;
    gaps: number;
    /** The same venue tick twice in a row: skipped, as the workers skip it. */
    duplicates: number;
    markets: number;
    first_ms: number | null;
    last_ms: number | null;
  };
  config: {
    strategy: string;
    params: unknown;
    fill: string;
    fill_on: string;
    slippage_bps: number;
    starting_cash: string;
    default_category: string;
    risk: {
      stale_ms: number;
      max_position: string;
      max_exposure: string;
      cooldown_ms: number;
      orders_per_minute: number;
    };
  };
  summary: {
    starting_cash: string;
    ending_cash: string;
    equity: string;
    realized_pnl: string;
    unrealized_pnl: string;
    total_pnl: string;
    return: string;
    fees: string;
    volume: string;
    trades: number;
    buys: number;
    sells: number;
    wins: number;
    losses: number;
    /** Winning sells / sells that closed shares. */
    win_rate: string;
    decisions: number;
    /** Decisions dropped as malformed by the market runner. */
    invalid_decisions: number;
    intents: number;
    blocked: Record<string, number>;
    rejected: Record<string, number>;
    /** Orders still in flight at the end (fill_on next): released, never filled. */
    unfilled: number;
    max_drawdown: string;
    /** The drawdown as a fraction of the peak it fell from. */
    max_drawdown_pct: string;
    /** Largest gross exposure (cost of holdings plus pending buy notional, as the risk gate counts it). */
    peak_exposure: string;
    /** Time-weighted mean gross exposure over the recording. */
    avg_exposure: string;
  };
  markets: MarketRow[];
  /** [time ms, equity] after ticks, thinned evenly to between `equityPoints` and twice that; the last tick is kept. */
  equity: [number, string][];
  trades: TradeRow[];
}

/** The report as written to report.json: two-space indented, newline-terminated. */
export function reportJson(r: BacktestReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
