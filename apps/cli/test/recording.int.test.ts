// Record → replay → record round trip through a real Redis, and clear errors for broken recordings.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GapContract, keys, partition } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffExitCode, diffIntents, renderDiff, runDiff } from '../src/commands/diff.js';
import { runRecord } from '../src/commands/record.js';
import { type ReplayOptions, runReplay } from '../src/commands/replay.js';
import { openRecording } from '../src/recording/reader.js';
import { intentFields, M, tickFields } from './support/fixtures.js';

let r: TestRedis;
let dir: string;
const P = 4;

beforeAll(async () => {
  r = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'polybot-rec-'));
});
afterAll(async () => {
  await r?.stop();
});

async function seed(ns: string, n: number): Promise<void> {
  const k = keys(ns);
  const c = r.client();
  for (let i = 0; i < n; i++) {
    const m = M(i % 6);
    await c.xadd(k.ticks(partition(m, P)), '*', ...tickFields(i, m));
    if (i === n / 2) {
      await c.xadd(
        k.ticks(partition(m, P)),
        '*',
        ...GapContract.toArgs({
          type: 'gap',
          market_id: m,
          conn_epoch: 1,
          reason: 'disconnect',
          ts_ms: 1_700_000_000_000 + i * 10 + 0.35,
        }),
      );
    }
  }
  // garbage in a stream is skipped by record, not copied
  await c.xadd(k.ticks(0), '*', 'type', 'tick', 'yes', 'not-a-price');
}

async function contentOf(file: string): Promise<string[]> {
  const rec = await openRecording(file);
  const out: string[] = [];
  for await (const e of rec.entries()) out.push(JSON.stringify(e.fields));
  return out;
}

/** runReplay at --speed max into `ns`, small streams, no output. */
function replayMax(file: string, ns: string, extra: Partial<ReplayOptions> = {}) {
  return runReplay({
    redisUrl: r.url,
    file,
    speed: 'max',
    ns,
    partitions: P,
    streamMaxlen: 1000,
    tty: false,
    write: () => {},
    ...extra,
  });
}

