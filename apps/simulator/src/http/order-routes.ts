// Trading: POST/GET /v1/orders, GET/DELETE /v1/orders/{id}, POST /v1/cancel-all, POST /v1/heartbeats,
// with idempotency per account, the per-account write lock, and the ambiguous-outcome faults.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountRecord } from '../accounts.js';
import type { SimContext } from '../context.js';
import { ApiError, badRequest, notFound, validation } from '../errors.js';
import { acquireWriteSlot } from '../limits/write-lock.js';
import { iso, orderRow } from '../orders/format.js';
import { OrderBodySchema } from '../orders/order-service.js';
import type { OrderRecord } from '../orders/order-types.js';
import { authenticate } from './auth.js';
import { parseQuery } from './market-routes.js';

const ListQuery = z.object({
  status: z.enum(['PENDING', 'FILLED', 'CANCELLED', 'EXPIRED']).optional(),
  market_id: z.string().max(256).optional(),
  side: z.enum(['BUY', 'SELL']).optional(),
  client_order_id: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  cursor: z.string().max(512).optional(),
});

const HeartbeatBody = z.object({
  interval_ms: z.number().int().min(1000).max(60_000),
  client_label: z.string().max(100).optional(),
});

const REPLAY_NULLS = { spread_bps: null, impact_bps: null, book_walk_levels: null, is_replay: true };

function encodeCursor(o: OrderRecord): string {
  return Buffer.from(`${iso(o.createdMs)}|${o.id}`).toString('base64url');
}

/** Accepts our base64url cursor (created_at|id), a base64 of a bare created_at, or a raw ISO time. */
function decodeCursor(raw: string): (o: OrderRecord) => boolean {
  const fromIso = (s: string) => {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) throw validation('invalid cursor');
    return (o: OrderRecord) => o.createdMs < ms;
  };
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw)) return fromIso(raw);
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const [time, id] = text.split('|');
  if (id !== undefined && /^\d+$/.test(id)) {
    const n = Number(id);
    return (o) => o.id < n;
  }
  return fromIso(time ?? '');
}

function idempotencyKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers['idempotency-key'];
  const v = Array.isArray(h) ? h[0] : h;
  if (v === undefined) return undefined;
  if (v.length === 0 || v.length > 256) throw validation('Idempotency-Key must be 1..256 characters');
  return v;
}

function requireTrade(rec: AccountRecord): void {
  if (rec.account.startingBalance === 0) {
    throw new ApiError(403, 'TIER_REQUIRES_UPGRADE', 'This tier has no API wallet; upgrade to trade');
  }
}

const BatchBody = z.object({ orders: z.array(z.unknown()) });

