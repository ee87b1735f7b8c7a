// The dedup script's JSON argument: what cjson in Redis decodes must be the strings an XADD argument carries.
import { describe, expect, it } from 'vitest';
import { encodeDedupBatch } from './dedup-script.js';

describe('encodeDedupBatch', () => {
  it('is the JSON of the field lists, escapes and non-ASCII text kept as they are', () => {
    const entries = [
      ['type', 'tick', 'source', 'a "quoted" \\ back\\slash', 'x', 'é ✓ 😀'],
      ['type', 'gap', 'note', 'literal \\ud800 text'],
    ];
    const json = encodeDedupBatch(entries);
    expect(JSON.parse(json)).toEqual(entries);
    expect(json).toBe(JSON.stringify(entries));
  });

  it('keeps null (an absent optional field) as null', () => {
    const entries = [
      ['1', null, 'a\ud800'],
      [null, 'x', null],
    ];
    expect(JSON.parse(encodeDedupBatch(entries))).toEqual([
      ['1', null, 'a\ufffd'],
      [null, 'x', null],
    ]);
  });

  it('turns a lone surrogate into U+FFFD (what a UTF-8 XADD argument would store) and keeps pairs', () => {
    const entries = [['source', 'a\ud800b', 'hi', '\udc00', 'pair', '😀', 'both', '\ud83d\ude00\ud83d']];
    const decoded = JSON.parse(encodeDedupBatch(entries)) as string[][];
    expect(decoded).toEqual([['source', 'a\ufffdb', 'hi', '\ufffd', 'pair', '😀', 'both', '😀\ufffd']]);
    for (const v of decoded[0] ?? []) expect(Buffer.from(v, 'utf8').toString('utf8')).toBe(v);
    // Exactly the bytes Node would have written for the raw argument.
    expect(Buffer.from(decoded[0]?.[1] ?? '', 'utf8')).toEqual(Buffer.from('a\ud800b', 'utf8'));
  });
});
