// How long Redis keeps what each order leaves behind, so its memory is bounded by configuration and not by
// how long the bot has run. Per order: a BullMQ job, entries in `{ns}:intents` and `{ns}:orders`, and
// per-intent records (the executor's terminal and attempt state, the intent-appended and fill-applied
// markers, the risk gate's settled record). The records are what make a late duplicate harmless, so they
// outlive every path that can still deliver one (a strategy re-run after a crash, BullMQ redelivery, the
// executor's orphan sweep, which only looks at intents younger than half the records' lifetime).

import type { Config } from '../config/schema.js';

export interface Retention {
  /** Lifetime of per-intent records (ORDER_RECORDS_TTL_MS). Failed jobs are kept as long. */
  recordsTtlMs: number;
  /** Completed order jobs kept at most (ORDER_JOBS_KEPT); they also go after min(24 h, recordsTtlMs). */
  jobsKept: number;
  /** Approximate MAXLEN of `{ns}:orders` (ORDERS_MAXLEN). */
  ordersMaxlen: number;
  /** Approximate MAXLEN of `{ns}:intents` (INTENTS_MAXLEN). */
  intentsMaxlen: number;
}

const DAY_MS = 86_400_000;

/** The defaults of the ORDER_RECORDS_TTL_MS, ORDER_JOBS_KEPT, ORDERS_MAXLEN and INTENTS_MAXLEN settings. */
export const DEFAULT_RETENTION: Readonly<Retention> = Object.freeze({
  recordsTtlMs: 7 * DAY_MS,
  jobsKept: 10_000,
  ordersMaxlen: 1_000_000,
  intentsMaxlen: 1_000_000,
});

/** Below this ORDER_RECORDS_TTL_MS the processes warn at start. */
export const SAFE_RECORDS_TTL_MS = 3_600_000;

/** What to warn about at start-up: a records TTL short enough for an executor outage to outlast it. */
export function retentionWarnings(r: Retention): string[] {
  return r.recordsTtlMs < SAFE_RECORDS_TTL_MS
    ? [
        `ORDER_RECORDS_TTL_MS=${r.recordsTtlMs} is under an hour: an order job stalled by an executor outage longer than that can be settled twice (its fill counted twice in the projection); it is never placed twice`,
      ]
    : [];
}

export function retentionFromConfig(
  cfg: Pick<Config, 'ORDER_RECORDS_TTL_MS' | 'ORDER_JOBS_KEPT' | 'ORDERS_MAXLEN' | 'INTENTS_MAXLEN'>,
): Retention {
  return {
    recordsTtlMs: cfg.ORDER_RECORDS_TTL_MS,
    jobsKept: cfg.ORDER_JOBS_KEPT,
    ordersMaxlen: cfg.ORDERS_MAXLEN,
    intentsMaxlen: cfg.INTENTS_MAXLEN,
  };
}

/** How long the risk gate keeps a settled (committed or released) reservation: min(24 h, the records' TTL). */
export function settledRecordTtlMs(r: Retention): number {
  return Math.min(DAY_MS, r.recordsTtlMs);
}

/** BullMQ keep options of order jobs (seconds for age): completed by count and age, failed by age. */
export function orderJobRetention(r: Retention): {
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number };
} {
  return {
    removeOnComplete: { age: Math.ceil(settledRecordTtlMs(r) / 1000), count: r.jobsKept },
    removeOnFail: { age: Math.ceil(r.recordsTtlMs / 1000) },
  };
}

/**
 * Whether an intent appended (or its job added) at `appendedMs` is young enough that its records are sure
 * to be there: older ones are never sent blind (the executor asks the venue) nor re-run by a sweep.
 */
export function sweepableIntent(r: Retention, appendedMs: number, nowMs: number): boolean {
  return nowMs - appendedMs < r.recordsTtlMs / 2;
}
