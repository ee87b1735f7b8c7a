// The recent past a new browser client starts from: bounded buffers per kind, so a page opened late
// still shows sparklines and the latest orders without reading Redis again.

import type { LiveEvent } from './page-events.js';

export interface RecentLimits {
  /** Ticks kept per market (default 300). */
  ticksPerMarket: number;
  /** Intents, order events, feed events, dead letters, gaps (defaults 200, 1000, 200, 50, 200). */
  intents: number;
  orders: number;
  feed: number;
  dead: number;
  gaps: number;
}

const DEFAULTS: RecentLimits = { ticksPerMarket: 300, intents: 200, orders: 1000, feed: 200, dead: 50, gaps: 200 };

export class RecentEvents {
  readonly #limits: RecentLimits;
  readonly #ticks = new Map<string, LiveEvent[]>();
  readonly #lists: Record<'intent' | 'order' | 'feed' | 'dead' | 'gap', LiveEvent[]> = {
    intent: [],
    order: [],
    feed: [],
    dead: [],
    gap: [],
  };
  /** Last Yes and No prices per market (micro-units), for marking positions. */
  readonly lastPrices = new Map<string, { yes: number; no: number }>();

  constructor(limits: Partial<RecentLimits> = {}) {
    this.#limits = { ...DEFAULTS, ...limits };
  }

  add(ev: LiveEvent): void {
    if (ev.k === 'tick') {
      this.lastPrices.set(ev.m, { yes: ev.y, no: ev.n });
      let list = this.#ticks.get(ev.m);
      if (!list) {
        list = [];
        this.#ticks.set(ev.m, list);
      }
      list.push(ev);
      if (list.length > this.#limits.ticksPerMarket) list.splice(0, list.length - this.#limits.ticksPerMarket);
      return;
    }
    const list = this.#lists[ev.k];
    list.push(ev);
    const max = {
      intent: this.#limits.intents,
      order: this.#limits.orders,
      feed: this.#limits.feed,
      dead: this.#limits.dead,
      gap: this.#limits.gaps,
    }[ev.k];
    if (list.length > max) list.splice(0, list.length - max);
  }

  /** Everything kept, oldest first within each kind. */
  all(): LiveEvent[] {
    const out: LiveEvent[] = [];
    for (const l of this.#ticks.values()) out.push(...l);
    for (const l of Object.values(this.#lists)) out.push(...l);
    return out;
  }
}
