// Long-lived components are small state machines; their states feed /readyz. close() is idempotent.

import { PolybotError } from '../errors/polybot-error.js';

export type LifecycleState = 'starting' | 'running' | 'degraded' | 'stopping' | 'stopped';

const ALLOWED: Record<LifecycleState, readonly LifecycleState[]> = {
  starting: ['running', 'degraded', 'stopping', 'stopped'],
  running: ['degraded', 'stopping', 'stopped'],
  degraded: ['running', 'stopping', 'stopped'],
  stopping: ['stopped'],
  stopped: [],
};

export type StateListener = (state: LifecycleState, previous: LifecycleState, reason?: string) => void;

export class Lifecycle {
  readonly name: string;
  #state: LifecycleState = 'starting';
  #reason: string | undefined;
  #listeners = new Set<StateListener>();
  #closing: Promise<void> | undefined;

  constructor(name: string) {
    this.name = name;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  get reason(): string | undefined {
    return this.#reason;
  }

  /** Moves to `next`. Same-state moves are no-ops; illegal moves throw LIFECYCLE_INVALID. */
  transition(next: LifecycleState, reason?: string): void {
    const prev = this.#state;
    if (prev === next) {
      this.#reason = reason;
      return;
    }
    if (!ALLOWED[prev].includes(next)) {
      throw new PolybotError('LIFECYCLE_INVALID', `${this.name}: cannot go from ${prev} to ${next}`);
    }
    this.#state = next;
    this.#reason = reason;
    for (const l of this.#listeners) l(next, prev, reason);
  }

  onChange(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ready means running (degraded components are alive but not ready). */
  get ready(): boolean {
    return this.#state === 'running';
  }

  /**
   * Runs `cleanup` once: moves to stopping, awaits cleanup, then stopped. Later calls return the same
   * promise, so close() may be called from a signal handler and from a test at once.
   */
  close(cleanup: () => Promise<void>): Promise<void> {
    if (!this.#closing) {
      if (this.#state !== 'stopped') this.transition('stopping');
      this.#closing = (async () => {
        try {
          await cleanup();
        } finally {
          this.transition('stopped');
        }
      })();
    }
    return this.#closing;
  }
}
