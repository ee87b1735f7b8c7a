// Backtest throughput on the shipped sample recording, next to its floor measured in the same run: a bare
// loop that only reads, gunzips, parses and validates the same file (the recording reader, nothing else).
// A third row runs the engine on entries already in memory, to show where the time goes.

import { Backtester, openRecording, SAMPLE_RECORDING } from '@polybot/cli';
import type { BenchCase, BenchContext } from '../context.js';
import { now } from '../context.js';
import { fmtRate, summarize } from '../stats.js';

type Entry = Parameters<Backtester['push']>[0];

async function readOnly(file: string): Promise<number> {
  const rec = await openRecording(file);
  let n = 0;
  for await (const e of rec.entries()) if (e.value.type === 'tick' || e.value.type === 'gap') n++;
  return n;
}

async function backtest(file: string, strategy: string): Promise<number> {
  const rec = await openRecording(file);
  const bt = new Backtester(rec.header, { strategy });
  let n = 0;
  for await (const e of rec.entries()) {
    bt.push(e.value);
    n++;
  }
  bt.finish();
  return n;
}

async function timed(fn: () => Promise<number>): Promise<number> {
  const t0 = now();
  const n = await fn();
  return n / ((now() - t0) / 1000);
}

export const backtestCase: BenchCase = {
  name: 'backtest',
  description: 'backtest ticks/s on the sample recording vs the read-and-parse floor (same run)',
  async run(ctx: BenchContext) {
    const reps = ctx.smoke ? 2 : 15;
    const file = SAMPLE_RECORDING;
    const rec = await openRecording(file);
    const inMemory: Entry[] = [];
    for await (const e of rec.entries()) inMemory.push(e.value);
    ctx.progress(`${inMemory.length} entries in ${file}; ${reps} alternating repetitions, first one discarded`);

    const floor: number[] = [];
    const runs = new Map<string, number[]>([
      ['threshold', []],
      ['zscore', []],
    ]);
    const engine: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const f = await timed(() => readOnly(file));
      const t = await timed(() => backtest(file, 'threshold'));
      const z = await timed(() => backtest(file, 'zscore'));
      const e = await timed(async () => {
        const bt = new Backtester(rec.header, { strategy: 'threshold' });
        for (const x of inMemory) bt.push(x);
        bt.finish();
        return inMemory.length;
      });
      if (i === 0) continue; // warm-up
      floor.push(f);
      runs.get('threshold')?.push(t);
      runs.get('zscore')?.push(z);
      engine.push(e);
    }
    const f50 = summarize(floor).p50;
    const row = (name: string, rates: number[]) => {
      const s = summarize(rates);
      return [name, fmtRate(s.p50), fmtRate(summarize(rates).mean), f50 > 0 ? `${(f50 / s.p50).toFixed(2)}×` : '–'];
    };
    return [
      {
        title: `Backtest throughput (${inMemory.length} entries, median of ${reps})`,
        columns: ['loop', 'p50 rate', 'mean rate', 'time vs floor'],
        rows: [
          row('floor: read + gunzip + parse + validate', floor),
          row('backtest threshold (file → report)', runs.get('threshold') ?? []),
          row('backtest zscore (file → report)', runs.get('zscore') ?? []),
          row('engine only, threshold (entries in memory)', engine),
        ],
        notes: [
          'Targets: backtest ≥ 1M ticks/s for threshold, within 2× of the read-and-parse floor.',
          'The floor is the recording reader (per-line JSON.parse + zod decode of Tick/Gap); the backtest can be',
          'no faster than it, so the 1M ticks/s target needs a faster validating decoder in the reader.',
        ],
      },
    ];
  },
};
