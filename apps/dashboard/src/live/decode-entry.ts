// Turns one stream entry into the compact event the page draws. Entries that fail their contract are
// skipped here (the writers already dead-letter bad input; the dashboard only reads).

import {
  DeadLetterContract,
  decodeTickStreamEntry,
  FeedEventContract,
  fromMicro,
  IntentContract,
  OrderEventContract,
  type StreamEntry,
} from '@polybot/shared';
import type { LiveEvent } from './page-events.js';

export type StreamKind = 'tick' | 'feed' | 'intent' | 'order' | 'dead';

const streamMs = (id: string) => Number(id.split('-')[0]) || 0;

export function decodeEntry(kind: StreamKind, e: StreamEntry): LiveEvent | null {
  switch (kind) {
    case 'tick': {
      const d = decodeTickStreamEntry(e.fields);
      if (!d.ok) return null;
      const v = d.value;
      if (v.type === 'gap') return { k: 'gap', m: v.market_id, t: v.ts_ms, r: v.reason };
      return { k: 'tick', m: v.market_id, y: v.yes, n: v.no, t: v.recv_ts_ms, e: v.emit_ts_ms };
    }
    case 'intent': {
      const d = IntentContract.safeDecode(e.fields);
      if (!d.ok) return null;
      const v = d.value;
      return {
        k: 'intent',
        id: v.intent_id,
        m: v.market_id,
        side: v.side,
        outcome: v.outcome,
        q: v.quantity,
        p: v.ref_price,
        strategy: v.strategy,
        t: v.t_decide,
        ...(v.reason !== undefined ? { reason: v.reason } : {}),
      };
    }
    case 'order': {
      const d = OrderEventContract.safeDecode(e.fields);
      if (!d.ok) return null;
      const v = d.value;
      return {
        k: 'order',
        id: v.intent_id,
        ev: v.event,
        m: v.market_id,
        side: v.side,
        attempt: v.attempt,
        ...(v.status !== undefined ? { status: v.status } : {}),
        ...(v.code !== undefined ? { code: v.code } : {}),
        ...(v.fill_price !== undefined ? { fillPrice: v.fill_price } : {}),
        ...(v.fee !== undefined ? { fee: fromMicro(v.fee) } : {}),
        timings: {
          emit: v.t_emit,
          recv: v.t_recv,
          decide: v.t_decide,
          enqueue: v.t_enqueue,
          start: v.t_start,
          ...(v.t_sent !== undefined ? { sent: v.t_sent } : {}),
          ...(v.t_ack !== undefined ? { ack: v.t_ack } : {}),
        },
        at: streamMs(e.id),
      };
    }
    case 'feed': {
      const d = FeedEventContract.safeDecode(e.fields);
      if (!d.ok) return null;
      const v = d.value;
      return {
        k: 'feed',
        ev: v.event,
        conn: v.conn_id,
        epoch: v.conn_epoch,
        t: v.ts_ms,
        ...(v.code !== undefined ? { code: v.code } : {}),
        ...(v.reason !== undefined ? { reason: v.reason } : {}),
        ...(v.market_id !== undefined ? { market: v.market_id } : {}),
      };
    }
    case 'dead': {
      const d = DeadLetterContract.safeDecode(e.fields);
      if (!d.ok) return null;
      const v = d.value;
      return { k: 'dead', source: v.source, kind: v.kind, reason: v.reason, t: v.ts_ms };
    }
  }
}
