import { decodeTickStreamEntry, type Gap, type Tick, TickContract, tickKey } from '@polybot/shared';
import { describe, expect, it } from 'vitest';
import { TickLineDecoder } from './tick-line.js';

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
const good = TickContract.encode({ ...base, key: tickKey(base) });
const goodLine = JSON.stringify(good);

/** The authority: what the reader's slow path makes of a line (JSON.parse, string values, the zod contract). */
function slow(line: string): { ok: true; value: Tick | Gap } | { ok: false } {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { ok: false };
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { ok: false };
  if (Object.values(obj).some((v) => typeof v !== 'string')) return { ok: false };
  const d = decodeTickStreamEntry(obj as Record<string, string>);
  return d.ok ? d : { ok: false };
}

const decoder = new TickLineDecoder();

/** The fast path either decodes exactly what the slow path decodes, or defers to it. */
function agrees(line: string): 'fast' | 'deferred' {
  // Embedded between other bytes, as a line sits in a gunzipped chunk.
  const bytes = Buffer.from(`{"x":"1"}\n${line}\n"}",`, 'utf8');
  const start = 10;
  const end = start + Buffer.byteLength(line, 'utf8');
  const fast = decoder.decode(bytes, start, end);
  if (fast === undefined) return 'deferred';
  const full = slow(line);
  expect(full.ok, line).toBe(true);
  if (full.ok) expect(fast, line).toStrictEqual(full.value);
  return 'fast';
}

const withFields = (patch: Record<string, string | undefined>): string => {
  const fields: Record<string, string> = { ...good };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete fields[k];
    else fields[k] = v;
  }
  return JSON.stringify(fields);
};

