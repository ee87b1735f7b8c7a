import { describe, expect, it } from 'vitest';
import { decodeTickEntries } from '../redis/streams.js';
import type { WireFields } from './contract.js';
import { decodeTickStreamEntryFast as decodeEntry, fastDecodeTick, fastDecodeTickFlat } from './fast-decode.js';
import { TickContract, tickKey } from './tick.js';
import { decodeTickStreamEntry } from './tick-stream.js';

const M = `0x${'ab'.repeat(32)}`;
const base = {
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
};
const good: WireFields = TickContract.encode({ ...base, key: tickKey(base) });

/** The fast path either agrees with the contract exactly or defers to it. */
function agrees(fields: WireFields): 'fast' | 'deferred' {
  const fast = fastDecodeTick(fields);
  // The flat-list path over the same entry gives the very same result, fields in the same order.
  const flat = fastDecodeTickFlat(Object.entries(fields).flat());
  expect(flat).toEqual(fast);
  expect(flat && Object.keys(flat)).toEqual(fast && Object.keys(fast));
  const full = decodeTickStreamEntry(fields);
  if (fast === undefined) {
    expect(decodeEntry(fields)).toEqual(full);
    return 'deferred';
  }
  expect(full.ok).toBe(true);
  if (full.ok) expect(fast).toEqual(full.value);
  return 'fast';
}

describe('fastDecodeTick', () => {
  it('decodes the canonical encoding exactly as the contract does', () => {
    expect(agrees(good)).toBe('fast');
    const { best_bid: _b, best_ask: _a, ...bare } = good;
    expect(agrees(bare)).toBe('fast');
    expect(agrees({ ...good, future_field: 'x' })).toBe('fast');
    let x = 1;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const yes = x % 1_000_001;
      const t = { ...base, yes, no: 1_000_000 - yes, tradable: x % 2 === 0, recv_ts_ms: 1e12 + (x % 100000) / 8 };
      expect(agrees(TickContract.encode({ ...t, key: tickKey(t) }))).toBe('fast');
    }
  });

  it('reads every short price string as the contract does', () => {
    // All strings of up to 4 characters over the price alphabet, and a spread of longer ones.
    const alphabet = ['0', '1', '2', '9', '.', '-', '+', 'e', ' '];
    const strings: string[] = [''];
    for (let len = 1; len <= 4; len++) {
      for (const s of strings.filter((x) => x.length === len - 1)) for (const c of alphabet) strings.push(s + c);
    }
    strings.push('0.000001', '0.999999', '1.000000', '1.000001', '0.1234567', '0.12345', '1.00000', '10.5', '0.5x');
    const canonical = (x: string) => /^([01])(?:\.(\d{1,6}))?$/.test(x) && Number(x) <= 1;
    for (const yes of strings) expect(agrees({ ...good, yes })).toBe(canonical(yes) ? 'fast' : 'deferred');
    expect(strings.filter(canonical).length).toBe(29);
  });

  it.each([
    ['price above 1', { yes: '1.5' }],
    ['price 1.0000001', { yes: '1.0000001' }],
    ['seven decimals', { yes: '0.1234567' }],
    ['trailing zeros beyond 6 places', { yes: '0.5000000' }],
    ['leading zero', { yes: '00.5' }],
    ['sign', { yes: '+0.5' }],
    ['negative', { no: '-0.1' }],
    ['space', { yes: '0.5 ' }],
    ['exponent', { yes: '6.5e-1' }],
    ['NaN', { yes: 'NaN' }],
    ['empty', { yes: '' }],
    ['non-integer emit', { emit_ts_ms: '12.5' }],
    ['16-digit integer beyond 2^53', { conn_epoch: '9999999999999999' }],
    ['16-digit negative integer beyond -2^53', { v: '-9999999999999999' }],
    ['bad recv', { recv_ts_ms: '1.1234567891' }],
    ['bad market', { market_id: '0x123' }],
    ['bad boolean', { tradable: 'yes' }],
    ['long source', { source: 's'.repeat(65) }],
    ['empty key', { key: '' }],
    ['bad best bid', { best_bid: '2' }],
    ['missing source', { source: undefined }],
    ['missing version', { v: undefined }],
    ['gap type', { type: 'gap' }],
    ['non-ASCII source and key', { source: 'wébsocket', key: 'ключ-1' }],
    ['an unknown field', { extra_é: 'x' }],
    ['negative zero epoch', { conn_epoch: '-0' }],
    ['16-digit safe integer', { emit_ts_ms: '9007199254740991' }],
    ['2^53', { emit_ts_ms: '9007199254740992' }],
    ['recv without fraction digits', { recv_ts_ms: '5.' }],
    ['upper-case market', { market_id: `0x${'AB'.repeat(32)}` }],
    ['tradable 2', { tradable: '2' }],
    ['negative recv', { recv_ts_ms: '-5.5' }],
    ['market with a non-hex digit', { market_id: `0x${'ag'.repeat(32)}` }],
  ])('defers %s to the contract (or agrees with it)', (_name, patch) => {
    const fields: Record<string, string> = { ...good };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    agrees(fields);
  });
});

describe('decodeTickEntries', () => {
  const flat = (f: WireFields) => Object.entries(f).flat();

  it('decodes an entry list in order, garbage apart, as parseEntries and the contract would', () => {
    const gap: WireFields = { v: '1', type: 'gap', market_id: M, conn_epoch: '1', reason: 'disconnect', ts_ms: '5' };
    const reply = [
      ['1-0', flat(good)],
      ['2-0', flat(gap)],
      ['3-0', flat({ ...good, yes: '7' })],
      'not an entry',
      ['4-0', ['odd']],
      ['5-0', [...flat(good), 'yes', '0.25']],
      ['6-0', [...flat(good), 'yes', 7]],
    ];
    const { entries, bad } = decodeTickEntries(reply);
    expect(bad.map((b) => b.id)).toEqual(['?', '4-0', '6-0']);
    expect(entries.map((e) => [e.id, e.ok])).toEqual([
      ['1-0', true],
      ['2-0', true],
      ['3-0', false],
      ['5-0', true],
    ]);
    const full = decodeTickStreamEntry(good);
    expect(entries[0]?.ok && entries[0].value).toEqual(full.ok && full.value);
    expect(entries[1]?.ok && entries[1].value.type).toBe('gap');
    const failed = entries[2];
    expect(failed?.ok === false && failed.entry.fields.yes).toBe('7');
    // A repeated field: the last value wins, as in the record.
    expect(entries[3]?.ok && entries[3].value.type === 'tick' && entries[3].value.yes).toBe(250_000);
  });
});
