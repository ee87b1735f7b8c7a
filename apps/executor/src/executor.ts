// The executor: a BullMQ worker on `{ns}-orders` that places each order intent exactly once at the venue
// and ends it in exactly one terminal event in `{ns}:orders`.
//
// Per job: decode → already terminal? settle and finish → a previous run may have sent? reconcile first →
// build the body (Idempotency-Key = client_order_id = intent id) → POST → classify (errors/classify.ts):
//   done       → acked (terminal), projection updated, risk reservation committed;
//   rejected   → rejected (terminal), reservation released, UnrecoverableError;
//   rate_limit → queue.rateLimit(Retry-After) + RateLimitError (no attempt used);
//   retry      → moveToDelayed(Retry-After or backoff) with the same key; out of attempts → rejected;
//   ambiguous  → reconcile via GET /v1/orders before anything else: found → reconciled + acked;
//                not found → retry with the same key; venue unreachable → reconcile again later.
// Terminal writes are SET NX guarded (events/order-log.ts), so crashes and redeliveries cannot duplicate them.

import {
  type Clock,
  DEFAULT_RETENTION,
  IntentContract,
  keys,
  Lifecycle,
  type Logger,
  MICRO,
  type Micro,
  mulMicro,
  OrderEventContract,
  type OrderJob,
  OrderJobContract,
  orderJobRetention,
  parseEntries,
  type RedisClient,
  type Retention,
  settledRecordTtlMs,
  streamIdMs,
  sweepableIntent,
  systemClock,
  type WireFields,
  writeDeadLetter,
} from '@polybot/shared';
import { commitReservation, releaseReservation } from '@polybot/strategy-kit';
import { DelayedError, type Job, Queue, RateLimitError, UnrecoverableError, Worker } from 'bullmq';
import { Registry } from 'prom-client';
import { type Classified, classify } from './errors/classify.js';
import { createOrderLog, type OrderEventInput, parseSettlement, type Settlement } from './events/order-log.js';
import { createExecutorMetrics, type ExecutorMetrics } from './ops/executor-metrics.js';
import { createHeartbeat, type Heartbeat, type HeartbeatState } from './ops/heartbeat.js';
import { createIntentStateStore } from './order/intent-state.js';
import { buildOrderBody, DEFAULT_TICK, OrderBuildError } from './order/order-body.js';
import { type DriftReport, measureDrift } from './projection/drift.js';
import { applyFill } from './projection/positions.js';
import { findOrderByClientId, type ReconcileResult } from './reconcile/find-order.js';
import type { ExecutorVenue, PlaceOrderBody, VenueFailure, VenueOrder, VenueResult } from './venue/venue-port.js';

/** How long a graceful close waits for in-flight orders before it closes anyway. */
const CLOSE_DRAIN_MS = 10_000;

