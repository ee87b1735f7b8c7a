import type { Intent, OrderEvent } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import {
  checkCleanRun,
  checkDeadLettered,
  checkExits,
  checkExposureCap,
  checkGroupsDrained,
  checkLedger,
  checkLedgerMatchesLog,
  checkPerMarketOrder,
  checkPositionCap,
  checkProjectedCash,
  checkProjection,
  checkQueueEmpty,
  checkSecrets,
  checkTerminalOnce,
  checkTickAccounting,
  checkUniqueIntents,
  renderChecks,
  renderTallies,
  type VenueOrder,
} from './invariants.js';

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

  const order = (key: string, side: 'BUY' | 'SELL', qty: number, notional: number, t: number): VenueOrder => ({
    key,
    marketId: M1,
    side,
    outcome: 'Yes',
    status: 'FILLED',
    quantity: qty,
    notional,
    createdMs: t,
  });

  it('ledger vs log (G2, G3): a filled order whose intent was rejected, and an acked fill with no order', () => {
    const acked = { intent_id: 'a', event: 'acked', status: 'FILLED' } as OrderEvent;
    expect(checkLedgerMatchesLog([order('a', 'BUY', 5, 1, 1)], [acked]).every((c) => c.ok)).toBe(true);
    const [untold, phantom] = checkLedgerMatchesLog(
      [order('a', 'BUY', 5, 1, 1)],
      [ev('a', 'rejected'), { intent_id: 'b', event: 'acked', status: 'FILLED' } as OrderEvent],
    );
    expect(untold).toMatchObject({ ok: false, examples: ['a (rejected)'] });
    expect(phantom).toMatchObject({ ok: false, examples: ['b'] });
  });

  it('groups drained (G1): pending entries and an undelivered tail both fail', () => {
    const base = { stream: 's', group: 'g', pending: 0, lastDeliveredId: '10-1', lastGeneratedId: '10-1' };
    expect(checkGroupsDrained([base]).every((c) => c.ok)).toBe(true);
    const [pending, behind] = checkGroupsDrained([
      { ...base, pending: 2 },
      { ...base, lastDeliveredId: '9-5' },
    ]);
    expect(pending?.ok).toBe(false);
    expect(behind?.examples).toEqual(['s at 9-5 < 10-1']);
  });

  it('queue empty (G3)', () => {
    const q = { wait: 0, active: 0, delayed: 0, prioritized: 0, paused: 0 };
    expect(checkQueueEmpty(q).ok).toBe(true);
    expect(checkQueueEmpty({ ...q, delayed: 1 })).toMatchObject({ ok: false, examples: ['delayed=1'] });
  });

  it('exits (G6): a crash or an unclean stop fails, the driver’s kills do not', () => {
    const kill = { name: 'strategy-1', code: null, signal: 'SIGKILL', cause: 'driver-kill' as const, tail: [] };
    const stop = { name: 'executor-1', code: 0, signal: null, cause: 'stop' as const, tail: [] };
    expect(checkExits([kill, stop]).every((c) => c.ok)).toBe(true);
    const [crash, unclean] = checkExits([
      { ...kill, cause: 'unexpected', code: 1, signal: null, tail: ['boom'] },
      { ...stop, code: 1 },
    ]);
    expect(crash?.ok).toBe(false);
    expect(crash?.examples[0]).toMatch(/strategy-1 code=1.*boom/);
    expect(unclean?.ok).toBe(false);
  });

  it('secrets (G7): finds a key or a token pattern and names the place, not the secret', () => {
    const key = `ps_test_${'a'.repeat(64)}`;
    const hay = [
      { where: 'executor-1', text: '{"msg":"ok"}' },
      { where: 'k1', text: `x-api-key=${key}` },
      { where: 'k2', text: 'token eyJhbGciOiJIUzI1.eyJzdWIiOiIxIiwiZXhw.c2lnbmF0dXJlc2lnbmF0dXJl' },
    ];
    const r = checkSecrets('no secret', hay, [key, /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{20,}/]);
    expect(r.ok).toBe(false);
    expect(r.examples.map((e) => e.split(' ')[0])).toEqual(['k1', 'k2']);
    expect(r.examples.join(' ')).not.toContain(key);
    expect(checkSecrets('no secret', hay.slice(0, 1), [key]).ok).toBe(true);
  });

  it('caps (G5): position and exposure rebuilt from the ledger in time order', () => {
    const ledger = [order('a', 'BUY', 5e6, 2e6, 1), order('b', 'BUY', 5e6, 3e6, 2), order('c', 'SELL', 5e6, 3e6, 3)];
    expect(checkPositionCap(ledger, 10e6).ok).toBe(true);
    expect(checkPositionCap(ledger, 9e6)).toMatchObject({ ok: false });
    expect(checkExposureCap(ledger, 5e6).ok).toBe(true);
    expect(checkExposureCap(ledger, 4e6)).toMatchObject({ ok: false });
    // the sell removes half the cost (2.5), so a later buy of 2 fits a cap of 5
    expect(checkExposureCap([...ledger, order('d', 'BUY', 5e6, 2e6, 4)], 5e6).ok).toBe(true);
  });

  it('projection (G8): positions and cash against the venue', () => {
    const venue = new Map([[`${M1}|Yes`, 5e6]]);
    expect(checkProjection({ [`qty:${M1}|Yes`]: '5000000', cash: '-2000000' }, venue).ok).toBe(true);
    expect(checkProjection({ [`qty:${M1}|Yes`]: '10000000' }, venue).ok).toBe(false);
    expect(checkProjection({}, venue).ok).toBe(false);
    expect(checkProjectedCash({ cash: '-2004000' }, { startingBalance: 100e6, balance: 98e6 }).ok).toBe(true);
    expect(checkProjectedCash({ cash: '-2010000' }, { startingBalance: 100e6, balance: 98e6 }).ok).toBe(false);
  });

  it('dead letters (G6): a garbage entry without its dead letter fails', () => {
    expect(checkDeadLettered(['s 1-0', 's 2-0'], new Set(['s 1-0', 's 2-0', 'x 9-9'])).ok).toBe(true);
    expect(checkDeadLettered(['s 1-0', 's 2-0'], new Set(['s 1-0']))).toMatchObject({ ok: false, examples: ['s 2-0'] });
  });

  it('tick accounting: every entry counted once, intents from passed decisions, garbage dead', () => {
    const t = (partition: number, entriesAdded: number, entries: Record<string, number>, intent = 0) => ({
      partition,
      entriesAdded,
      accounted: Object.values(entries).reduce((a, b) => a + b, 0),
      entries,
      decisions: { intent, 'blocked:cooldown': 2 },
    });
    const clean = [t(0, 10, { none: 6, decided: 3, dead: 1 }, 3), t(1, 4, { none: 2, dup: 1, dead: 1 }, 0)];
    expect(checkTickAccounting(clean, 3, 2).every((c) => c.ok)).toBe(true);
    expect(renderTallies(clean)).toBe(
      'entries: dead 2, decided 3, dup 1, none 8 · decisions: blocked:cooldown 4, intent 3',
    );
    const lost = [t(0, 10, { none: 5, decided: 3, dead: 1 }, 3), t(1, 4, { none: 2, dup: 1, dead: 1 })];
    const [counted, fromPassed, dead] = checkTickAccounting(lost, 4, 3);
    expect(counted?.ok).toBe(false);
    expect(counted?.examples).toEqual(['p0 counted 9 of 10']);
    expect(fromPassed?.ok).toBe(false);
    expect(dead?.ok).toBe(false);
  });

  it('clean run: chaos intents are the clean ones minus the blocked; each offence is named', () => {
    const full = (ns: string, key: string, extra: Partial<Intent> = {}): Intent =>
      ({
        intent_id: `${ns}.threshold.${key}.0`,
        strategy: 'threshold',
        market_id: M1,
        side: 'BUY',
        outcome: 'Yes',
        quantity: 5_000_000,
        ref_price: 480_000,
        tick_key: key,
        tick_id: `${key}-0`,
        partition: 0,
        decision_index: 0,
        t_emit: 1,
        t_recv: 2,
        t_decide: ns === 'live' ? 99 : 3,
        ...extra,
      }) as Intent;
    const clean = {
      intents: ['1', '2', '3', '4'].map((k) => full('clean', k)),
      blocked: new Map([['clean.threshold.5.0', 'untrusted']]),
    };
    const chaos = {
      intents: [full('live', '1'), full('live', '3')],
      blocked: new Map([
        ['live.threshold.2.0', 'cooldown'],
        ['live.threshold.4.0', 'halted'],
        ['live.threshold.5.0', 'halted'],
      ]),
    };
    const ok = checkCleanRun(chaos, clean);
    expect(ok.filter((c) => !c.ok)).toEqual([]);
    expect(ok[1]?.detail).toContain('cooldown 1, halted 1');

    // A decision neither logged nor blocked (lost), an intent no clean worker made, one with other fields,
    // a tick-decided block that chaos passed over, and a block that is also an intent.
    const bad = checkCleanRun(
      {
        intents: [full('live', '1', { quantity: 6_000_000 }), full('live', '2'), full('live', '9')],
        blocked: new Map([
          ['live.threshold.2.0', 'cooldown'],
          ['live.threshold.7.0', 'stale'],
        ]),
      },
      clean,
    );
    const failed = Object.fromEntries(bad.filter((c) => !c.ok).map((c) => [c.name, c.examples]));
    expect(failed).toEqual({
      'chaos intents equal a clean single worker’s': ['extra threshold.9.0', 'differs threshold.1.0'],
      'every clean intent missing from chaos was blocked': ['threshold.3.0', 'threshold.4.0'],
      'what the clean run blocked, chaos blocked too': ['threshold.5.0'],
      'every chaos block is a clean decision, never also an intent': [
        'unknown threshold.7.0',
        'also intent threshold.2.0',
      ],
    });
  });
});
