// A tick for tests: tradable, no = 1 − yes (micro-units), received 1 ms after it was emitted, with its key.

import { type Tick, tickKey } from '../contracts/tick.js';

/** A tick of `market` at `yes` micro-units emitted at `emit` (epoch ms); `over` replaces fields before keying. */
export function testTick(market: string, yes: number, emit: number, over: Partial<Tick> = {}): Tick {
  const base = {
    v: 1,
    type: 'tick' as const,
    market_id: market,
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