/** Resolves when `p` settles or after `ms`, whichever comes first (never rejects). */
async function within(ms: number, p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.then(
      () => {},
      () => {},
    ),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export interface ExecutorOptions {
  /** Jobs processed at once by this executor (EXECUTOR_CONCURRENCY). */
  concurrency: number;
  /** Global write budget shared by every executor on the queue (EXECUTOR_WRITES_PER_SEC). */
  writesPerSec: number;
  /** POST attempts (429s excluded) before an intent ends rejected (EXECUTOR_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Worst price = ref ± this many bps (EXECUTOR_SLIPPAGE_BPS). */
  slippageBps: number;
  /** Tick size of a market in micro-units; default 0.01 for every market. */
  tickSize?: (marketId: string) => Micro;
  /** Job lock; a dead executor's jobs are taken over after it. Default 30 000 ms. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 15 000 ms. */
  stalledIntervalMs?: number;
  /** Stalls (crashes mid-job) tolerated before BullMQ fails a job. Default 10. */
  maxStalledCount?: number;
  /** First retry delay without Retry-After, doubled per attempt, ±50 % jitter. Default 500 ms. */
  backoffBaseMs?: number;
  /** Cap of that delay. Default 30 000 ms. */
  backoffMaxMs?: number;
  /** Order list pages scanned when reconciling. Default 5. */
  reconcilePages?: number;
  /**
   * How often failed jobs are swept: a job BullMQ failed behind the executor's back (stalled more than
   * maxStalledCount, or Redis lost while retrying) whose intent has no terminal event is re-queued.
   * Default 30 000 ms; 0 turns the sweep off (it still runs once at start).
   */
  sweepIntervalMs?: number;
  /**
   * How often the projection is compared with the venue's positions and balance (drift metric and log).
   * Default 60 000 ms; 0 turns it off. It also runs once at start.
   */
  driftCheckIntervalMs?: number;
  /** Dead-man switch (venue heartbeats); off when undefined. */
  heartbeat?: { intervalMs: number; partitions: number; feedStaleMs: number };
  /** What Redis keeps per order (records' TTL, jobs kept, `{ns}:orders` MAXLEN). Default DEFAULT_RETENTION. */
  retention?: Retention;
}

export interface ExecutorDeps {
  ns: string;
  /** Command connection: events, projection, risk ledger. */
  redis: RedisClient;
  /**
   * BullMQ connection (maxRetriesPerRequest null): createRedisClient(url, 'bullmq'), any topology (the queue
   * lives under the braced prefix keys(ns).bullPrefix, one Cluster slot). Not closed by the executor.
   */
  bullConnection: RedisClient;
  venue: ExecutorVenue;
  logger: Logger;
  options: ExecutorOptions;
  clock?: Clock;
  registry?: Registry;
  /** Jitter source; default Math.random. */
  random?: () => number;
}

export interface JobOutcome {
  terminal: 'acked' | 'rejected';
  venueOrderId?: string;
  /** True when the terminal event had been written by an earlier run. */
  replayed: boolean;
}

export interface Executor {
  readonly lifecycle: Lifecycle;
  readonly metrics: ExecutorMetrics;
  start(): Promise<void>;
  /** Graceful: stops taking jobs, finishes in-flight ones, closes. Idempotent. */
  close(): Promise<void>;
  /**
   * Closes without waiting for in-flight jobs, as a crash would: their locks lapse and another executor
   * takes them over (for crash tests; a second signal exits the process at once, see lifecycle/signals).
   * Once close() has begun, abort() waits for it.
   */
  abort(): Promise<void>;
  /** Compares the projection with the venue now and updates the drift metrics. */
  checkDrift(): Promise<DriftReport>;
}

/** Failure reason of jobs that cannot be decoded (dead-lettered, never re-queued). */
const INVALID_JOB = 'invalid order job';

/** Failure reasons of jobs that ended rejected (their terminal event written first) start with this. */
const REJECTED_PREFIX = 'order rejected';

/** How many of the newest intents the sweep checks for a lost job. */
const ORPHAN_SCAN = 500;

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s) || '-';

function isControlFlow(err: unknown): boolean {
  return err instanceof DelayedError || err instanceof RateLimitError || err instanceof UnrecoverableError;
}

