// Tick and gap builders for the unit tests of this package (not exported from the index).

import { type Gap, type Tick, tickKey } from '@polybot/shared';

export const MARKET = `0x${'ab'.repeat(32)}`;

export function mkTick(yes: number, emit: number, over: Partial<Tick> = {}): Tick {
  const base = {
    v: 1,
    type: 'tick' as const,
    market_id: MARKET,
    yes,
    no: 1_000_000 - yes,
    emit_ts_ms: emit,
    recv_ts_ms: emit + 1,
    conn_epoch: 1,
    source: 'test',
    tradable: true,
    ...over,
  };
  return { ...base, key: tickKey(base) } as Tick;
}

export function mkGap(ts: number, over: Partial<Gap> = {}): Gap {
  return { v: 1, type: 'gap', market_id: MARKET, conn_epoch: 1, reason: 'disconnect', ts_ms: ts, ...over } as Gap;
}
