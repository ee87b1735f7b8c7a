// Rebuilds the positions projection from `{ns}:orders`: every acked event with a fill, in stream order,
// through projectFill. Used to check the live hash (drift) or to replace it after a loss; run the
// replacement while no executor is writing, or fills acked meanwhile are lost from the new hash. A stream
// that no longer holds every event (trimmed at ORDERS_MAXLEN) is reported, and never replaces the hash.

import { keys, OrderEventContract, parseEntries, type RedisClient, streamShortfall } from '@polybot/shared';
import { type Projection, projectFill } from './positions.js';

export interface RebuildResult {
  projection: Projection;
  /** Acked events applied. */
  applied: number;
  /** Entries that failed the OrderEvent contract (skipped). */
  invalid: number;
  /** Order events appended to the stream that it no longer holds (ORDERS_MAXLEN, XDEL): fills may be missing. */
  missing: number;
}

export async function projectFromOrderLog(redis: RedisClient, ns: string, batch = 1000): Promise<RebuildResult> {
  const ordersKey = keys(ns).orders;
  const short = await streamShortfall(redis, ordersKey);
  const projection: Projection = {};
  const seen = new Set<string>();
  let applied = 0;
  let invalid = 0;
  let start = '-';
  for (;;) {
    const { entries, bad } = parseEntries(await redis.xrange(ordersKey, start, '+', 'COUNT', batch));
    invalid += bad.length;
    for (const e of entries) {
      const d = OrderEventContract.safeDecode(e.fields);
      if (!d.ok) {
        invalid++;
        continue;
      }
      const ev = d.value;
      // One terminal per intent is guaranteed by the log; the set guards a log written by other tools.
      if (ev.event !== 'acked' || seen.has(ev.intent_id)) continue;
      seen.add(ev.intent_id);
      projectFill(projection, {
        marketId: ev.market_id,
        outcome: ev.outcome,
        side: ev.side,
        filled: ev.filled_qty ?? 0,
        notional: ev.notional ?? 0,
        fee: ev.fee ?? 0,
      });
      applied++;
    }
    const last = entries.at(-1)?.id ?? bad.at(-1)?.id;
    if (entries.length + bad.length < batch || last === undefined) break;
    start = `(${last}`;
  }
  return { projection, applied, invalid, missing: short ? short.added - short.kept : 0 };
}

/** Replaces the hash at `target` (default the live projection) with the rebuilt projection. */
export async function rebuildProjection(
  redis: RedisClient,
  ns: string,
  target: string = keys(ns).positions,
): Promise<RebuildResult> {
  const res = await projectFromOrderLog(redis, ns);
  if (res.missing > 0) {
    throw new Error(
      `${keys(ns).orders} no longer holds ${res.missing} of its order events (trimmed at ORDERS_MAXLEN): a projection rebuilt from it would miss their fills, so ${target} is left as it is`,
    );
  }
  const tx = redis.multi().del(target);
  const fields = Object.entries(res.projection);
  if (fields.length > 0) tx.hset(target, Object.fromEntries(fields));
  await tx.exec();
  return res;
}