export function createExecutor(deps: ExecutorDeps): Executor {
  const k = keys(deps.ns);
  const o = deps.options;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const log = deps.logger.child({ component: 'executor' });
  const lifecycle = new Lifecycle('executor');
  const metrics = createExecutorMetrics(deps.registry ?? new Registry());
  const retention = o.retention ?? DEFAULT_RETENTION;
  const settledTtl = { ttlMs: settledRecordTtlMs(retention) };
  const orderLog = createOrderLog(deps.redis, k.orders, deps.ns, retention);
  const state = createIntentStateStore(deps.redis, deps.ns, retention);
  let worker: Worker | undefined;
  let queue: Queue | undefined;

  const backoff = (attempt: number) => {
    const base = deps.options.backoffBaseMs ?? 500;
    const cap = deps.options.backoffMaxMs ?? 30_000;
    const d = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
    return Math.round(d / 2 + random() * (d / 2));
  };

  /** The fields every event of one job run shares. */
  const baseEvent = (j: OrderJob, attempt: number, tStart: number) => ({
    intent_id: j.intent_id,
    attempt,
    market_id: j.market_id,
    side: j.side,
    outcome: j.outcome,
    quantity: j.quantity,
    t_emit: j.t_emit,
    t_recv: j.t_recv,
    t_decide: j.t_decide,
    t_enqueue: j.t_enqueue,
    t_start: tStart,
  });

  interface Attempt {
    attempt: number;
    tStart: number;
    tSent?: number;
    tAck?: number;
    requestId?: string;
  }

  const timing = (a: Attempt) => ({
    ...(a.tSent !== undefined ? { t_sent: a.tSent } : {}),
    ...(a.tAck !== undefined ? { t_ack: a.tAck } : {}),
    ...(a.requestId !== undefined ? { request_id: clip(a.requestId, 128) } : {}),
  });

  /** Side effects of a terminal outcome; each is idempotent, so a redelivered job simply repeats them. */
  async function settle(j: OrderJob, s: Settlement): Promise<void> {
    if (s.event === 'acked') {
      // Different keys, each idempotent on its own: both at once (a redelivery repeats whichever is missing).
      await Promise.all([
        applyFill(
          deps.redis,
          k.positions,
          deps.ns,
          {
            intentId: j.intent_id,
            marketId: s.market_id,
            outcome: s.outcome,
            side: s.side,
            filled: s.filled,
            notional: s.notional,
            fee: s.fee,
          },
          retention.recordsTtlMs,
        ),
        commitReservation(deps.redis, deps.ns, j.intent_id, s.filled, s.price, settledTtl),
      ]);
    } else {
      await releaseReservation(deps.redis, deps.ns, j.intent_id, settledTtl);
    }
  }

  async function finishAcked(
    j: OrderJob,
    order: VenueOrder,
    via: 'direct' | 'reconciled',
    a: Attempt,
  ): Promise<JobOutcome> {
    const base = baseEvent(j, a.attempt, a.tStart);
    if (via === 'reconciled') {
      await orderLog.append({
        ...base,
        event: 'reconciled',
        venue_order_id: clip(order.orderId, 64),
        status: clip(order.status, 32),
        reason: 'order found at the venue by client_order_id',
        ...timing(a),
      });
    }
    const filled = order.status === 'FILLED' ? order.quantity : 0;
    const price = filled > 0 ? (order.price ?? 0) : 0;
    const notional = filled > 0 ? (order.notional ?? mulMicro(filled, price)) : 0;
    const fee = order.fee ?? 0;
    const settlement: Settlement = {
      event: 'acked',
      market_id: j.market_id,
      outcome: j.outcome,
      side: j.side,
      status: order.status,
      filled,
      price,
      notional,
      fee,
    };
    const event: OrderEventInput = {
      ...base,
      event: 'acked',
      venue_order_id: clip(order.orderId, 64),
      status: clip(order.status, 32),
      filled_qty: filled,
      notional,
      ...(filled > 0 && price > 0 && price <= MICRO ? { fill_price: price } : {}),
      ...(order.fee !== undefined ? { fee: order.fee } : { reason: 'fee not reported by the venue: projected as 0' }),
      ...timing(a),
    };
    const res = await orderLog.writeTerminal(event, settlement, state.key(j.intent_id));
    if (!res.written) log.info({ intent_id: j.intent_id }, 'terminal event already written by an earlier run');
    const standing = res.settlement ?? settlement;
    await settle(j, standing);
    if (res.written) metrics.orders.inc({ outcome: 'acked', code: clip(order.status, 32) });
    return {
      terminal: standing.event,
      venueOrderId: order.orderId,
      replayed: !res.written,
    };
  }

  /** Ends the intent rejected (unless an earlier run already ended it) and fails the job for good. */
  async function finishRejected(
    j: OrderJob,
    a: Attempt,
    why: { code: string; reason: string; httpStatus?: number },
  ): Promise<JobOutcome> {
    const event: OrderEventInput = {
      ...baseEvent(j, a.attempt, a.tStart),
      event: 'rejected',
      code: clip(why.code, 64),
      reason: clip(why.reason, 512),
      ...(why.httpStatus !== undefined ? { http_status: why.httpStatus } : {}),
      ...timing(a),
    };
    const res = await orderLog.writeTerminal(
      event,
      { event: 'rejected', code: clip(why.code, 64) },
      state.key(j.intent_id),
    );
    const standing = res.settlement ?? { event: 'rejected' as const, code: why.code };
    await settle(j, standing);
    if (standing.event === 'acked') {
      log.info({ intent_id: j.intent_id }, 'intent was already acked by an earlier run');
      return { terminal: 'acked', replayed: true };
    }
    if (res.written) {
      metrics.orders.inc({ outcome: 'rejected', code: clip(why.code, 64) });
      log.warn({ intent_id: j.intent_id, code: why.code, reason: why.reason }, 'order rejected');
    }
    throw new UnrecoverableError(`${REJECTED_PREFIX}: ${why.code}`);
  }

  async function retryLater(
    job: Job,
    token: string | undefined,
    j: OrderJob,
    a: Attempt,
    why: { code: string; reason: string; httpStatus?: number },
    delayMs: number,
  ): Promise<never> {
    await orderLog.append({
      ...baseEvent(j, a.attempt, a.tStart),
      event: 'retrying',
      code: clip(why.code, 64),
      reason: clip(`${why.reason}; retry in ${delayMs} ms`, 512),
      ...(why.httpStatus !== undefined ? { http_status: why.httpStatus } : {}),
      ...timing(a),
    });
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  async function reconcile(j: OrderJob, orderIdHint: string | undefined): Promise<ReconcileResult> {
    let r: ReconcileResult;
    try {
      r = await findOrderByClientId(deps.venue, {
        clientOrderId: j.intent_id,
        marketId: j.market_id,
        side: j.side,
        ...(orderIdHint !== undefined ? { orderIdHint } : {}),
        ...(o.reconcilePages !== undefined ? { maxPages: o.reconcilePages } : {}),
      });
    } catch (err) {
      r = { kind: 'failed', failure: { kind: 'transport', sent: true, code: 'ADAPTER_THREW', message: String(err) } };
    }
    metrics.reconciliations.inc({ result: r.kind });
    return r;
  }

  async function place(body: PlaceOrderBody, key: string): Promise<VenueResult<VenueOrder>> {
    try {
      return await deps.venue.placeOrder(body, { idempotencyKey: key });
    } catch (err) {
      // Adapters must not throw; if one does, nothing is known about the order.
      return { ok: false, failure: { kind: 'transport', sent: true, code: 'ADAPTER_THREW', message: String(err) } };
    }
  }

  /**
   * Looks for the intent's order at the venue before anything else is decided. Found: the intent ends acked
   * (reconciled). The venue could not be asked: the job is retried after the attempt's backoff, logged as
   * RECONCILE_FAILED with `failed(failure)` for the reason. Not there: undefined, the caller decides.
   */
  async function reconcileBeforeDeciding(
    job: Job,
    token: string | undefined,
    j: OrderJob,
    a: Attempt,
    failed: (failure: VenueFailure) => { reason: string; httpStatus?: number },
  ): Promise<JobOutcome | undefined> {
    const r = await reconcile(j, undefined);
    if (r.kind === 'found') return await finishAcked(j, r.order, 'reconciled', { ...a, tAck: clock.now() });
    if (r.kind === 'failed') {
      return await retryLater(job, token, j, a, { ...failed(r.failure), code: 'RECONCILE_FAILED' }, backoff(a.attempt));
    }
    return undefined;
  }

  /**
   * Attempts are used up. An earlier attempt may still have been persisted late (an ambiguous reply that
   * reconciliation did not find yet), so look once more before the intent ends rejected.
   */
  async function giveUp(
    job: Job,
    token: string | undefined,
    j: OrderJob,
    a: Attempt,
    why: { code: string; reason: string; httpStatus?: number },
  ): Promise<JobOutcome> {
    const settled = await reconcileBeforeDeciding(job, token, j, a, () => ({
      ...why,
      reason: `${why.code}; final reconciliation failed`,
    }));
    if (settled !== undefined) return settled;
    return await finishRejected(j, a, { ...why, reason: `attempts exhausted (${a.attempt}): ${why.reason}` });
  }

  /** The intent already has its terminal event (an earlier run): settle it again (idempotent) and finish. */
  async function finishFromTerminal(j: OrderJob, done: Settlement): Promise<JobOutcome> {
    await settle(j, done);
    await state.clear(j.intent_id);
    if (done.event === 'rejected') throw new UnrecoverableError(`${REJECTED_PREFIX}: ${done.code}`);
    return { terminal: 'acked', replayed: true };
  }

  /**
   * An earlier attempt may have reached the venue and its outcome is unknown: reconcile before any new POST.
   * Returns the job's outcome when it is settled here, or undefined once the attempt is known not to have
   * placed anything (marked not sent: the caller may post again with the same key).
   */
  async function resolveUnresolved(
    job: Job,
    token: string | undefined,
    j: OrderJob,
    attempts: number,
    tStart: number,
  ): Promise<JobOutcome | undefined> {
    const a: Attempt = { attempt: attempts, tStart };
    await orderLog.append({
      ...baseEvent(j, attempts, tStart),
      event: 'ambiguous',
      code: 'UNRESOLVED_ATTEMPT',
      reason: 'a previous run may have sent this order: reconciling before any retry',
    });
    metrics.ambiguous.inc({ code: 'UNRESOLVED_ATTEMPT' });
    const settled = await reconcileBeforeDeciding(job, token, j, a, (failure) => ({
      reason: `reconciliation failed: ${failure.kind}`,
    }));
    if (settled !== undefined) return settled;
    await state.markNotSent(j.intent_id);
    return undefined;
  }

  /**
   * A job added longer ago than half the records' lifetime may have outlived its terminal and attempt records
   * (an executor outage, a long retry loop): it is never posted blind. A terminal that still stands settles
   * it; else the venue is asked for the order; not there: it ends rejected, EXPIRED, and nothing is placed.
   */
  async function expireStale(job: Job, token: string | undefined, j: OrderJob, tStart: number): Promise<JobOutcome> {
    const done = await orderLog.readTerminal(j.intent_id);
    if (done) return await finishFromTerminal(j, done);
    const a: Attempt = { attempt: (await state.read(j.intent_id)).attempts, tStart };
    const settled = await reconcileBeforeDeciding(job, token, j, a, (failure) => ({
      reason: `reconciling an expired intent failed: ${failure.kind}`,
    }));
    if (settled !== undefined) return settled;
    const ageS = Math.round((clock.now() - job.timestamp) / 1000);
    return await finishRejected(j, a, {
      code: 'EXPIRED',
      reason: `queued ${ageS} s ago, past half of ORDER_RECORDS_TTL_MS: not placed`,
    });
  }

  async function processJob(job: Job, token: string | undefined): Promise<JobOutcome> {
    const tStart = clock.now();
    const decoded = OrderJobContract.safeDecode(job.data as WireFields);
    if (!decoded.ok) {
      // No terminal event can be written for an entry we cannot read: it is dead-lettered (guarantee 6).
      await writeDeadLetter(deps.redis, k.dead, {
        source: 'executor',
        kind: 'OrderJob',
        reason: decoded.error.message,
        tsMs: clock.now(),
        origin: `${k.ordersQueue}/${job.id ?? '?'}`,
        raw: JSON.stringify(job.data ?? null),
      });
      metrics.orders.inc({ outcome: 'invalid', code: 'DECODE_FAILED' });
      log.warn({ job_id: job.id, err: decoded.error.message }, 'invalid order job dead-lettered');
      throw new UnrecoverableError(INVALID_JOB);
    }
    const j = decoded.value;
    const id = j.intent_id;
    if (job.id !== undefined && job.id !== id)
      log.warn({ job_id: job.id, intent_id: id }, 'job id differs from intent id');
    try {
      if (!sweepableIntent(retention, job.timestamp, clock.now())) return await expireStale(job, token, j, tStart);
      let body: PlaceOrderBody;
      try {
        body = buildOrderBody(
          {
            intentId: id,
            marketId: j.market_id,
            side: j.side,
            outcome: j.outcome,
            quantity: j.quantity,
            refPrice: j.ref_price,
          },
          o.slippageBps,
          o.tickSize?.(j.market_id) ?? DEFAULT_TICK,
        );
      } catch (err) {
        if (!(err instanceof OrderBuildError)) throw err;
        // Rare: no POST can be built. Settle a terminal that stands, resolve an earlier attempt, then reject.
        const done = await orderLog.readTerminal(id);
        if (done) return await finishFromTerminal(j, done);
        const st = await state.read(id);
        if (st.sent) {
          const out = await resolveUnresolved(job, token, j, st.attempts, tStart);
          if (out) return out;
        }
        return await finishRejected(j, { attempt: st.attempts, tStart }, { code: err.code, reason: err.message });
      }

      // The durable step before the POST, in one round trip: the terminal marker (already finished?), the
      // attempt state (an earlier attempt unresolved? reconcile first), else count the attempt, mark it
      // possibly sent and append `submitted` (state, marker and stream share a slot).
      let a: Attempt | undefined;
      let checkTerminal = true;
      for (let pass = 0; a === undefined; pass++) {
        if (pass >= 3) throw new Error('intent state changed under this job repeatedly');
        const tSent = clock.now();
        const event = OrderEventContract.toArgs({
          ...baseEvent(j, 0, tStart),
          event: 'submitted',
          t_sent: tSent,
        });
        const b = await state.begin(id, event, checkTerminal);
        if (b.kind === 'terminal') {
          const done = parseSettlement(b.raw);
          if (done) return await finishFromTerminal(j, done);
          // An unreadable marker is treated as absent, as readTerminal does: the POST's idempotency key and
          // the terminal write's NX guard keep the outcome single.
          checkTerminal = false;
          continue;
        }
        if (b.kind === 'unresolved') {
          // A previous run may have posted and died before it learned the outcome.
          const out = await resolveUnresolved(job, token, j, b.attempts, tStart);
          if (out) return out;
          continue;
        }
        // t_sent of the attempt's later events is the moment the POST goes out, after the durable write;
        // the `submitted` entry itself can only carry the time just before that write.
        a = { attempt: b.attempt, tStart, tSent: clock.now() };
      }
      const attempt = a.attempt;
      metrics.tickToOrder.observe(Math.max(0, (a.tSent ?? 0) - j.t_recv));
      const res = await place(body, id);
      a.tAck = clock.now();
      if (res.ok || res.failure.kind !== 'transport') metrics.venueLatency.observe(a.tAck - (a.tSent ?? a.tAck));
      const c: Classified = classify(res);
      if (c.requestId !== undefined) a.requestId = c.requestId;
      metrics.attempts.inc({ result: c.kind });

      switch (c.kind) {
        case 'done':
          return await finishAcked(j, c.order, 'direct', a);
        case 'rejected':
          return await finishRejected(j, a, {
            code: c.code,
            reason: c.reason,
            ...(c.httpStatus !== undefined ? { httpStatus: c.httpStatus } : {}),
          });
        case 'rate_limit': {
          await state.undoAttempt(id);
          metrics.rateLimited.inc();
          await orderLog.append({
            ...baseEvent(j, attempt, tStart),
            event: 'retrying',
            code: clip(c.code, 64),
            http_status: 429,
            reason: `rate limited: worker paused ${c.retryAfterMs} ms`,
            ...timing(a),
          });
          await queue?.rateLimit(c.retryAfterMs);
          throw Worker.RateLimitError();
        }
        case 'retry': {
          const why = {
            code: c.code,
            reason: c.reason,
            ...(c.httpStatus !== undefined ? { httpStatus: c.httpStatus } : {}),
          };
          if (c.code === 'IDEMPOTENCY_CONFLICT_PENDING') {
            // An earlier request with this key is still being processed: its outcome is unknown, so the
            // intent is never given up on this code; `sent` stays set and the next run reconciles first.
            return await retryLater(job, token, j, a, why, c.retryAfterMs ?? backoff(attempt));
          }
          await state.markNotSent(id);
          if (attempt >= o.maxAttempts) return await giveUp(job, token, j, a, why);
          return await retryLater(job, token, j, a, why, c.retryAfterMs ?? backoff(attempt));
        }
        case 'ambiguous': {
          metrics.ambiguous.inc({ code: clip(c.code, 64) });
          const why = {
            code: c.code,
            reason: c.reason,
            ...(c.httpStatus !== undefined ? { httpStatus: c.httpStatus } : {}),
          };
          await orderLog.append({
            ...baseEvent(j, attempt, tStart),
            event: 'ambiguous',
            code: clip(c.code, 64),
            reason: clip(`${c.reason}: reconciling`, 512),
            ...(c.httpStatus !== undefined ? { http_status: c.httpStatus } : {}),
            ...timing(a),
          });
          const r = await reconcile(j, c.orderIdHint);
          if (r.kind === 'found') return await finishAcked(j, r.order, 'reconciled', { ...a, tAck: clock.now() });
          if (r.kind === 'failed') {
            // Unknown: never give up while the order may exist. `sent` stays set, so the next run reconciles.
            return await retryLater(
              job,
              token,
              j,
              a,
              { ...why, code: 'RECONCILE_FAILED', reason: `${c.code}; reconciliation failed` },
              backoff(attempt),
            );
          }
          await state.markNotSent(id);
          if (attempt >= o.maxAttempts) {
            return await finishRejected(j, a, {
              ...why,
              reason: `attempts exhausted (${attempt}): ${c.code} and no order at the venue`,
            });
          }
          return await retryLater(
            job,
            token,
            j,
            a,
            { ...why, reason: `${c.code}; not found at the venue, re-sending with the same key` },
            backoff(attempt),
          );
        }
      }
    } catch (err) {
      if (isControlFlow(err)) throw err;
      // Redis or a bug: keep the intent alive and try again later; never drop it.
      metrics.internalErrors.inc({ stage: 'process' });
      log.error({ err, intent_id: id }, 'order processing failed: retrying later');
      if (token === undefined) throw err;
      try {
        await job.moveToDelayed(Date.now() + backoff(1), token);
      } catch {
        throw err;
      }
      throw new DelayedError();
    }
  }

  /** Re-queues failed jobs whose intent never got its terminal event (guarantee 3's safety net). */
  let sweeping: Promise<number> | undefined;
  async function sweepFailed(): Promise<number> {
    const q = queue;
    if (!q) return 0;
    let requeued = 0;
    const nowMs = clock.now();
    for (const job of await q.getFailed(0, 999)) {
      if (!job?.id || job.failedReason === INVALID_JOB) continue;
      // A rejection was terminal when it failed the job (its record may since have expired), and a job past
      // half the records' lifetime is not run again.
      if (job.failedReason?.startsWith(REJECTED_PREFIX) || !sweepableIntent(retention, job.timestamp, nowMs)) continue;
      const d = OrderJobContract.safeDecode(job.data as WireFields);
      if (!d.ok) continue;
      if (await orderLog.readTerminal(d.value.intent_id)) continue;
      await job.retry('failed');
      requeued++;
    }
    if (requeued > 0) {
      metrics.sweptJobs.inc(requeued);
      log.warn({ requeued }, 'failed order jobs without a terminal event re-queued');
    }
    return requeued + (await sweepOrphans(q));
  }

  /**
   * Intents whose job is gone: on a Redis Cluster (or Sentinel) an asynchronous failover can lose the job
   * written just before it while the intent, logged after the job on another shard, survives. An intent of
   * the recent tail with neither a terminal event nor a job is enqueued again under its own id: BullMQ drops
   * the add if the job exists after all, and the venue's idempotency key makes a second POST a replay.
   * The other way round, the orders shard can lose a terminal event while the queue's shard keeps the job's
   * completion: a completed job of an intent without a terminal event is run again, and finds its order at
   * the venue by the same key (a replay, never a second order).
   * Only intents younger than half the records' lifetime are looked at: an older one may have outlived its
   * job and terminal record by design (retention), and running it again would be a late duplicate.
   */
  async function sweepOrphans(q: Queue): Promise<number> {
    const { entries } = parseEntries(await deps.redis.xrevrange(k.intents, '+', '-', 'COUNT', ORPHAN_SCAN));
    const nowMs = clock.now();
    let added = 0;
    for (const e of entries) {
      // Newest first: the rest are older still.
      if (!sweepableIntent(retention, streamIdMs(e.id), nowMs)) break;
      const d = IntentContract.safeDecode(e.fields);
      if (!d.ok || d.value.ns !== deps.ns) continue;
      const id = d.value.intent_id;
      if (await orderLog.readTerminal(id)) continue;
      const job = await q.getJob(id);
      if (job) {
        // Terminal events are written before a job completes: a completed job without one lost it.
        if ((await job.isCompleted()) && !(await orderLog.readTerminal(id))) {
          await job.retry('completed');
          added++;
        }
        continue;
      }
      const data = OrderJobContract.encode({ ...d.value, t_enqueue: clock.now() });
      // No keep options on the job: the worker's (this executor's retention) apply.
      await q.add('order', data, { jobId: id });
      added++;
    }
    if (added > 0) {
      metrics.sweptJobs.inc(added);
      log.warn({ added }, 'intents without a terminal event (lost in a failover?) enqueued or run again');
    }
    return added;
  }
  const sweep = () => {
    sweeping ??= sweepFailed()
      .catch((err: unknown) => {
        metrics.internalErrors.inc({ stage: 'sweep' });
        log.error({ err }, 'failed-job sweep failed');
        return 0;
      })
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  };
  let sweepTimer: NodeJS.Timeout | undefined;

  async function checkDrift(): Promise<DriftReport> {
    const report = await measureDrift(deps.redis, deps.ns, deps.venue);
    if (!report.ok) {
      if (report.failure.kind !== 'unsupported') log.warn({ failure: report.failure.kind }, 'drift check failed');
      return report;
    }
    metrics.driftPositions.set(report.positions.length);
    if (report.cash !== undefined) metrics.driftCash.set(report.cash);
    if (report.positions.length > 0 || (report.cash ?? 0) !== 0) {
      log.warn({ positions: report.positions.slice(0, 20), cash: report.cash }, 'projection drifts from the venue');
    }
    return report;
  }
  let driftTimer: NodeJS.Timeout | undefined;
  const driftSafely = () =>
    void checkDrift().catch((err: unknown) => {
      metrics.internalErrors.inc({ stage: 'drift' });
      log.warn({ err }, 'drift check failed');
    });

  let heartbeat: Heartbeat | undefined;

  const stopTimers = async () => {
    if (sweepTimer) clearInterval(sweepTimer);
    if (driftTimer) clearInterval(driftTimer);
    sweepTimer = undefined;
    driftTimer = undefined;
    await heartbeat?.stop();
    // The sweep is best effort and idempotent: a close does not wait on one stuck behind a Redis outage.
    await within(CLOSE_DRAIN_MS / 2, sweeping ?? Promise.resolve());
  };

  return {
    lifecycle,
    metrics,
    async start() {
      if (worker) return;
      const connection = deps.bullConnection;
      queue = new Queue(k.ordersQueue, { connection, prefix: k.bullPrefix });
      queue.on('error', (err) => log.error({ err }, 'queue connection error'));
      worker = new Worker(k.ordersQueue, (job, token) => processJob(job, token), {
        connection,
        prefix: k.bullPrefix,
        autorun: false,
        concurrency: o.concurrency,
        limiter: { max: o.writesPerSec, duration: 1000 },
        lockDuration: o.lockDurationMs ?? 30_000,
        stalledInterval: o.stalledIntervalMs ?? 15_000,
        maxStalledCount: o.maxStalledCount ?? 10,
        ...orderJobRetention(retention),
      });
      worker.on('error', (err) => {
        metrics.internalErrors.inc({ stage: 'worker' });
        log.error({ err }, 'worker error');
      });
      worker.on('failed', (job, err) => {
        if (!(err instanceof UnrecoverableError) && !String(err?.message).startsWith(REJECTED_PREFIX)) {
          log.error({ job_id: job?.id, err }, 'order job failed');
        }
      });
      worker.on('stalled', (jobId) => log.warn({ job_id: jobId }, 'order job stalled: taken over'));
      const w = worker;
      w.run().catch((err: unknown) => {
        log.error({ err }, 'worker loop stopped');
        if (lifecycle.state === 'running') lifecycle.transition('degraded', 'worker loop stopped');
      });
      await w.waitUntilReady();
      await sweep();
      const every = o.sweepIntervalMs ?? 30_000;
      if (every > 0) {
        sweepTimer = setInterval(() => void sweep(), every);
        sweepTimer.unref();
      }
      const driftEvery = o.driftCheckIntervalMs ?? 60_000;
      if (driftEvery > 0) {
        driftSafely();
        driftTimer = setInterval(driftSafely, driftEvery);
        driftTimer.unref();
      }
      if (o.heartbeat) {
        heartbeat = createHeartbeat({
          venue: deps.venue,
          redis: deps.redis,
          ns: deps.ns,
          ...o.heartbeat,
          logger: log,
          clock,
          onState: (st: HeartbeatState) => {
            for (const x of ['beating', 'halted', 'feed_stale', 'failing'] as const) {
              metrics.heartbeatState.set({ state: x }, x === st ? 1 : 0);
            }
          },
        });
        heartbeat.start();
      }
      lifecycle.transition('running');
      log.info({ queue: k.ordersQueue, concurrency: o.concurrency, writesPerSec: o.writesPerSec }, 'executor running');
    },
    close() {
      return lifecycle.close(async () => {
        await stopTimers();
        // Finish in-flight orders, but not forever: a job still running at the deadline is left to BullMQ's
        // stall recovery, and its next attempt looks the order up at the venue before placing anything.
        const w = worker;
        if (w) {
          let timer: NodeJS.Timeout | undefined;
          const drained = await Promise.race([
            w.close().then(() => true),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(false), CLOSE_DRAIN_MS);
            }),
          ]);
          clearTimeout(timer);
          if (!drained) {
            // BullMQ returns the pending close promise to a second close(), so the force close is bounded
            // too; the caller's connections are disconnected next, which ends whatever still waits on them.
            log.warn({ waitedMs: CLOSE_DRAIN_MS }, 'in-flight orders did not finish in time: closing anyway');
            await within(CLOSE_DRAIN_MS / 2, w.close(true));
          }
        }
        await within(CLOSE_DRAIN_MS / 2, queue?.close() ?? Promise.resolve());
      });
    },
    abort() {
      return lifecycle.close(async () => {
        void stopTimers();
        // Bounded like close(): a BullMQ close can wait for ever on a connection Redis dropped.
        await within(CLOSE_DRAIN_MS / 2, worker?.close(true) ?? Promise.resolve());
        await within(CLOSE_DRAIN_MS / 2, queue?.close() ?? Promise.resolve());
      });
    },
    checkDrift,
  };
}
