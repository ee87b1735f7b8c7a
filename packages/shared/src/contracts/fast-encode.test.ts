// The contracts' fast encode path must give exactly what the zod codec gives (same fields, same order), and
// leave every value it is unsure about to zod, which still rejects what is invalid.
import { describe, expect, it, vi } from 'vitest';
import { DeadLetterContract } from './dead-letter.js';
import { FeedEventContract } from './feed-event.js';
import { IntentContract, OrderJobContract } from './intent.js';
import { OrderEventContract } from './order-event.js';
import { GapContract, TickContract } from './tick.js';

const M = `0x${'ab'.repeat(32)}`;
const args = (f: Record<string, string>) => Object.entries(f).flat();

const tick = {
  type: 'tick' as const,
  market_id: M,
  yes: 523_400,
  no: 476_600,
  emit_ts_ms: 1_764_000_000_123,
  recv_ts_ms: 1_764_000_000_125.4375,
  conn_epoch: 3,
  source: 'websocket',
  tradable: true,
  key: `${M}-1764000000123-deadbeef`,
};
const intent = {
  intent_id: 'polybot.every-nth.k.0',
  ns: 'polybot',
  strategy: 'every-nth',
  market_id: M,
  side: 'BUY' as const,
  outcome: 'Yes',
  quantity: 5_000_000,
  ref_price: 500_000,
  tick_key: 'k',
  tick_id: '1-0',
  partition: 2,
  decision_index: 0,
  t_emit: 1_764_000_000_123,
  t_recv: 1_764_000_000_125.5,
  t_decide: 1_764_000_000_126.25,
};

const cases: [
  string,
  {
    encode(v: never): Record<string, string>;
    encodeStrict(v: never): Record<string, string>;
    toArgs(v: never): string[];
    readonly fields: readonly string[];
    toValues(v: never): (string | null)[];
  },
  unknown[],
][] = [
  [
    'Tick',
    TickContract,
    [
      tick,
      { ...tick, best_bid: 0, best_ask: 1_000_000, tradable: false },
      { ...tick, yes: 1, no: 999_999, recv_ts_ms: 5, v: 2 },
      { ...tick, extra: 'kept', more: { a: 1 } },
    ],
  ],
  ['Gap', GapContract, [{ type: 'gap', market_id: M, conn_epoch: 1, reason: 'disconnect', ts_ms: 12.5 }]],
  ['Intent', IntentContract, [intent, { ...intent, reason: 'every 10th tick', side: 'SELL', outcome: 'No' }]],
  ['OrderJob', OrderJobContract, [{ ...intent, t_enqueue: 1_764_000_000_127.125 }]],
  [
    'OrderEvent',
    OrderEventContract,
    [
      {
        intent_id: 'polybot.every-nth.k.0',
        event: 'acked',
        attempt: 1,
        market_id: M,
        side: 'BUY',
        outcome: 'Yes',
        quantity: 5_000_000,
        venue_order_id: 'o-1',
        status: 'FILLED',
        fill_price: 512_300,
        filled_qty: 5_000_000,
        notional: 2_561_500,
        fee: 0,
        t_emit: 1,
        t_recv: 2.5,
        t_decide: 3,
        t_enqueue: 4,
        t_start: 5,
        t_sent: 6.0001,
        t_ack: 7,
      },
    ],
  ],
  ['FeedEvent', FeedEventContract, [{ event: 'gap_opened', conn_id: 1, conn_epoch: 2, ts_ms: 3, market_id: M }]],
  ['DeadLetter', DeadLetterContract, [{ source: 'ingestor', kind: 'Frame', reason: 'bad', ts_ms: 1, raw: '{}' }]],
];

