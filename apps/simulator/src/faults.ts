// Fault injection state. Shares fire deterministically (an accumulator, not a coin flip), so a test that
// sets a share of 1 sees the fault every time and a share of 0.5 every second time.

export type AmbiguousMode = 'persistence_unknown' | 'hang' | 'reset';

export interface FaultSettings {
  /** Extra delay before every /v1 reply except /v1/health, ms. */
  latencyMs: number;
  /** Share (0..1) of authenticated requests answered 503 SERVER_BUSY (Retry-After: 1) before any effect. */
  serverBusyShare: number;
  /** Share (0..1) of order placements that persist but answer ambiguously. */
  ambiguousShare: number;
  /** How an ambiguous placement answers: 503 PERSISTENCE_UNKNOWN, no answer (hang), or a reset connection. */
  ambiguousMode: AmbiguousMode;
  /** How long a hung reply is held before its connection is destroyed, ms. */
  hangMs: number;
  /** Every authenticated request gets 429 RATE_LIMIT_EXCEEDED (Retry-After: 1). */
  storm429: boolean;
  /** Price sockets stay open but get no price frames (pongs still flow). */
  stallFeeds: boolean;
  /** Share (0..1) of price frames replaced by malformed ones. */
  malformedShare: number;
  /** Overrides the WS token TTL for tokens minted from now on, ms (0 = no override). */
  tokenTtlMs: number;
}

export const DEFAULT_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  serverBusyShare: 0,
  ambiguousShare: 0,
  ambiguousMode: 'persistence_unknown',
  hangMs: 30_000,
  storm429: false,
  stallFeeds: false,
  malformedShare: 0,
  tokenTtlMs: 0,
});

export class Faults {
  #s: FaultSettings;
  #acc = { busy: 0, ambiguous: 0, malformed: 0 };

  constructor(initial: Partial<FaultSettings> = {}) {
    this.#s = { ...DEFAULT_FAULTS, ...initial };
  }

  get settings(): Readonly<FaultSettings> {
    return this.#s;
  }

  set(patch: Partial<FaultSettings>): Readonly<FaultSettings> {
    this.#s = { ...this.#s, ...patch };
    return this.#s;
  }

  reset(): Readonly<FaultSettings> {
    this.#s = { ...DEFAULT_FAULTS };
    this.#acc = { busy: 0, ambiguous: 0, malformed: 0 };
    return this.#s;
  }

  /** True when this request should get 503 SERVER_BUSY. */
  busy(): boolean {
    return this.#fire('busy', this.#s.serverBusyShare);
  }

  ambiguous(): boolean {
    return this.#fire('ambiguous', this.#s.ambiguousShare);
  }

  malformed(): boolean {
    return this.#s.malformedShare > 0 && this.#fire('malformed', this.#s.malformedShare);
  }

  #fire(k: 'busy' | 'ambiguous' | 'malformed', share: number): boolean {
    if (share <= 0) return false;
    this.#acc[k] += Math.min(1, share);
    if (this.#acc[k] >= 1 - 1e-9) {
      this.#acc[k] -= 1;
      return true;
    }
    return false;
  }
}