describe('record and replay', () => {
  it('record → replay → record gives identical tick content, in recv order', async () => {
    const ns = `${r.ns}a`;
    await seed(ns, 200);
    const first = join(dir, 'first.jsonl.gz');
    const out: string[] = [];
    const s1 = await runRecord({
      redisUrl: r.url,
      ns,
      partitions: P,
      out: first,
      follow: false,
      tty: false,
      write: (l) => out.push(l),
      producer: 'test',
    });
    expect(s1).toMatchObject({ count: 201, ticks: 200, gaps: 1, markets: 6, skipped: 1 });
    expect(out[0]).toMatch(/recorded 201 entries/);

    const rec = await openRecording(first);
    expect(rec.header).toMatchObject({ format: 'polybot-recording', version: 1, ns, partitions: P });
    expect(rec.header.markets).toHaveLength(6);
    const times: number[] = [];
    for await (const e of rec.entries()) times.push(e.value.type === 'tick' ? e.value.recv_ts_ms : e.value.ts_ms);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    /** Replays `first` into `target`, records `target` again, and checks the content came back. */
    const roundTrip = async (target: string, opts: { cacheMax?: number; batchSize?: number } = {}) => {
      const rep = await runReplay({
        redisUrl: r.url,
        file: first,
        speed: 'max',
        ns: target,
        partitions: P,
        streamMaxlen: 100_000,
        tty: false,
        write: () => {},
        ...opts,
      });
      expect(rep).toMatchObject({ ns: target, entries: 201, ticks: 200, gaps: 1, markets: 6 });
      expect(await r.client().hget(keys(target).meta, 'clock')).toBe('recording');
      const again = join(dir, `${target}.jsonl.gz`);
      await runRecord({
        redisUrl: r.url,
        ns: target,
        partitions: P,
        out: again,
        follow: false,
        tty: false,
        write: () => {},
        producer: 'test',
      });
      expect(await contentOf(again)).toEqual(await contentOf(first));
    };
    await roundTrip(`${r.ns}b`);
    // A recording longer than the replay's cache is validated, then read a second time; batches of 30 keep
    // one in flight while the next is read, over seven batches: the same content again.
    await roundTrip(`${r.ns}e`, { cacheMax: 50, batchSize: 30 });
  });

  it('a write that Redis refuses fails the replay with the reason, none left unhandled', async () => {
    const file = join(dir, 'first.jsonl.gz');
    const ns = `${r.ns}w`;
    // Every partition's stream key holds a string: each append script call fails with WRONGTYPE.
    for (let p = 0; p < P; p++) await r.client().set(keys(ns).ticks(p), 'not a stream');
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(replayMax(file, ns, { batchSize: 20 })).rejects.toThrow(
        /writing the tick streams failed: .*WRONGTYPE/,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('replay keeps inter-arrival times scaled by --speed', async () => {
    const file = join(dir, 'first.jsonl.gz');
    // 200 ticks spaced 10 ms apart = ~2 s of recording; at speed 4 that is ~0.5 s.
    const t0 = performance.now();
    await runReplay({
      redisUrl: r.url,
      file,
      speed: 4,
      ns: `${r.ns}c`,
      partitions: P,
      streamMaxlen: 1000,
      tty: false,
      write: () => {},
    });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it('a truncated recording gives a clear error naming the line', async () => {
    const full = gunzipSync(readFileSync(join(dir, 'first.jsonl.gz')))
      .toString('utf8')
      .split('\n');
    const cut = join(dir, 'cut.jsonl.gz');
    writeFileSync(cut, gzipSync(full.slice(0, 50).join('\n')));
    await expect(contentOf(cut)).rejects.toThrow(/cut\.jsonl\.gz line 51: truncated: no end line after 49 entries/);

    const raw = readFileSync(join(dir, 'first.jsonl.gz'));
    const bytes = join(dir, 'bytes.jsonl.gz');
    writeFileSync(bytes, raw.subarray(0, Math.floor(raw.length / 2)));
    await expect(contentOf(bytes)).rejects.toThrow(/bytes\.jsonl\.gz line \d+: truncated or corrupt gzip data/);
  });

  it('a corrupted line gives a clear error naming it, and replay writes nothing', async () => {
    const lines = gunzipSync(readFileSync(join(dir, 'first.jsonl.gz')))
      .toString('utf8')
      .split('\n');
    lines[9] = lines[9]?.replace(/"yes":"[^"]+"/, '"yes":"1.7"') ?? '';
    const bad = join(dir, 'bad.jsonl.gz');
    writeFileSync(bad, gzipSync(lines.join('\n')));
    await expect(contentOf(bad)).rejects.toThrow(/bad\.jsonl\.gz line 10: invalid Tick: yes/);
    const ns = `${r.ns}d`;
    await expect(replayMax(bad, ns)).rejects.toThrow(/line 10/);
    for (let p = 0; p < P; p++) expect(await r.client().xlen(keys(ns).ticks(p))).toBe(0);

    const notJson = join(dir, 'notjson.jsonl.gz');
    lines[9] = '{"type":"tick",';
    writeFileSync(notJson, gzipSync(lines.join('\n')));
    await expect(contentOf(notJson)).rejects.toThrow(/line 10: not valid JSON/);
    const header = join(dir, 'header.jsonl.gz');
    writeFileSync(header, gzipSync('{"format":"other"}\n'));
    await expect(openRecording(header)).rejects.toThrow(/line 1: not a polybot recording header/);
    await expect(openRecording(join(dir, 'nope.jsonl.gz'))).rejects.toThrow(/no such file/);
  });
});

describe('diff', () => {
  const v = (id: string, side = 'BUY') => ({ id, market_id: M(0), side, outcome: 'Yes', quantity: 5, ref_price: 1 });
  it('reports missing, extra and differing intents', () => {
    const a = new Map([
      ['x', v('x')],
      ['y', v('y')],
      ['z', v('z')],
    ]);
    const b = new Map([
      ['x', v('x')],
      ['z', v('z', 'SELL')],
      ['w', v('w')],
    ]);
    const d = diffIntents(a, b);
    expect(d.missing.map((i) => i.id)).toEqual(['y']);
    expect(d.extra.map((i) => i.id)).toEqual(['w']);
    expect(d.differing).toEqual([expect.objectContaining({ fields: ['side'] })]);
    expect(diffIntents(a, new Map(a))).toMatchObject({ missing: [], extra: [], differing: [] });
  });

  it('names a side whose intents stream was trimmed, with how many intents are left to compare', async () => {
    const [nsA, nsB] = [`${r.ns}da`, `${r.ns}db`];
    const append = async (ns: string, i: number, maxlen?: number) => {
      const cap = maxlen === undefined ? [] : ['MAXLEN', String(maxlen)];
      await r.client().xadd(keys(ns).intents, ...cap, '*', ...intentFields(ns, i));
    };
    for (let i = 0; i < 5; i++) await append(nsA, i);
    for (let i = 0; i < 5; i++) await append(nsB, i, 3);
    const d = await runDiff(r.url, nsA, nsB);
    expect(d.trimmed).toEqual([{ ns: nsB, kept: 3, added: 5 }]);
    expect(d.missing.map((m) => m.id)).toHaveLength(2);
    expect(renderDiff(nsA, nsB, d).join('\n')).toContain(
      `warning: ${nsB}:intents holds 3 of the 5 intents appended to it (trimmed at INTENTS_MAXLEN)`,
    );
    expect(diffExitCode(d)).toBe(2);
    expect(diffExitCode({ ...d, trimmed: [] })).toBe(1);
    expect(diffExitCode({ ...d, missing: [] })).toBe(0);
  });
});
