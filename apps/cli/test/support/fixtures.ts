// Stream entries for the record, replay and diff tests: a canonical tick and an approved intent, each as the
// field list its stream holds.

import { IntentContract, intentId, TickContract, tickKey } from '@polybot/shared';

/** The i-th test market id. */
export const M = (i: number) => `0x${(i + 1).toString(16).padStart(64, '0')}`;

/** The i-th tick of `market` (emitted 10 ms apart), received `recvLagMs` after it was emitted. */
export function tickFields(i: number, market: string, recvLagMs = 0.25): string[] {
  const t = {
    type: 'tick' as const,
    market_id: market,
    yes: 300_000 + ((i * 7919) % 400_000),
    no: 700_000 - ((i * 7919) % 400_000),
    emit_ts_ms: 1_700_000_000_000 + i * 10,
    recv_ts_ms: 1_700_000_000_000 + i * 10 + recvLagMs,
    conn_epoch: 1,
    source: 'websocket',
    tradable: true,
  };
  return TickContract.toArgs({ ...t, key: tickKey(t) });
}

/** A BUY intent of namespace `ns` decided on the tick `tick-${i}` of market M(0). */
export function intentFields(ns: string, i: number): string[] {
  return IntentContract.toArgs({
    v: 1,
    intent_id: intentId(ns, 'test', `tick-${i}`, 0),
    ns,
    strategy: 'test',
    market_id: M(0),
    side: 'BUY',
    outcome: 'Yes',
    quantity: 5_000_000,
    ref_price: 400_000,
    tick_key: `tick-${i}`,
    tick_id: `${i + 1}-0`,
    partition: 0,
    decision_index: 0,
    t_emit: 1,
    t_recv: 2,
    t_decide: 3,
  });
}
