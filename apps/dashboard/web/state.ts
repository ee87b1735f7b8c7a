// The page's model of the live stream: bounded per-market price series, intents with their order events,
// rejections by code, feed and dead letters; the server's latest status and the P&L history.

import type {
  DeadEventView,
  FeedEventView,
  IntentEvent,
  LiveEvent,
  OrderEventView,
  PnlPoint,
  Snapshot,
  StatusView,
} from '../src/live/page-events';

export interface MarketSeries {
  id: string;
  t: number[];
  y: number[];
  lastRecv: number;
  /** The last gap marker; `open` until a tick arrives after it. */
  lastGap: { t: number; reason: string; open: boolean } | null;
  /** When the ingestor last reported the market quiet (no tick for many usual intervals). */
  quietAt: number;
}

export interface IntentRow {
  intent: IntentEvent | null;
  id: string;
  market: string;
  side: string;
  orders: OrderEventView[];
  firstSeen: number;
}

const MAX_POINTS = 300;
const MAX_INTENTS = 200;

export class PageState {
  ns = '';
  controls = false;
  tokenRequired = false;
  markets = new Map<string, MarketSeries>();
  intents = new Map<string, IntentRow>();
  rejections = new Map<string, number>();
  feed: FeedEventView[] = [];
  dead: DeadEventView[] = [];
  status: StatusView | null = null;
  pnl: PnlPoint[] = [];
  /** Events applied since load (the test reads it to see the stream moving). */
  applied = 0;

  load(s: Snapshot): void {
    this.ns = s.ns;
    this.controls = s.controls;
    this.tokenRequired = s.tokenRequired;
    this.markets.clear();
    this.intents.clear();
    this.rejections.clear();
    this.feed = [];
    this.dead = [];
    this.status = s.status;
    this.pnl = [...s.pnl];
    for (const e of s.events) this.apply(e);
  }

  apply(e: LiveEvent): void {
    this.applied++;
    switch (e.k) {
      case 'tick': {
        const m = this.#market(e.m);
        m.t.push(e.t / 1000);
        m.y.push(e.y / 1_000_000);
        if (m.t.length > MAX_POINTS) {
          m.t.splice(0, m.t.length - MAX_POINTS);
          m.y.splice(0, m.y.length - MAX_POINTS);
        }
        m.lastRecv = Math.max(m.lastRecv, e.t);
        if (m.lastGap && e.t > m.lastGap.t) m.lastGap.open = false;
        return;
      }
      case 'gap': {
        const m = this.#market(e.m);
        m.lastGap = { t: e.t, reason: e.r, open: true };
        return;
      }
      case 'intent': {
        const r = this.#intent(e.id, e.m, e.side, e.t);
        r.intent = e;
        return;
      }
      case 'order': {
        const r = this.#intent(e.id, e.m, e.side, e.timings.decide);
        r.orders.push(e);
        if (e.ev === 'rejected') {
          const code = e.code ?? 'UNKNOWN';
          this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
        }
        return;
      }
      case 'feed':
        if (e.ev === 'market_quiet' && e.market) this.#market(e.market).quietAt = e.t;
        this.feed.push(e);
        if (this.feed.length > 200) this.feed.shift();
        return;
      case 'dead':
        this.dead.push(e);
        if (this.dead.length > 50) this.dead.shift();
        return;
    }
  }

  #market(id: string): MarketSeries {
    let m = this.markets.get(id);
    if (!m) {
      m = { id, t: [], y: [], lastRecv: 0, lastGap: null, quietAt: 0 };
      this.markets.set(id, m);
    }
    return m;
  }

  #intent(id: string, market: string, side: string, t: number): IntentRow {
    let r = this.intents.get(id);
    if (!r) {
      r = { intent: null, id, market, side, orders: [], firstSeen: t };
      this.intents.set(id, r);
      if (this.intents.size > MAX_INTENTS) {
        const oldest = [...this.intents.values()].sort((a, b) => a.firstSeen - b.firstSeen)[0];
        if (oldest) this.intents.delete(oldest.id);
      }
    }
    return r;
  }
}
