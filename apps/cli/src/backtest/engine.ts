// The backtest engine: feeds recorded entries, in file order, through the workers' own market runner
// (stepTick/stepGap) and pure risk rules (evaluateRisk/commitRisk/releaseRisk), and fills what passes with
// @polybot/exchange's executeTaker on a synthetic book at that tick — the simulator's code path. The clock
// is the recording's: strategies see emit_ts_ms, the risk gate sees recv_ts_ms, as in a replay. Pure and
// deterministic: no I/O, no wall clock, no randomness; integer micro-units throughout.

import { Account, ExchangeError, executeTaker, feeRate, mul } from '@polybot/exchange';
import { fnv1a32, type Gap, intentId, intentIdPrefix, intentIdSafe, type Micro, type Tick } from '@polybot/shared';
import {
  type AnyStrategy,
  commitRisk,
  type Decision,
  decideRisk,
  emptyRiskState,
  evaluateRisk,
  gapKey,
  getStrategy,
  type MarketSlot,
  newSlot,
  type PositionView,
  parseStrategyParams,
  positionViewOf,
  type RiskState,
  releaseRisk,
  reservationPrice,
  stepGap,
  stepTick,
} from '@polybot/strategy-kit';
import { levelsAt, worstPrice } from './fill-model.js';
import { type MarketMeta, marketMetaOf, tickOf } from './market-meta.js';
import { type BacktestOptions, type BacktestSettings, withDefaults } from './options.js';
import {
  type BacktestReport,
  canonical,
  type MarketRow,
  REPORT_FORMAT,
  REPORT_VERSION,
  ratio,
  shares,
  type TradeRow,
  usd,
} from './report.js';

/** The recording header fields the backtest reads (RecordingHeader satisfies it). */
export interface BacktestHeader {
  ns: string;
  producer: string;
  [field: string]: unknown;
}

interface Order {
  intentId: string;
  decision: Decision;
  decidedMs: number;
}

interface MarketRun {
  id: string;
  slot: MarketSlot;
  lastKey: string | undefined;
  /** Ticks of this market so far (1-based ordinal of the current tick): the book's sequence number. */
  seq: number;
  tickSize: Micro;
  tickFromMeta: boolean;
  bookSeed: number;
  category: string;
  feeRate: Micro;
  yes: Micro;
  no: Micro;
  heldYes: Micro;
  heldNo: Micro;
  /** Holdings at the marks. */
  value: Micro;
  view: PositionView | undefined;
  inFlight: Order[];
  ticks: number;
  gaps: number;
  decisions: number;
  intents: number;
  blocked: number;
  rejected: number;
  trades: number;
  buys: number;
  sells: number;
  volume: Micro;
  fees: Micro;
}

/** intentId folds ids longer than this (namespace and strategy become digests). */
const MAX_INTENT_ID = 256;

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const sortedCounts = (m: Map<string, number>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as number;
  return out;
};

export class Backtester {
  readonly options: BacktestOptions;
  readonly #strategy: AnyStrategy;
  readonly #params: unknown;
  readonly #header: BacktestHeader;
  readonly #meta: Map<string, MarketMeta>;
  readonly #risk: RiskState = emptyRiskState();
  readonly #account: Account;
  readonly #markets = new Map<string, MarketRun>();
  #finished: BacktestReport | undefined;

  #entries = 0;
  #ticks = 0;
  #gaps = 0;
  #duplicates = 0;
  #firstMs: number | null = null;
  #lastMs: number | null = null;
  #decisions = 0;
  #invalid = 0;
  #intents = 0;
  readonly #blocked = new Map<string, number>();
  readonly #rejected = new Map<string, number>();
  #orderSeq = 0;
  #wins = 0;
  #losses = 0;
  #volume: Micro = 0;
  readonly #trades: TradeRow[] = [];

  // Which intent ids were decided before (their first verdict stands). An id built from a key that needs no
  // cleaning, short enough not to be folded, is `${#idPrefix}${key}.${index}`: for those, #decided keeps
  // key → decision indexes decided (always 0…n−1), one entry per tick key instead of one per intent id in
  // the risk ledger — a long run decides hundreds of thousands. Any other id goes through the ledger's own
  // memory (evaluateRisk); #ledgerIds then makes both sides look at each other, so ids stay exact.
  readonly #idPrefix: string;
  readonly #decided = new Map<string, number>();
  #ledgerIds = false;

