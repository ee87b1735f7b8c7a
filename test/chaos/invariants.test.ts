import type { Intent, OrderEvent } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { checkLedger, checkPerMarketOrder, checkTerminalOnce, checkUniqueIntents, renderChecks } from './invariants.js';

const M1 = `0x${'1'.repeat(64)}`;
const M2 = `0x${'2'.repeat(64)}`;
const intent = (id: string, market: string, tickId: string, idx = 0): Intent =>
  ({ intent_id: id, market_id: market, tick_id: tickId, decision_index: idx }) as Intent;
const ev = (id: string, event: OrderEvent['event']): OrderEvent => ({ intent_id: id, event }) as OrderEvent;

describe('invariant checks', () => {
  it('terminal-once: passes a clean run and names the offenders otherwise', () => {
    const intents = [intent('a', M1, '1-0'), intent('b', M1, '2-0'), intent('c', M2, '1-0')];
    const clean = checkTerminalOnce(intents, [
      ev('a', 'submitted'),
      ev('a', 'acked'),
      ev('b', 'rejected'),
      ev('c', 'acked'),
    ]);
    expect(clean.every((c) => c.ok)).toBe(true);
    const dirty = checkTerminalOnce(intents, [
      ev('a', 'acked'),
      ev('a', 'rejected'),
      ev('c', 'retrying'),
      ev('z', 'acked'),
    ]);
    expect(dirty.map((c) => [c.ok, c.examples])).toEqual([
      [false, ['b', 'c']],
      [false, ['a']],
      [false, ['z']],
    ]);
    expect(renderChecks(dirty)).toMatch(/FAIL every intent has a terminal event/);
  });

  it('per-market order: interleaved markets are fine, a step back is an inversion', () => {
    const ok = [intent('a', M1, '1-0'), intent('x', M2, '5-0'), intent('b', M1, '1-0', 1), intent('c', M1, '3-0')];
    expect(checkPerMarketOrder(ok).ok).toBe(true);
    const bad = [intent('a', M1, '10-0'), intent('b', M1, '9-5')];
    expect(checkPerMarketOrder(bad)).toMatchObject({ ok: false, examples: ['b'] });
    // stream ids compare numerically, not as strings
    expect(checkPerMarketOrder([intent('a', M1, '9-0'), intent('b', M1, '10-0')]).ok).toBe(true);
  });

  it('ledger: duplicates and foreign orders are caught', () => {
    const intents = [intent('a', M1, '1-0'), intent('b', M1, '2-0')];
    expect(checkLedger([{ key: 'a' }, { key: 'b' }], intents).every((c) => c.ok)).toBe(true);
    const [dup, foreign] = checkLedger([{ key: 'a' }, { key: 'a' }, { key: 'q' }], intents);
    expect(dup).toMatchObject({ ok: false, examples: ['a'] });
    expect(foreign).toMatchObject({ ok: false, examples: ['q'] });
  });

  it('unique intents', () => {
    expect(checkUniqueIntents([intent('a', M1, '1-0'), intent('a', M1, '1-0')])).toMatchObject({
      ok: false,
      examples: ['a'],
    });
  });
});