describe('fast encode equals the zod codec', () => {
  for (const [name, c, values] of cases) {
    it(`${name}: same fields in the same order`, () => {
      for (const v of values) {
        const fast = c.encode(v as never);
        const strict = c.encodeStrict(v as never);
        expect(args(fast)).toEqual(args(strict));
        // toArgs builds the XADD list directly when it can: the same list, the same order.
        expect(c.toArgs(v as never)).toEqual(args(strict));
      }
    });
  }

  for (const [name, c, values] of cases) {
    it(`${name}: toValues is toArgs without the names (null for an absent optional field)`, () => {
      for (const v of values) {
        const strict = c.encodeStrict(v as never);
        if (Object.keys(strict).some((k) => !c.fields.includes(k))) {
          // A field outside the contract has no place in the compact form: refused, never dropped.
          expect(() => c.toValues(v as never)).toThrow(/not a field of the contract/);
          continue;
        }
        const values = c.toValues(v as never);
        expect(values).toHaveLength(c.fields.length);
        const zipped = c.fields.flatMap((f, i) => (values[i] === null ? [] : [f, values[i]]));
        expect(zipped).toEqual(args(strict));
      }
    });
  }

  it('toValues takes the zod path for unusual values and throws for invalid ones', () => {
    const unusual = { ...tick, recv_ts_ms: 0.1 + 0.2, best_ask: 250_000 };
    const values = TickContract.toValues(unusual);
    expect(TickContract.fields.flatMap((f, i) => (values[i] === null ? [] : [f, values[i]]))).toEqual(
      args(TickContract.encodeStrict(unusual)),
    );
    for (const v of [
      { ...tick, yes: -5 },
      { ...tick, source: '' },
      { ...tick, key: undefined },
    ]) {
      expect(() => TickContract.toValues(v as never)).toThrow();
    }
  });

  it('toArgs gives what the zod codec gives for unusual and invalid values too', () => {
    const values: unknown[] = [
      { ...tick, recv_ts_ms: 0.1 + 0.2 },
      { ...tick, v: undefined },
      { ...tick, 7: 'index-like key', extra: 'x' },
      { ...tick, best_bid: undefined, best_ask: 250_000 },
    ];
    for (const v of values)
      expect(TickContract.toArgs(v as never)).toEqual(args(TickContract.encodeStrict(v as never)));
    for (const v of [
      { ...tick, yes: -5 },
      { ...tick, source: '' },
      { ...tick, key: undefined },
    ]) {
      expect(() => TickContract.toArgs(v as never)).toThrow();
    }
  });

  it('canonical values skip zod; anything else goes through it', () => {
    const spy = vi.spyOn(TickContract.schema, 'encode');
    try {
      TickContract.encode(tick);
      IntentContract.encode(intent);
      expect(spy).not.toHaveBeenCalled();
      expect(() => TickContract.encode({ ...tick, yes: -5 })).toThrow();
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('unusual but valid values are encoded by zod, with the same result', () => {
    // 17-digit integers, negative micro amounts and long fractions are not canonical for the fast path.
    const v = { ...tick, recv_ts_ms: 0.1 + 0.2 };
    expect(args(TickContract.encode(v))).toEqual(args(TickContract.encodeStrict(v)));
  });

  it('agrees with zod at the edges of each field kind (integers, numbers, micro amounts)', () => {
    const sameAsZod = (c: (typeof cases)[number][1], v: Record<string, unknown>) => {
      let strict: Record<string, string> | Error;
      try {
        strict = c.encodeStrict(v as never);
      } catch (err) {
        strict = err as Error;
      }
      if (strict instanceof Error) expect(() => c.encode(v as never), JSON.stringify(v)).toThrow();
      else expect(args(c.encode(v as never)), JSON.stringify(v)).toEqual(args(strict));
      return !(strict instanceof Error);
    };
    const gap = { type: 'gap', market_id: M, conn_epoch: 1, reason: 'disconnect', ts_ms: 5 };
    const ints = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (const n of ints) expect(sameAsZod(GapContract, { ...gap, conn_epoch: n, last_emit_ts_ms: n })).toBe(true);
    const nums = [0, -0, 0.0005, -0.0001, 1e15 + 0.5, 2 ** 53 - 1, 1e16 - 2, -1e16 + 2, 1.5e-7, -123.4567];
    for (const n of nums) expect(sameAsZod(GapContract, { ...gap, ts_ms: n })).toBe(true);
    // From 1e16 the fast path declines and zod decides: it refuses 17 digits and exponents.
    for (const n of [1e16, -1e16, 1e21, 2 ** 60]) expect(sameAsZod(GapContract, { ...gap, ts_ms: n })).toBe(false);
    for (const n of [0, 1, 999_999, 1_000_000]) {
      expect(sameAsZod(TickContract, { ...tick, yes: n, no: n, best_bid: n, best_ask: n })).toBe(true);
    }
    for (const n of [0, 1, 10 ** 9, 2 ** 31 + 7, Number.MAX_SAFE_INTEGER]) {
      expect(sameAsZod(IntentContract, { ...intent, quantity: n })).toBe(true);
    }
  });

  it('invalid values still fail, through zod', () => {
    const bad: unknown[] = [
      { ...tick, yes: 1_000_001 },
      { ...tick, yes: 0.5 },
      { ...tick, market_id: 'nope' },
      { ...tick, type: 'gap' },
      { ...tick, source: '' },
      { ...tick, recv_ts_ms: Number.NaN },
      { ...tick, emit_ts_ms: 2 ** 60 },
      { ...tick, tradable: 'yes' },
      { ...tick, best_bid: null },
      { ...tick, key: undefined },
    ];
    for (const v of bad) {
      expect(() => TickContract.encode(v as never), JSON.stringify(v)).toThrow();
      expect(() => TickContract.encodeStrict(v as never)).toThrow();
    }
    expect(() => IntentContract.encode({ ...intent, side: 'HOLD' } as never)).toThrow();
    expect(() => IntentContract.encode({ ...intent, quantity: -1 } as never)).toThrow();
  });
});