describe('TickLineDecoder', () => {
  it('decodes the canonical lines exactly as JSON.parse and the Tick contract do', () => {
    expect(agrees(goodLine)).toBe('fast');
    expect(agrees(withFields({ best_bid: undefined, best_ask: undefined }))).toBe('fast');
    expect(agrees(withFields({ best_ask: undefined }))).toBe('fast');
    // Any field order.
    const reversed = Object.fromEntries(Object.entries(good).reverse());
    expect(agrees(JSON.stringify(reversed))).toBe('fast');
    let x = 1;
    const next = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x;
    };
    for (let i = 0; i < 3000; i++) {
      const yes = next() % 1_000_001;
      const t = {
        ...base,
        market_id: `0x${next().toString(16).padStart(8, '0').repeat(8)}`,
        yes,
        no: 1_000_000 - yes,
        best_bid: Math.max(0, yes - (next() % 30_000)),
        best_ask: Math.min(1_000_000, yes + (next() % 30_000)),
        emit_ts_ms: 1e12 + next(),
        recv_ts_ms: i % 3 === 0 ? 1e12 + next() : 1e12 + next() / 1000,
        conn_epoch: next() % 1000,
        tradable: next() % 2 === 0,
        source: i % 7 === 0 ? 'ws-b' : 'websocket',
      };
      expect(agrees(JSON.stringify(TickContract.encode({ ...t, key: tickKey(t) })))).toBe('fast');
    }
  });

  it('keeps one copy of each market id', () => {
    const a = decoder.decode(Buffer.from(goodLine), 0, goodLine.length);
    const b = decoder.decode(Buffer.from(goodLine), 0, goodLine.length);
    expect(a?.market_id).toBe(M);
    expect(b?.market_id).toBe(M);
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
    ['dot only', { yes: '0.' }],
    ['no leading digit', { yes: '.5' }],
    ['price 1', { yes: '1', no: '0' }],
    ['price 1.000000', { yes: '1.000000', no: '0.000000' }],
    ['non-integer emit', { emit_ts_ms: '12.5' }],
    ['negative emit', { emit_ts_ms: '-12' }],
    ['negative zero epoch', { conn_epoch: '-0' }],
    ['leading zeros in epoch', { conn_epoch: '007' }],
    ['16-digit version (unsafe integer)', { v: '9999999999999999' }],
    ['16-digit safe integer', { emit_ts_ms: '1000000000000000' }],
    ['bad recv', { recv_ts_ms: '1.1234567891' }],
    ['recv beyond 2^53 digits', { recv_ts_ms: '9999999999999.9999' }],
    ['recv with 16 whole digits', { recv_ts_ms: '1234567890123456' }],
    ['recv with 17 whole digits', { recv_ts_ms: '12345678901234567' }],
    ['recv ending in a dot', { recv_ts_ms: '17.' }],
    ['recv starting with a dot', { recv_ts_ms: '.5' }],
    ['negative recv', { recv_ts_ms: '-5.5' }],
    ['recv two dots', { recv_ts_ms: '1.2.3' }],
    ['bad market', { market_id: '0x123' }],
    ['market not hex', { market_id: `0x${'g'.repeat(64)}` }],
    ['market upper case', { market_id: `0x${'AB'.repeat(32)}` }],
    ['market 0X', { market_id: `0X${'ab'.repeat(32)}` }],
    ['bad boolean', { tradable: 'yes' }],
    ['boolean 0', { tradable: '0' }],
    ['long source', { source: 's'.repeat(65) }],
    ['64-character source', { source: 's'.repeat(64) }],
    ['empty source', { source: '' }],
    ['non-ASCII source', { source: 'wébsocket' }],
    ['control character', { source: 'web\tsocket' }],
    ['empty key', { key: '' }],
    ['257-character key', { key: 'k'.repeat(257) }],
    ['256-character key', { key: 'k'.repeat(256) }],
    ['quote in key', { key: 'a"b' }],
    ['backslash in key', { key: 'a\\b' }],
    ['bad best bid', { best_bid: '2' }],
    ['missing source', { source: undefined }],
    ['missing version', { v: undefined }],
    ['missing yes', { yes: undefined }],
    ['missing tradable', { tradable: undefined }],
    ['gap type', { type: 'gap' }],
    ['end type', { type: 'end' }],
    ['unknown type', { type: 'tock' }],
    ['unknown field', { future_field: 'x' }],
    ['__proto__ field', { ['__proto__']: 'x' }],
  ])('defers %s to the slow path, or agrees with it', (_name, patch) => {
    agrees(withFields(patch));
  });

  it.each([
    ['empty line', ''],
    ['empty object', '{}'],
    ['whitespace', goodLine.replace('"yes":', '"yes": ')],
    ['leading space', ` ${goodLine}`],
    ['trailing space', `${goodLine} `],
    ['trailing CR', `${goodLine}\r`],
    ['escaped character', goodLine.replace('"websocket"', '"web\\u0073ocket"')],
    ['escaped field name', goodLine.replace('"source"', '"sourc\\u0065"')],
    ['duplicate field', goodLine.replace('{', '{"yes":"0.1",')],
    ['duplicate field, last wins', goodLine.replace('}', ',"yes":"0.1"}')],
    ['trailing comma', goodLine.replace('}', ',}')],
    ['no closing brace', goodLine.slice(0, -1)],
    ['two objects', `${goodLine}${goodLine}`],
    ['number value', goodLine.replace('"conn_epoch":"3"', '"conn_epoch":3')],
    ['object value', goodLine.replace('"source":"websocket"', '"source":{"a":"b"}')],
    ['null value', goodLine.replace('"source":"websocket"', '"source":null')],
    ['array', `[${goodLine}]`],
    ['unquoted name', goodLine.replace('"source"', 'source')],
    ['cut in a name', goodLine.slice(0, goodLine.indexOf('"source') + 4)],
    ['cut in a value', goodLine.slice(0, goodLine.indexOf('websocket') + 3)],
    ['cut after a colon', goodLine.slice(0, goodLine.indexOf('"source"') + 9)],
  ])('defers a line with %s to the slow path, or agrees with it', (_name, line) => {
    agrees(line);
  });

  it('agrees with the slow path on every single-byte change of a canonical line', () => {
    const replacements = ['"', '\\', ',', ':', '{', '}', '0', '1', '9', 'a', 'G', ' ', '.', '-', '\u00e9', '\n'];
    let fast = 0;
    for (let i = 0; i < goodLine.length; i++) {
      for (const r of replacements) {
        if (agrees(goodLine.slice(0, i) + r + goodLine.slice(i + 1)) === 'fast') fast++;
      }
      if (agrees(goodLine.slice(0, i) + goodLine.slice(i + 1)) === 'fast') fast++;
      if (agrees(`${goodLine.slice(0, i)}7${goodLine.slice(i)}`) === 'fast') fast++;
    }
    // Many changes keep the line valid (another digit in a price or a key): those stay on the fast path.
    expect(fast).toBeGreaterThan(100);
  });
});