  // equity, drawdown, exposure
  #value: Micro = 0;
  #peak: Micro;
  #maxDd: Micro = 0;
  #maxDdPeak: Micro = 1;
  #curve: [number, Micro][] = [];
  #stride = 1;
  #sinceSample = 0;
  #lastT: number | null = null;
  #lastEq: Micro = 0;
  #peakExposure: Micro = 0;
  #exposureArea = 0n;
  #exposureSince: number | null = null;
  #exposureNow: Micro = 0;

  constructor(header: BacktestHeader, opts: BacktestSettings = {}) {
    this.options = withDefaults(opts);
    this.#strategy = getStrategy(this.options.strategy);
    this.#params = parseStrategyParams(this.options.strategy, this.options.params);
    this.#header = header;
    this.#meta = marketMetaOf(header);
    this.#account = new Account('backtest', this.options.cash);
    this.#peak = this.options.cash;
    this.#idPrefix = intentIdPrefix(this.options.ns, this.#strategy.name);
  }

  #market(id: string): MarketRun {
    let m = this.#markets.get(id);
    if (m) return m;
    const meta = this.#meta.get(id.toLowerCase());
    const category = meta?.category ?? this.options.defaultCategory;
    m = {
      id,
      slot: newSlot(this.#strategy, id),
      lastKey: undefined,
      seq: 0,
      tickSize: meta?.tick ?? 10_000,
      tickFromMeta: meta?.tick !== undefined,
      bookSeed: meta?.book_seed ?? fnv1a32(id.toLowerCase()),
      category,
      feeRate: feeRate(category),
      yes: 0,
      no: 0,
      heldYes: 0,
      heldNo: 0,
      value: 0,
      view: undefined,
      inFlight: [],
      ticks: 0,
      gaps: 0,
      decisions: 0,
      intents: 0,
      blocked: 0,
      rejected: 0,
      trades: 0,
      buys: 0,
      sells: 0,
      volume: 0,
      fees: 0,
    };
    this.#markets.set(id, m);
    return m;
  }

  #view(m: MarketRun): PositionView {
    m.view ??= positionViewOf(this.#risk, m.id);
    return m.view;
  }

