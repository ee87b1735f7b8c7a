// Contracts through a real Redis: encode → XADD → XRANGE → decode gives equal values; garbage gives typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterContract } from '../src/contracts/dead-letter.js';
import { FeedEventContract } from '../src/contracts/feed-event.js';
import { IntentContract } from '../src/contracts/intent.js';
import { OrderEventContract } from '../src/contracts/order-event.js';
import { GapContract, TickContract, tickKey } from '../src/contracts/tick.js';
import { decodeTickStreamEntry } from '../src/contracts/tick-stream.js';
import { DecodeError } from '../src/errors/polybot-error.js';
import { keys } from '../src/redis/keys.js';
import { partition } from '../src/redis/partition.js';
import { fieldsToRecord, parseEntries, writeDeadLetter, xaddBatch } from '../src/redis/streams.js';
import { startRedis, type TestRedis } from '../src/testing/start-redis.js';

let r: TestRedis;
beforeAll(async () => {
  r = await startRedis();
});
afterAll(async () => {
  await r?.stop();
});

const M = (i: number) => `0x${i.toString(16).padStart(64, '0')}`;

describe('contract round trips through Redis', () => {
  it('Tick and Gap: encode → XADD (batched) → XRANGE → decode', async () => {
    const k = keys(r.ns);
    const P = 4;
    const ticks = Array.from({ length: 50 }, (_, i) => {
      const base = {
        type: 'tick' as const,
        market_id: M(i % 5),
        yes: 100_000 + i * 1000,
        no: 900_000 - i * 1000,
        emit_ts_ms: 1_700_000_000_000 + i,
        recv_ts_ms: 1_700_000_000_010.5 + i,
        conn_epoch: 1,
        source: 'websocket',
        tradable: true,
      };
      return { ...base, key: tickKey(base) };
    });
    const gap = { type: 'gap' as const, market_id: M(1), conn_epoch: 1, reason: 'disconnect', ts_ms: 1.5 };
    const entries = [
      ...ticks.map((t) => ({ key: k.ticks(partition(t.market_id, P)), args: TickContract.toArgs(t), maxlen: 1000 })),
      { key: k.ticks(partition(gap.market_id, P)), args: GapContract.toArgs(gap) },
    ];
    const results = await xaddBatch(r.client(), entries);
    expect(results.every((x) => x.ok)).toBe(true);

    const back: unknown[] = [];
    for (let p = 0; p < P; p++) {
      const { entries: es, bad } = parseEntries(await r.client().xrange(k.ticks(p), '-', '+'));
      expect(bad).toEqual([]);
      for (const e of es) {
        const d = decodeTickStreamEntry(e.fields);
        if (!d.ok) throw d.error;
        back.push(d.value);
      }
    }
    const sortKey = (x: { type: string; market_id: string; emit_ts_ms?: number }) =>
      `${x.type}${x.market_id}${x.emit_ts_ms ?? 0}`;
    const expected = [...ticks, gap].map((x) => ({ ...x, v: 1 }));
    expect([...back].sort((a, b) => sortKey(a as never).localeCompare(sortKey(b as never)))).toEqual(
      [...expected].sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    );
  });

  it('FeedEvent, Intent and OrderEvent survive the trip', async () => {
    const k = keys(r.ns);
    const fe = { event: 'gap_opened' as const, conn_id: 1, conn_epoch: 7, ts_ms: 123.456, market_id: M(3) };
    const intent = {
      intent_id: `${r.ns}.threshold.x.0`,
      ns: r.ns,
      strategy: 'threshold',
      market_id: M(2),
      side: 'SELL' as const,
      outcome: 'Yes',
      quantity: 5_000_000,
      ref_price: 700_000,
      tick_key: 'x',
      tick_id: '1-1',
      partition: 0,
      decision_index: 0,
      t_emit: 1,
      t_recv: 2.001,
      t_decide: 2.002,
    };
    const oe = {
      intent_id: intent.intent_id,
      event: 'rejected' as const,
      attempt: 2,
      market_id: M(2),
      side: 'SELL' as const,
      outcome: 'Yes',
      quantity: 5_000_000,
      code: 'INSUFFICIENT_POSITION',
      http_status: 400,
      request_id: 'req-1',
      t_emit: 1,
      t_recv: 2,
      t_decide: 3,
      t_enqueue: 4,
      t_start: 5,
      t_sent: 6,
      t_ack: 7,
    };
    await r.client().xadd(k.feed, '*', ...FeedEventContract.toArgs(fe));
    await r.client().xadd(k.intents, '*', ...IntentContract.toArgs(intent));
    await r.client().xadd(k.orders, '*', ...OrderEventContract.toArgs(oe));
    const one = async (key: string) => {
      const { entries } = parseEntries(await r.client().xrange(key, '-', '+'));
      expect(entries).toHaveLength(1);
      return entries[0]!.fields;
    };
    expect(FeedEventContract.decode(await one(k.feed))).toEqual({ ...fe, v: 1 });
    expect(IntentContract.decode(await one(k.intents))).toEqual({ ...intent, v: 1 });
    expect(OrderEventContract.decode(await one(k.orders))).toEqual({ ...oe, v: 1 });
  });

  it('garbage entries give typed errors, never escaping exceptions', async () => {
    const k = keys(r.ns);
    const key = k.ticks(9);
    await r.client().xadd(key, '*', 'type', 'tick', 'yes', 'banana');
    await r.client().xadd(key, '*', 'type', 'gap');
    await r.client().xadd(key, '*', 'junk', '\u0000\uffff');
    const { entries, bad } = parseEntries(await r.client().xrange(key, '-', '+'));
    expect(bad).toEqual([]);
    expect(entries).toHaveLength(3);
    for (const e of entries) {
      const d = decodeTickStreamEntry(e.fields);
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.error).toBeInstanceOf(DecodeError);
    }
    // malformed replies (as a broken proxy might send) are reported per entry
    const parsed = parseEntries([['1-0', ['a']], 'nonsense', ['2-0', ['a', 'b']]]);
    expect(parsed.entries.map((e) => e.id)).toEqual(['2-0']);
    expect(parsed.bad).toHaveLength(2);
    expect(() => fieldsToRecord(['a', 1])).toThrow(DecodeError);
  });

  it('dead letters are written with the reason, scrubbed of secrets', async () => {
    const k = keys(r.ns);
    const secret = `ps_live_${'c'.repeat(64)}`;
    await writeDeadLetter(r.client(), k.dead, {
      source: 'ingestor',
      kind: 'ws_frame',
      reason: `bad frame for ${secret}`,
      tsMs: 5,
      raw: `{"token":"x","k":"${secret}"}`,
      origin: 'conn-1',
    });
    const { entries } = parseEntries(await r.client().xrange(k.dead, '-', '+'));
    const d = DeadLetterContract.decode(entries[0]!.fields);
    expect(d.kind).toBe('ws_frame');
    expect(JSON.stringify(d)).not.toContain(secret);
  });
});
