// Compares the positions projection with the venue's own account: shares per market and outcome, and
// cash (starting balance + projected cash delta vs the venue balance; meaningful when the projection
// started with the wallet). Drift is reported, never "fixed": the order log stays the source of truth.
// Orders in flight while it runs show up as transient drift.

import { keys, type Micro, type RedisClient } from '@polybot/shared';
import type { ExecutorVenue, VenueFailure } from '../venue/venue-port.js';

export interface PositionDrift {
  key: string;
  projected: Micro;
  venue: Micro;
}

export type DriftReport =
  | {
      ok: true;
      positions: PositionDrift[];
      /** (starting balance + projected cash) − venue balance, micro-USD; undefined without a starting balance. */
      cash?: Micro;
    }
  | { ok: false; failure: VenueFailure | { kind: 'unsupported' } };

export async function measureDrift(redis: RedisClient, ns: string, venue: ExecutorVenue): Promise<DriftReport> {
  if (!venue.positions || !venue.balance) return { ok: false, failure: { kind: 'unsupported' } };
  const [pos, bal, proj] = await Promise.all([venue.positions(), venue.balance(), redis.hgetall(keys(ns).positions)]);
  if (!pos.ok) return { ok: false, failure: pos.failure };
  if (!bal.ok) return { ok: false, failure: bal.failure };
  const venueQty = new Map<string, Micro>();
  for (const p of pos.value) {
    const k = `${p.marketId}|${p.outcome}`;
    venueQty.set(k, (venueQty.get(k) ?? 0) + p.quantity);
  }
  const projected = new Map<string, Micro>();
  for (const [f, v] of Object.entries(proj)) {
    if (f.startsWith('qty:')) projected.set(f.slice(4), Number(v));
  }
  const drift: PositionDrift[] = [];
  for (const k of new Set([...venueQty.keys(), ...projected.keys()])) {
    const a = projected.get(k) ?? 0;
    const b = venueQty.get(k) ?? 0;
    if (a !== b) drift.push({ key: k, projected: a, venue: b });
  }
  const start = bal.value.startingBalance;
  return {
    ok: true,
    positions: drift,
    ...(start !== undefined ? { cash: start + Number(proj.cash ?? 0) - bal.value.balance } : {}),
  };
}
