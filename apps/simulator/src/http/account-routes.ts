// Account reads (balance, positions, history) and key routes (ws-token, tiers).

import { fmt, fmtFixed, mul } from '@polybot/exchange';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccountRecord } from '../accounts.js';
import type { SimContext } from '../context.js';
import { iso, money } from '../orders/format.js';
import { authenticate } from './auth.js';
import { parseQuery } from './market-routes.js';

const PositionsQuery = z.object({ status: z.enum(['OPEN', 'CLOSED']).optional() });
const HistoryQuery = z.object({
  market_id: z.string().max(256).optional(),
  side: z.enum(['BUY', 'SELL']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Market value of every open position at the current displayed price, micro-USD. */
export function positionsValue(ctx: SimContext, rec: AccountRecord): number {
  let v = 0;
  for (const p of rec.account.positions()) {
    const m = ctx.markets.get(p.marketId);
    if (m && p.quantity > 0) v += mul(p.quantity, m.price(p.outcome === 'Yes' ? 'Yes' : 'No'));
  }
  return v;
}

export function registerAccountRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.post('/v1/keys/ws-token', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const ttl = ctx.faults.settings.tokenTtlMs > 0 ? ctx.faults.settings.tokenTtlMs : ctx.opts.tokenTtlMs;
    const token = ctx.tokens.mint(rec.userId, ctx.clock.now(), ttl);
    ctx.stats.ws.tokens_minted++;
    return { token, expires_in: Math.max(1, Math.round(ttl / 1000)) };
  });

  app.get('/v1/keys/tiers', async (req, reply) => {
    authenticate(ctx, req, reply);
    return ctx.opts.tiers.map((t) => ({
      tier: t.tier,
      requests_per_second: t.requests_per_second,
      requests_per_minute: t.requests_per_minute,
      max_ws_connections: t.max_ws_connections,
      max_batch_size: t.max_batch_size,
    }));
  });

  app.get('/v1/account/balance', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const a = rec.account;
    const total = a.cash + positionsValue(ctx, rec);
    return {
      balance: fmtFixed(a.available, 2),
      currency: 'USD',
      starting_balance: fmtFixed(a.startingBalance, 2),
      unrealized_pnl: fmt(total - a.startingBalance),
      total_value: fmt(total),
    };
  });

  app.get('/v1/account/positions', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const q = parseQuery(PositionsQuery, req.query);
    return rec.account
      .positions()
      .filter((p) => q.status === undefined || p.status === q.status)
      .map((p) => {
        const m = ctx.markets.get(p.marketId);
        const price = m ? m.price(p.outcome === 'Yes' ? 'Yes' : 'No') : undefined;
        const value = price === undefined ? undefined : mul(p.quantity, price);
        return {
          id: p.id,
          market_id: p.marketId,
          outcome: p.outcome,
          quantity: fmt(p.quantity),
          avg_entry_price: fmt(p.avgEntry),
          current_price: price === undefined ? null : fmt(price),
          market_value: value === undefined ? null : money(value),
          unrealized_pnl: value === undefined ? null : fmt(value - p.costBasis),
          realized_pnl: fmt(p.realized),
          status: p.status,
          market_question: m?.spec.question ?? null,
        };
      });
  });

  app.get('/v1/account/history', async (req, reply) => {
    const rec = authenticate(ctx, req, reply);
    const q = parseQuery(HistoryQuery, req.query);
    const out: Record<string, unknown>[] = [];
    const h = rec.account.history;
    let skipped = 0;
    for (let i = h.length - 1; i >= 0 && out.length < q.limit; i--) {
      const f = h[i];
      if (!f) continue;
      if (q.market_id && f.marketId !== q.market_id) continue;
      if (q.side && f.side !== q.side) continue;
      if (skipped++ < q.offset) continue;
      out.push({
        order_id: f.orderId,
        market_id: f.marketId,
        side: f.side,
        outcome: f.outcome,
        price: fmt(f.price),
        quantity: fmt(f.quantity),
        notional: money(f.notional),
        fee: money(f.fee),
        status: 'FILLED',
        price_source: f.priceSource,
        price_age_ms: 0,
        filled_at: iso(f.ts),
        created_at: iso(f.createdTs),
      });
    }
    return out;
  });
}