  /** Feeds one entry, in recording order. */
  push(entry: Tick | Gap): void {
    if (this.#finished) throw new Error('backtest already finished');
    this.#entries++;
    if (entry.type === 'tick') this.#tick(entry);
    else this.#gap(entry);
  }

  #tick(t: Tick): void {
    const m = this.#market(t.market_id);
    const now = t.recv_ts_ms;
    this.#firstMs ??= Math.floor(now);
    this.#lastMs = Math.floor(now);
    // The same venue tick twice in a row is one event (the workers skip it the same way).
    if (t.key === m.lastKey) {
      this.#duplicates++;
      return;
    }
    this.#ticks++;
    m.lastKey = t.key;
    m.seq++;
    m.ticks++;
    if (!m.tickFromMeta) {
      const ts = tickOf(t.yes, t.best_bid, t.best_ask);
      if (m.seq === 1 || ts < m.tickSize) m.tickSize = ts;
    }
    // Orders sent after the previous tick meet the market at this one (fill_on next).
    if (m.inFlight.length > 0) {
      const orders = m.inFlight;
      m.inFlight = [];
      for (const o of orders) this.#fill(m, o, t);
    }
    m.yes = t.yes;
    m.no = t.no;
    if (m.heldYes !== 0 || m.heldNo !== 0) this.#revalue(m);

    const step = stepTick(this.#strategy, m.slot, t, this.#view(m), this.#params);
    m.slot = step.slot;
    this.#invalid += step.invalid;
    const ds = step.decisions;
    for (let i = 0; i < ds.length; i++) {
      this.#decide(m, ds[i] as Decision, i, t.key, t.emit_ts_ms, t.tradable, step.untrusted, now, t);
    }
    this.#sample(now);
  }

  #gap(g: Gap): void {
    const m = this.#market(g.market_id);
    this.#gaps++;
    m.gaps++;
    this.#firstMs ??= Math.floor(g.ts_ms);
    this.#lastMs = Math.floor(g.ts_ms);
    const step = stepGap(this.#strategy, m.slot, g, this.#view(m), this.#params);
    m.slot = step.slot;
    this.#invalid += step.invalid;
    const key = step.decisions.length > 0 ? gapKey(g) : '';
    step.decisions.forEach((d, i) => {
      this.#decide(m, d, i, key, g.ts_ms, false, true, g.ts_ms, undefined);
    });
  }

  #decide(
    m: MarketRun,
    d: Decision,
    index: number,
    key: string,
    emitTsMs: number,
    tradable: boolean,
    untrusted: boolean,
    now: number,
    tick: Tick | undefined,
  ): void {
    this.#decisions++;
    m.decisions++;
    const id = intentId(this.options.ns, this.#strategy.name, key, index);
    const byKey = intentIdSafe(key) && this.#idPrefix.length + key.length + 1 + String(index).length <= MAX_INTENT_ID;
    // Decided before (a non-adjacent copy of a tick): its first verdict stands.
    if (byKey) {
      if ((this.#decided.get(key) ?? 0) > index) return;
      if (this.#ledgerIds && (this.#risk.blocked.has(id) || this.#risk.intents.has(id))) return;
    } else {
      this.#ledgerIds = true;
      if (this.#decidedByKey(id)) return;
    }
    const req = {
      intentId: id,
      marketId: m.id,
      side: d.side,
      outcome: d.outcome,
      quantity: d.quantity,
      refPrice: reservationPrice(d.side, d.refPrice, this.options.slippageBps, m.tickSize),
      emitTsMs,
      tradable,
      untrusted,
    };
    let v: ReturnType<typeof evaluateRisk>;
    if (byKey) {
      v = decideRisk(req, this.#risk, this.options.limits, now);
      this.#decided.set(key, index + 1);
    } else {
      v = evaluateRisk(req, this.#risk, this.options.limits, now);
      if (v.replayed) return;
    }
    if (!v.ok) {
      inc(this.#blocked, v.reason);
      m.blocked++;
      return;
    }
    this.#intents++;
    m.intents++;
    m.view = undefined;
    this.#exposure(now);
    const order: Order = { intentId: id, decision: d, decidedMs: Math.floor(now) };
    if (this.options.fillOn === 'tick' && tick) this.#fill(m, order, tick);
    else m.inFlight.push(order);
  }

  /** Whether `id` is `${#idPrefix}${key}.${index}` for a key and index #decided holds. */
  #decidedByKey(id: string): boolean {
    if (!id.startsWith(this.#idPrefix)) return false;
    const dot = id.lastIndexOf('.');
    const index = Number(id.slice(dot + 1));
    return dot >= this.#idPrefix.length && (this.#decided.get(id.slice(this.#idPrefix.length, dot)) ?? 0) > index;
  }

  #fill(m: MarketRun, o: Order, t: Tick): void {
    const d = o.decision;
    const now = t.recv_ts_ms;
    m.view = undefined;
    if (!t.tradable) {
      this.#reject(m, o, 'MARKET_NOT_TRADABLE', now);
      return;
    }
    const levels = levelsAt(this.options.fill, t, d.side, d.outcome, m.tickSize, m.bookSeed, m.seq);
    const before = this.#account.position(m.id, d.outcome)?.realized ?? 0;
    let r: ReturnType<typeof executeTaker>;
    try {
      r = executeTaker(
        {
          orderId: ++this.#orderSeq,
          marketId: m.id,
          outcome: d.outcome,
          side: d.side,
          kind: 'market',
          tif: 'FOK',
          shares: d.quantity,
          worst: worstPrice(d.side, d.refPrice, this.options.slippageBps, m.tickSize),
          ts: Math.floor(now),
          createdTs: o.decidedMs,
        },
        { account: this.#account, levels, feeRate: m.feeRate },
      );
    } catch (err) {
      if (!(err instanceof ExchangeError)) throw err;
      this.#reject(m, o, err.code, now);
      return;
    }
    const fill = r.fill;
    if (r.status !== 'FILLED' || !fill) {
      this.#reject(m, o, 'CANCELLED', now);
      return;
    }
    commitRisk(this.#risk, o.intentId, fill.quantity, fill.price);
    this.#exposure(now);
    const pnl = (r.position?.realized ?? 0) - before;
    if (d.side === 'SELL') {
      if (pnl > 0) this.#wins++;
      else this.#losses++;
    }
    if (d.outcome === 'Yes') m.heldYes += d.side === 'BUY' ? fill.quantity : -fill.quantity;
    else m.heldNo += d.side === 'BUY' ? fill.quantity : -fill.quantity;
    this.#revalue(m);
    m.trades++;
    if (d.side === 'BUY') m.buys++;
    else m.sells++;
    m.volume += fill.notional;
    m.fees += fill.fee;
    this.#volume += fill.notional;
    this.#trades.push({
      t_ms: Math.floor(now),
      decided_ms: o.decidedMs,
      intent_id: o.intentId,
      market_id: m.id,
      side: d.side,
      outcome: d.outcome,
      quantity: shares(fill.quantity),
      price: usd(fill.price),
      notional: usd(fill.notional),
      fee: usd(fill.fee),
      pnl: usd(pnl),
      source: fill.priceSource,
      reason: d.reason,
    });
  }

  #reject(m: MarketRun, o: Order, code: string, now: number): void {
    releaseRisk(this.#risk, o.intentId);
    this.#exposure(now);
    inc(this.#rejected, code);
    m.rejected++;
  }

  #revalue(m: MarketRun): void {
    const v = (m.heldYes === 0 ? 0 : mul(m.heldYes, m.yes)) + (m.heldNo === 0 ? 0 : mul(m.heldNo, m.no));
    this.#value += v - m.value;
    m.value = v;
  }

  /** Gross exposure changed (or may have): integrates the previous level over time. */
  #exposure(now: number): void {
    const t = Math.floor(now);
    if (this.#exposureSince !== null && t > this.#exposureSince) {
      this.#exposureArea += BigInt(this.#exposureNow) * BigInt(t - this.#exposureSince);
    }
    this.#exposureSince = t;
    this.#exposureNow = this.#risk.gross;
    if (this.#risk.gross > this.#peakExposure) this.#peakExposure = this.#risk.gross;
  }

  #sample(now: number): void {
    const eq = this.#account.cash + this.#value;
    if (eq > this.#peak) this.#peak = eq;
    else if (this.#peak - eq > this.#maxDd) {
      this.#maxDd = this.#peak - eq;
      this.#maxDdPeak = this.#peak;
    }
    const t = Math.floor(now);
    this.#lastT = t;
    this.#lastEq = eq;
    if (++this.#sinceSample < this.#stride && this.#curve.length > 0) return;
    this.#sinceSample = 0;
    this.#curve.push([t, eq]);
    if (this.#curve.length >= 2 * this.options.equityPoints) {
      // Thin evenly: keep every other point (the one just pushed goes, it is odd) and sample half as often,
      // the next sample falling 2 × stride after the last point kept.
      this.#curve = this.#curve.filter((_, i) => i % 2 === 0);
      this.#sinceSample = this.#stride;
      this.#stride *= 2;
    }
  }

  /** Releases orders still in flight and builds the report. Idempotent. */
  finish(source = ''): BacktestReport {
    if (this.#finished) return this.#finished;
    const end = this.#lastMs ?? 0;
    for (const m of [...this.#markets.values()]) {
      for (const o of m.inFlight) {
        releaseRisk(this.#risk, o.intentId);
        inc(this.#rejected, 'UNFILLED_AT_END');
        m.rejected++;
      }
      m.inFlight = [];
    }
    this.#exposure(end);
    const unfilled = this.#rejected.get('UNFILLED_AT_END') ?? 0;
    this.#rejected.delete('UNFILLED_AT_END');

    const acct = this.#account;
    const ids = [...this.#markets.keys()].sort();
    let unrealized = 0;
    const rows: MarketRow[] = ids.map((id) => {
      const m = this.#markets.get(id) as MarketRun;
      let realized = 0;
      let cost = 0;
      for (const o of ['Yes', 'No'] as const) {
        const p = acct.position(id, o);
        if (p) {
          realized += p.realized;
          cost += p.costBasis;
        }
      }
      const u = m.value - cost;
      unrealized += u;
      return {
        market_id: id,
        category: m.category,
        fee_rate: ratio(m.feeRate, 1_000_000),
        ticks: m.ticks,
        gaps: m.gaps,
        decisions: m.decisions,
        intents: m.intents,
        blocked: m.blocked,
        rejected: m.rejected,
        trades: m.trades,
        buys: m.buys,
        sells: m.sells,
        volume: usd(m.volume),
        fees: usd(m.fees),
        yes_held: shares(m.heldYes),
        no_held: shares(m.heldNo),
        last_yes: usd(m.yes),
        realized: usd(realized),
        unrealized: usd(u),
        pnl: usd(realized + u),
      };
    });
    const equity = acct.cash + this.#value;
    const first = this.#firstMs;
    const span = first === null ? 0 : end - first;
    const avgExposure = span > 0 ? Number(this.#exposureArea / BigInt(span)) : this.#exposureNow;
    const curve = this.#curve;
    const tail = curve[curve.length - 1];
    if (this.#lastT !== null && (tail?.[0] !== this.#lastT || tail[1] !== this.#lastEq)) {
      curve.push([this.#lastT, this.#lastEq]);
    }
    const o = this.options;
    const sells = this.#wins + this.#losses;
    this.#finished = {
      format: REPORT_FORMAT,
      version: REPORT_VERSION,
      input: {
        file: source,
        ns: this.#header.ns,
        producer: this.#header.producer,
        entries: this.#entries,
        ticks: this.#ticks,
        gaps: this.#gaps,
        duplicates: this.#duplicates,
        markets: this.#markets.size,
        first_ms: this.#firstMs,
        last_ms: this.#lastMs,
      },
      config: {
        strategy: this.#strategy.name,
        params: canonical(this.#params),
        fill: o.fill,
        fill_on: o.fillOn,
        slippage_bps: o.slippageBps,
        starting_cash: usd(o.cash),
        default_category: o.defaultCategory,
        risk: {
          stale_ms: o.limits.staleMs,
          max_position: shares(o.limits.maxPosition),
          max_exposure: usd(o.limits.maxExposure),
          cooldown_ms: o.limits.cooldownMs,
          orders_per_minute: o.limits.ordersPerMinute,
        },
      },
      summary: {
        starting_cash: usd(o.cash),
        ending_cash: usd(acct.cash),
        equity: usd(equity),
        realized_pnl: usd(acct.realized),
        unrealized_pnl: usd(unrealized),
        total_pnl: usd(equity - o.cash),
        return: ratio(equity - o.cash, o.cash),
        fees: usd(acct.feesPaid),
        volume: usd(this.#volume),
        trades: this.#trades.length,
        buys: this.#trades.length - sells,
        sells,
        wins: this.#wins,
        losses: this.#losses,
        win_rate: ratio(this.#wins, sells),
        decisions: this.#decisions,
        invalid_decisions: this.#invalid,
        intents: this.#intents,
        blocked: sortedCounts(this.#blocked),
        rejected: sortedCounts(this.#rejected),
        unfilled,
        max_drawdown: usd(this.#maxDd),
        max_drawdown_pct: ratio(this.#maxDd, this.#maxDdPeak),
        peak_exposure: usd(this.#peakExposure),
        avg_exposure: usd(avgExposure),
      },
      markets: rows,
      equity: curve.map(([t, e]) => [t, usd(e)] as [number, string]),
      trades: this.#trades,
    };
    return this.#finished;
  }
}

export interface BacktestInput {
  header: BacktestHeader;
  entries: Iterable<Tick | Gap> | AsyncIterable<Tick | Gap>;
  /** Shown as input.file in the report (a file name, not a path, so reports compare across machines). */
  source?: string;
}

/** Runs a whole backtest over `input.entries`. Deterministic: same entries and options, same report. */
export async function runBacktest(input: BacktestInput, opts: BacktestSettings = {}): Promise<BacktestReport> {
  const bt = new Backtester(input.header, opts);
  for await (const e of input.entries) bt.push(e);
  return bt.finish(input.source ?? '');
}
