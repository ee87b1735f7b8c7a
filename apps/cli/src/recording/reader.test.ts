// The reader's two ways through a file — entries() (JSON.parse + contracts, with the fields) and batches()
// (the fast tick decoder first) — give the same entries and the same errors, on the same line numbers that
// node:readline would give.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import type { Gap, Tick } from '@polybot/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_RECORDING } from '../backtest/command.js';
import { openRecording } from './reader.js';

let dir: string;
const sampleLines = () => gunzipSync(readFileSync(SAMPLE_RECORDING)).toString('utf8').split('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polybot-reader-'));
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(text));
  return path;
}

async function viaEntries(path: string): Promise<(Tick | Gap)[]> {
  const rec = await openRecording(path);
  const out: (Tick | Gap)[] = [];
  for await (const e of rec.entries()) out.push(e.value);
  return out;
}

async function viaBatches(path: string): Promise<(Tick | Gap)[]> {
  const rec = await openRecording(path);
  const out: (Tick | Gap)[] = [];
  for await (const b of rec.batches()) out.push(...b);
  expect(rec.trailer().count).toBe(out.length);
  return out;
}

/** The error of both ways through the file (they must agree). */
async function errorOf(path: string): Promise<string> {
  const a = await viaEntries(path).then(
    () => 'no error',
    (e: Error) => e.message,
  );
  const b = await viaBatches(path).then(
    () => 'no error',
    (e: Error) => e.message,
  );
  expect(b).toBe(a);
  return a;
}

/** The number of the first line node:readline gives whose text fails `bad`. */
async function readlineLineOf(path: string, bad: (text: string) => boolean): Promise<number> {
  const rl = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (bad(text)) return n;
  }
  return -1;
}

describe('openRecording', () => {
  it('entries() and batches() read the sample (several gunzipped chunks) to the same entries', async () => {
    const a = await viaEntries(SAMPLE_RECORDING);
    const b = await viaBatches(SAMPLE_RECORDING);
    expect(a.length).toBeGreaterThan(10_000);
    expect(b).toStrictEqual(a);
    expect(a.some((e) => e.type === 'gap')).toBe(true);
  });

  it('reads CRLF line ends, a last line without LF, and lines the fast decoder defers', async () => {
    const lines = sampleLines().filter((l) => l !== '');
    const lf = await viaEntries(SAMPLE_RECORDING);
    expect(await viaBatches(write('crlf.jsonl.gz', lines.join('\r\n')))).toStrictEqual(lf);
    expect(await viaEntries(write('crlf2.jsonl.gz', `${lines.join('\r\n')}\r\n`))).toStrictEqual(lf);
    // Valid but not canonical: spaces after colons (JSON.parse takes them; the fast decoder defers).
    const spaced = lines.map((l, i) => (i % 3 === 1 ? l.replaceAll('":"', '": "') : l));
    expect(await viaBatches(write('spaced.jsonl.gz', spaced.join('\n')))).toStrictEqual(lf);
  });

  it('numbers lines as node:readline does, lone CRs included, in both ways through the file', async () => {
    const lines = sampleLines();
    // Line 3 holds two entries split by a lone CR: node:readline makes that two lines.
    lines[2] = `${lines[2]}\r${lines[3]}`;
    lines.splice(3, 1);
    lines[20] = (lines[20] ?? '').replace(/"yes":"[^"]+"/, '"yes":"abc"');
    const path = write('cr.jsonl.gz', lines.join('\n'));
    const expected = await readlineLineOf(path, (t) => t.includes('"yes":"abc"'));
    expect(expected).toBe(22);
    expect(await errorOf(path)).toBe(
      `cr.jsonl.gz line ${expected}: invalid Tick: yes: expected a plain decimal string`,
    );
  });

  it('names the line of every kind of bad line, the same way in both', async () => {
    const lines = sampleLines();
    const at = (i: number, text: string) => {
      const copy = [...lines];
      copy[i] = text;
      return copy.join('\n');
    };
    const tick = lines[5] ?? '';
    expect(await errorOf(write('json.jsonl.gz', at(5, tick.slice(0, 40))))).toMatch(
      /^json\.jsonl\.gz line 6: not valid JSON$/,
    );
    expect(await errorOf(write('num.jsonl.gz', at(5, tick.replace('"v":"1"', '"v":1'))))).toMatch(
      /line 6: field values must be strings/,
    );
    expect(await errorOf(write('arr.jsonl.gz', at(5, '[]')))).toMatch(/line 6: not an object/);
    expect(await errorOf(write('empty.jsonl.gz', at(5, '')))).toMatch(/line 6: not valid JSON/);
    expect(await errorOf(write('type.jsonl.gz', at(5, tick.replace('"tick"', '"tock"'))))).toMatch(
      /line 6: .*unknown entry type/,
    );
    expect(await errorOf(write('market.jsonl.gz', at(5, tick.replace(/"market_id":"0x/, '"market_id":"0y'))))).toMatch(
      /line 6: invalid Tick: market_id/,
    );
    const end = lines.findIndex((l) => l.startsWith('{"type":"end"'));
    expect(await errorOf(write('after.jsonl.gz', at(end + 1, tick)))).toMatch(
      new RegExp(`line ${end + 2}: data after the end line`),
    );
    expect(await errorOf(write('count.jsonl.gz', lines.filter((_, i) => i !== 7).join('\n')))).toMatch(
      /end line says \d+ entries, found \d+/,
    );
    expect(await errorOf(write('noend.jsonl.gz', lines.slice(0, 50).join('\n')))).toBe(
      'noend.jsonl.gz line 51: truncated: no end line after 49 entries',
    );
    const whole = readFileSync(SAMPLE_RECORDING);
    const cut = join(dir, 'cut.jsonl.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 3)));
    expect(await errorOf(cut)).toMatch(/^cut\.jsonl\.gz line \d+: truncated or corrupt gzip data/);
  });

  it('rejects a missing file, an empty one and a bad header', async () => {
    await expect(openRecording(join(dir, 'nope.jsonl.gz'))).rejects.toThrow(/nope\.jsonl\.gz: no such file/);
    await expect(openRecording(write('none.jsonl.gz', ''))).rejects.toThrow(/line 1: empty recording/);
    await expect(openRecording(write('hdr.jsonl.gz', '{"format":"x"}\n'))).rejects.toThrow(
      /line 1: not a polybot recording header/,
    );
  });
});
