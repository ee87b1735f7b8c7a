// Per-account write serialisation (polysim-api.md §5.3): writes are spaced 1/writesPerSecond apart; a
// write that would wait longer than lockWaitMs gets 409 TRADE_IN_PROGRESS. Uses a monotonic timer,
// not the injected clock, because it really delays replies.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountRecord } from '../accounts.js';
import { ApiError } from '../errors.js';

export async function acquireWriteSlot(rec: AccountRecord, writesPerSecond: number, lockWaitMs: number): Promise<void> {
  const now = performance.now();
  const slot = Math.max(now, rec.lockFreeAt);
  const wait = slot - now;
  if (wait > lockWaitMs) {
    throw new ApiError(409, 'TRADE_IN_PROGRESS', 'Another write for this account is in progress; retry', {
      'retry-after': '1',
    });
  }
  rec.lockFreeAt = slot + 1000 / writesPerSecond;
  if (wait >= 1) await sleep(wait);
}
