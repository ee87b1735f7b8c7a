import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors/polybot-error.js';
import { DeadLetterContract } from './dead-letter.js';
import { FeedEventContract } from './feed-event.js';
import { IntentContract, intentId, intentIdWithoutNs, OrderJobContract } from './intent.js';
import { OrderEventContract } from './order-event.js';
import { GapContract, TickContract, tickKey } from './tick.js';
import { decodeTickStreamEntry } from './tick-stream.js';

const M = `0x${'ab'.repeat(32)}`;

const tick = {
  type: 'tick' as const,
  market_id: M,
  yes: 650_000,
  no: 350_000,
  best_bid: 640_000,
  best_ask: 660_000,
  emit_ts_ms: 1715518800250,
  recv_ts_ms: 1715518800312.125,
  conn_epoch: 3,
  source: 'websocket',
  tradable: true,
  key: 'k',
};

describe('TickContract', () => {
  it('encodes to string fields and decodes back to equal values', () => {
    const fields = TickContract.encode(tick);
    expect(fields).toMatchObject({ v: '1', yes: '0.65', no: '0.35', best_bid: '0.64', emit_ts_ms: '1715518800250' });
    expect(fields.recv_ts_ms).toBe('1715518800312.125');
    for (const v of Object.values(fields)) expect(typeof v).toBe('string');
    expect(TickContract.decode(fields)).toEqual({ ...tick, v: 1 });
  });

  it('omits absent optional fields', () => {
    const { best_bid: _b, best_ask: _a, ...bare } = tick;
    const fields = TickContract.encode(bare);
    expect(fields).not.toHaveProperty('best_bid');
    expect(TickContract.decode(fields)).toEqual({ ...bare, v: 1 });
  });

  it('keeps unknown fields (schema drift is not an error)', () => {
    const fields = { ...TickContract.encode(tick), future_field: 'x' };
    const decoded = TickContract.decode(fields) as Record<string, unknown>;
    expect(decoded.future_field).toBe('x');
    expect(TickContract.encode(decoded as typeof tick).future_field).toBe('x');
  });

  it.each([
    ['price above 1', { yes: '1.5' }],
    ['negative price', { no: '-0.1' }],
    ['float exponent', { yes: '6.5e-1' }],
    ['NaN', { yes: 'NaN' }],
    ['non-integer emit ts', { emit_ts_ms: '12.5' }],
    ['bad market id', { market_id: '0x123' }],
    ['bad boolean', { tradable: 'yes' }],
    ['missing field', { source: undefined }],
  ])('rejects %s with a DecodeError', (_name, patch) => {
    const fields: Record<string, string> = { ...TickContract.encode(tick) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    const res = TickContract.safeDecode(fields);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error).toBeInstanceOf(DecodeError);
      expect(res.error.code).toBe('DECODE_FAILED');
    }
    expect(() => TickContract.decode(fields)).toThrow(DecodeError);
  });

  it('never throws anything but DecodeError on garbage', () => {
    for (const garbage of [null, undefined, 42, 'str', [], { a: 1 }, { yes: {} }] as unknown[]) {
      const res = TickContract.safeDecode(garbage as Record<string, string>);
      expect(res.ok).toBe(false);
    }
  });
});

describe('tick stream entries', () => {
  it('dispatches on type', () => {
    const gap = GapContract.encode({ type: 'gap', market_id: M, conn_epoch: 2, reason: 'disconnect', ts_ms: 10 });
    const t = decodeTickStreamEntry(TickContract.encode(tick));
    const g = decodeTickStreamEntry(gap);
    expect(t.ok && t.value.type).toBe('tick');
    expect(g.ok && g.value.type).toBe('gap');
    const u = decodeTickStreamEntry({ type: 'weird' });
    expect(u.ok).toBe(false);
  });
});

describe('tickKey and intentId', () => {
  it('tick key depends on market, emit time and prices only', () => {
    const a = tickKey(tick);
    expect(tickKey({ ...tick, recv_ts_ms: 1, conn_epoch: 9 } as typeof tick)).toBe(a);
    expect(tickKey({ ...tick, yes: 660_000 })).not.toBe(a);
    expect(a.startsWith(`${M}-1715518800250-`)).toBe(true);
  });

  it('intent ids are deterministic, colon-free, not all digits and at most 256 chars', () => {
    const k = tickKey(tick);
    const id = intentId('polybot', 'threshold', k, 0);
    expect(id).toBe(intentId('polybot', 'threshold', k, 0));
    expect(id).not.toContain(':');
    expect(/^\d+$/.test(id)).toBe(false);
    expect(intentIdWithoutNs(id)).toBe(intentIdWithoutNs(intentId('replay1', 'threshold', k, 0)));
    const long = intentId('n'.repeat(64), 's'.repeat(64), `${k}${'x'.repeat(200)}`, 1);
    expect(long.length).toBeLessThanOrEqual(256);
    expect(long).not.toContain(':');
  });
});

describe('other contracts round-trip', () => {
  const intent = {
    intent_id: 'polybot.threshold.k.0',
    ns: 'polybot',
    strategy: 'threshold',
    market_id: M,
    side: 'BUY' as const,
    outcome: 'Yes',
    quantity: 5_000_000,
    ref_price: 340_000,
    tick_key: 'k',
    tick_id: '1-0',
    partition: 3,
    decision_index: 0,
    t_emit: 1,
    t_recv: 2.5,
    t_decide: 3.25,
  };
  it('Intent and OrderJob', () => {
    expect(IntentContract.decode(IntentContract.encode(intent))).toEqual({ ...intent, v: 1 });
    const job = { ...intent, t_enqueue: 4.125 };
    expect(OrderJobContract.decode(OrderJobContract.encode(job))).toEqual({ ...job, v: 1 });
  });
  it('OrderEvent', () => {
    const ev = {
      intent_id: intent.intent_id,
      event: 'acked' as const,
      attempt: 1,
      market_id: M,
      side: 'BUY' as const,
      outcome: 'Yes',
      quantity: 5_000_000,
      venue_order_id: '42',
      status: 'FILLED',
      fill_price: 650_000,
      fee: 160_000,
      notional: 6_500_000,
      t_emit: 1,
      t_recv: 2,
      t_decide: 3,
      t_enqueue: 4,
      t_start: 5,
      t_sent: 6.5,
      t_ack: 7.75,
    };
    expect(OrderEventContract.decode(OrderEventContract.encode(ev))).toEqual({ ...ev, v: 1 });
  });
  it('FeedEvent and DeadLetter', () => {
    const fe = { event: 'disconnected' as const, conn_id: 0, conn_epoch: 4, ts_ms: 5, code: 4001, reason: 'token' };
    expect(FeedEventContract.decode(FeedEventContract.encode(fe))).toEqual({ ...fe, v: 1 });
    const dl = { source: 'ingestor', kind: 'ws_frame', reason: 'bad json', ts_ms: 5, raw: '{' };
    expect(DeadLetterContract.decode(DeadLetterContract.encode(dl))).toEqual({ ...dl, v: 1 });
  });
});
