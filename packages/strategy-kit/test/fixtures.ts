// Tick and gap builders for the unit tests of this package (not exported from the index).

import type { Gap, Tick } from '@polybot/shared';
import { testTick } from '@polybot/shared/testing';

export const MARKET = `0x${'ab'.repeat(32)}`;

export function mkTick(yes: number, emit: number, over: Partial<Tick> = {}): Tick {
  return testTick(MARKET, yes, emit, over);
}

export function mkGap(ts: number, over: Partial<Gap> = {}): Gap {
  return { v: 1, type: 'gap', market_id: MARKET, conn_epoch: 1, reason: 'disconnect', ts_ms: ts, ...over } as Gap;
}
