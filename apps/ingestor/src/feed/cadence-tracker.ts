// Per-market cadence: an EWMA of tick inter-arrival times, so "quiet" is judged against each market's own
// rhythm, and the busiest market of a connection serves as its canary (a quiet canary = a dead socket).

export interface CadenceOptions {
  /** EWMA weight of the newest interval. Default 0.2. */
  alpha?: number;
  /** Intervals needed before a market's cadence is trusted. Default 5. */
  minSamples?: number;
  /** Quiet = silent for more than factor × cadence. */
  quietFactor: number;
  /** A market is never called quiet before this much silence (ms). Default 1000. */
  minQuietMs?: number;
}

interface MarketState {
  lastSeen: number;
  ewma: number;
  samples: number;
  quiet: boolean;
  seenSinceRebase: boolean;
}

export class CadenceTracker {
  readonly #alpha: number;
  readonly #minSamples: number;
  readonly #factor: number;
  readonly #minQuiet: number;
  readonly #markets = new Map<string, MarketState>();

  constructor(opts: CadenceOptions) {
    this.#alpha = opts.alpha ?? 0.2;
    this.#minSamples = opts.minSamples ?? 5;
    this.#factor = opts.quietFactor;
    this.#minQuiet = opts.minQuietMs ?? 1000;
  }

  /** Starts watching `markets` from `now` (kept cadences survive; silence restarts at `now`). */
  rebase(markets: Iterable<string>, now: number): void {
    const keep = new Set(markets);
    for (const m of this.#markets.keys()) if (!keep.has(m)) this.#markets.delete(m);
    for (const m of keep) {
      const s = this.#markets.get(m);
      if (s) {
        s.lastSeen = now;
        s.quiet = false;
        s.seenSinceRebase = false;
      } else {
        this.#markets.set(m, { lastSeen: now, ewma: 0, samples: 0, quiet: false, seenSinceRebase: false });
      }
    }
  }

  /** Records a tick; returns true when the market had been flagged quiet and is now back. */
  record(market: string, now: number): boolean {
    const s = this.#markets.get(market);
    if (!s) return false;
    // The first tick after a (re)connect measures the outage, not the market's rhythm.
    if (s.seenSinceRebase) {
      const dt = Math.max(0, now - s.lastSeen);
      s.ewma = s.samples === 0 ? dt : s.ewma + this.#alpha * (dt - s.ewma);
      s.samples++;
    }
    s.seenSinceRebase = true;
    s.lastSeen = now;
    const wasQuiet = s.quiet;
    s.quiet = false;
    return wasQuiet;
  }

  /** Usual interval of a market in ms, once enough samples exist. */
  cadence(market: string): number | undefined {
    const s = this.#markets.get(market);
    return s && s.samples >= this.#minSamples ? s.ewma : undefined;
  }

  /** The market with the shortest trusted cadence: the canary. */
  canary(): string | undefined {
    let best: string | undefined;
    let bestCadence = Number.POSITIVE_INFINITY;
    for (const [m, s] of this.#markets) {
      if (s.samples >= this.#minSamples && s.ewma < bestCadence) {
        best = m;
        bestCadence = s.ewma;
      }
    }
    return best;
  }

  /** Whether `market` has been silent for more than factor × its cadence (false while the cadence is unknown). */
  isQuiet(market: string, now: number): boolean {
    const s = this.#markets.get(market);
    if (!s || s.samples < this.#minSamples) return false;
    const silence = now - s.lastSeen;
    return silence > this.#minQuiet && silence > this.#factor * Math.max(s.ewma, 1);
  }

  /** Markets that became quiet since the last scan (each quiet episode is reported once). */
  scanNewlyQuiet(now: number): { market: string; silenceMs: number; cadenceMs: number }[] {
    const out: { market: string; silenceMs: number; cadenceMs: number }[] = [];
    for (const [m, s] of this.#markets) {
      if (s.quiet || !this.isQuiet(m, now)) continue;
      s.quiet = true;
      out.push({ market: m, silenceMs: now - s.lastSeen, cadenceMs: s.ewma });
    }
    return out;
  }

  silence(market: string, now: number): number | undefined {
    const s = this.#markets.get(market);
    return s ? now - s.lastSeen : undefined;
  }
}
