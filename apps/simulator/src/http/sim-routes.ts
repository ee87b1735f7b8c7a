// /_sim/*: fault injection and inspection, dev mode only.

import { fmt } from '@polybot/exchange';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimContext } from '../context.js';
import { validation } from '../errors.js';
import type { FaultSettings } from '../faults.js';
import { iso, money } from '../orders/format.js';

const share = z.number().min(0).max(1);
export const FaultPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000),
    serverBusyShare: share,
    ambiguousShare: share,
    ambiguousMode: z.enum(['persistence_unknown', 'hang', 'reset']),
    hangMs: z.number().int().min(1).max(600_000),
    storm429: z.boolean(),
    stallFeeds: z.boolean(),
    malformedShare: share,
    tokenTtlMs: z.number().int().min(0).max(3_600_000),
  })
  .partial()
  .strict();

export interface SimControls {
  setFaults(patch: Partial<FaultSettings>): Readonly<FaultSettings>;
  dropSockets(): number;
  expireTokens(): number;
  setPrice(marketId: string, yes: string): void;
}

const PriceBody = z.object({ market_id: z.string().max(256), price: z.string().max(16) });

export function ledgerRows(ctx: SimContext) {
  return ctx.ledger.map((o) => ({
    order_id: o.id,
    client_order_id: o.clientOrderId,
    user_id: o.userId,
    market_id: o.marketId,
    side: o.side,
    outcome: o.outcome,
    order_type: o.orderType,
    status: o.status,
    quantity: fmt(o.status === 'FILLED' ? o.filledQty : o.requested),
    price: o.fillPrice === null ? null : fmt(o.fillPrice),
    notional: money(o.notional),
    fee: money(o.fee),
    created_at: iso(o.createdMs),
  }));
}

export function registerSimRoutes(app: FastifyInstance, ctx: SimContext, controls: SimControls): void {
  app.get('/_sim/ledger', async () => {
    const orders = ledgerRows(ctx);
    return { count: orders.length, orders };
  });
  app.get('/_sim/stats', async () => ctx.stats);
  app.get('/_sim/faults', async () => ctx.faults.settings);
  app.post('/_sim/faults', async (req) => {
    const r = FaultPatchSchema.safeParse(req.body ?? {});
    if (!r.success) throw validation(`invalid fault settings: ${r.error.issues[0]?.message ?? ''}`);
    return controls.setFaults(r.data as Partial<FaultSettings>);
  });
  app.post('/_sim/faults/reset', async () => ctx.faults.reset());
  app.post('/_sim/drop-sockets', async () => ({ dropped: controls.dropSockets() }));
  app.post('/_sim/expire-tokens', async () => ({ closed: controls.expireTokens() }));
  app.post('/_sim/price', async (req) => {
    const r = PriceBody.safeParse(req.body ?? null);
    if (!r.success) throw validation('expected {"market_id","price"}');
    controls.setPrice(r.data.market_id, r.data.price);
    return { ok: true };
  });
  app.post('/_sim/match', async () => ctx.orders.matchOnce());
}