function parseOrder(body: unknown) {
  const parsed = OrderBodySchema.safeParse(body ?? null);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw validation(`invalid field ${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

type Seen = { replay: Record<string, unknown> } | { fresh: true };

/** Idempotency check of polysim-api.md §5.2; registers a fresh key as pending. */
function claimKey(rec: AccountRecord, key: string | undefined, fingerprint: string): Seen {
  if (key === undefined) return { fresh: true };
  const seen = rec.idem.get(key);
  if (!seen) {
    rec.idem.set(key, { fingerprint, state: 'pending' });
    return { fresh: true };
  }
  if (seen.state === 'pending') {
    throw new ApiError(409, 'IDEMPOTENCY_CONFLICT_PENDING', 'A request with this key is still in flight', {
      'retry-after': '1',
    });
  }
  if (seen.fingerprint !== fingerprint) {
    throw new ApiError(409, 'IDEMPOTENCY_KEY_REUSE', 'This idempotency key was used with a different request');
  }
  return { replay: { ...seen.response, ...REPLAY_NULLS } };
}

export function registerOrderRoutes(app: FastifyInstance, ctx: SimContext): void {
  const { opts, orders, stats } = ctx;

  /** One batch entry: never throws; a failure is a REJECTED/ERROR row with order_id 0. */
  const placeEntry = (rec: AccountRecord, raw: unknown): Record<string, unknown> => {
    let key: string | undefined;
    try {
      const body = parseOrder(raw);
      key = body.client_order_id ?? undefined;
      const n = orders.normalize(body, ctx.clock.now());
      const seen = claimKey(rec, key, n.fingerprint);
      if ('replay' in seen) {
        stats.orders.replays++;
        return seen.replay;
      }
      try {
        const res = orders.place(rec, n, key ?? null);
        if (key !== undefined) rec.idem.set(key, { fingerprint: n.fingerprint, state: 'done', response: res });
        return res;
      } catch (err) {
        if (key !== undefined) rec.idem.delete(key);
        throw err;
      }
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'EXECUTION_ERROR', 'Internal error');
      stats.orders.rejected++;
      const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      return {
        order_id: 0,
        status: e.status >= 500 ? 'ERROR' : 'REJECTED',
        order_type: typeof o.order_type === 'string' ? o.order_type : 'market',
        side: o.side ?? null,
        outcome: o.outcome ?? null,
        price: typeof o.price === 'string' ? o.price : '0',
        quantity: typeof o.quantity === 'string' ? o.quantity : '0',
        notional: '0',
        fee: '0',
        client_order_id: key ?? null,
        error: e.code,
        error_message: e.message,
        is_replay: false,
        warnings: [],
      };
    }
  };

  const placeBatch = async (rec: AccountRecord, entries: unknown[]) => {
    if (entries.length === 0) throw validation('orders must not be empty');
    const max = Math.min(15, Math.max(1, rec.tier.max_batch_size));
    if (entries.length > max) {
      throw badRequest('BATCH_LIMIT_EXCEEDED', `At most ${max} orders per batch on the ${rec.tier.tier} tier`);
    }
    if (opts.limits) await acquireWriteSlot(rec, opts.writesPerSecond, opts.lockWaitMs);
    const results = entries.map((e) => placeEntry(rec, e));
    const failed = results.filter((r) => r.order_id === 0).length;
    return { results, succeeded: results.length - failed, failed };
  };

  app.post('/v1/orders/batch', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    requireTrade(rec);
    const r = BatchBody.safeParse(req.body ?? null);
    if (!r.success) throw validation('expected {"orders":[…]}');
    return placeBatch(rec, r.data.orders);
  });

  app.post('/v1/orders', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    requireTrade(rec);
    // A JSON array is a batch (polysim-api.md §5.1).
    if (Array.isArray(req.body)) return placeBatch(rec, req.body);
    const parsedBody = parseOrder(req.body);
    const key = idempotencyKey(req.headers) ?? parsedBody.client_order_id ?? undefined;
    const n = orders.normalize(parsedBody, ctx.clock.now());
    const seen = claimKey(rec, key, n.fingerprint);
    if ('replay' in seen) {
      stats.orders.replays++;
      return seen.replay;
    }
    let body: Record<string, unknown>;
    try {
      const latency = ctx.faults.settings.latencyMs;
      if (latency > 0) await sleep(latency);
      if (opts.limits) {
        try {
          await acquireWriteSlot(rec, opts.writesPerSecond, opts.lockWaitMs);
        } catch (err) {
          stats.faults.trade_in_progress++;
          throw err;
        }
      }
      body = orders.place(rec, n, key ?? null);
    } catch (err) {
      if (key !== undefined) rec.idem.delete(key);
      if (err instanceof ApiError && err.status < 500) stats.orders.rejected++;
      throw err;
    }
    if (key !== undefined) rec.idem.set(key, { fingerprint: n.fingerprint, state: 'done', response: body });
    if (ctx.faults.ambiguous()) {
      stats.faults.ambiguous++;
      const mode = ctx.faults.settings.ambiguousMode;
      if (mode === 'persistence_unknown') {
        throw new ApiError(
          503,
          'PERSISTENCE_UNKNOWN',
          'The outcome of this order is unknown; look it up by client_order_id before retrying',
        );
      }
      reply.hijack();
      const socket = req.raw.socket;
      if (mode === 'reset') {
        socket.destroy();
      } else {
        const t = setTimeout(() => {
          ctx.hangs.delete(t);
          socket.destroy();
        }, ctx.faults.settings.hangMs);
        ctx.hangs.add(t);
      }
      return reply;
    }
    return body;
  });

  app.get('/v1/orders', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const q = parseQuery(ListQuery, req.query);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const matching: OrderRecord[] = [];
    for (let i = rec.orders.length - 1; i >= 0; i--) {
      const o = rec.orders[i] as OrderRecord;
      if (q.status && o.status !== q.status) continue;
      if (q.market_id && o.marketId !== q.market_id) continue;
      if (q.side && o.side !== q.side) continue;
      if (q.client_order_id && o.clientOrderId !== q.client_order_id) continue;
      if (after && !after(o)) continue;
      matching.push(o);
    }
    const page = matching.slice(q.offset, q.offset + q.limit);
    const hasMore = q.offset + q.limit < matching.length;
    const last = page.at(-1);
    return {
      orders: page.map((o) => orderRow(o)),
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor(last) : null,
      total_hint: matching.length,
    };
  });

  app.get<{ Params: { id: string } }>('/v1/orders/:id', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const o = /^\d{1,15}$/.test(req.params.id) ? orders.get(Number(req.params.id)) : undefined;
    if (!o || o.userId !== rec.userId) throw notFound('ORDER_NOT_FOUND', 'Order not found');
    return orderRow(o, true);
  });

  app.delete<{ Params: { id: string } }>('/v1/orders/:id', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    if (!/^\d{1,15}$/.test(req.params.id)) throw notFound('ORDER_NOT_FOUND', 'Order not found');
    if (opts.limits) await acquireWriteSlot(rec, opts.writesPerSecond, opts.lockWaitMs);
    const o = orders.cancel(rec, Number(req.params.id));
    stats.orders.cancelled++;
    const row = orderRow(o);
    return {
      order_id: o.id,
      status: 'CANCELLED',
      order_type: o.orderType,
      side: o.side,
      outcome: o.outcome,
      price: row.limit_price,
      quantity: row.quantity,
      notional: row.notional,
      fee: '0',
    };
  });

  app.post<{ Querystring: { confirm?: string } }>('/v1/cancel-all', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const header = req.headers['x-confirm-cancel-all'];
    if (req.query.confirm !== 'true' && header !== 'true') {
      throw badRequest('CONFIRMATION_REQUIRED', 'Pass ?confirm=true or X-Confirm-Cancel-All: true');
    }
    if (opts.limits) await acquireWriteSlot(rec, opts.writesPerSecond, opts.lockWaitMs);
    const done = orders.cancelAll(rec);
    stats.orders.cancelled += done.length;
    return { canceled: done.map((o) => String(o.id)), not_canceled: {} };
  });

  app.delete<{ Querystring: { market?: string } }>('/v1/cancel-market-orders', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const market = req.query.market;
    if (typeof market !== 'string' || !ctx.markets.has(market)) throw notFound('MARKET_NOT_FOUND', 'Market not found');
    if (opts.limits) await acquireWriteSlot(rec, opts.writesPerSecond, opts.lockWaitMs);
    const done = orders.cancelAll(rec, 'cancel_market', market);
    stats.orders.cancelled += done.length;
    return { canceled: done.map((o) => String(o.id)), not_canceled: {} };
  });

  app.post('/v1/heartbeats', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const r = HeartbeatBody.safeParse(req.body ?? null);
    if (!r.success) throw validation('interval_ms must be an integer between 1000 and 60000');
    const now = ctx.clock.now();
    const expires = Math.floor(now + r.data.interval_ms);
    rec.heartbeat = { expiresAtMs: expires, graceMs: Math.max(1000, r.data.interval_ms * 0.25) };
    return { ok: true, expires_at_ms: expires };
  });
}
