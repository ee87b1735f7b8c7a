// `polybot backtest [FILE]`: reads a recording (default: the shipped sample), runs the backtest in this
// process (no Redis), prints the terminal table and writes report.json and report.html into --out.
// A corrupt or truncated file stops with the reader's RecordingError naming the line; nothing is written.

import { statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Gap, loadConfig, type Micro, type Tick, toMicro } from '@polybot/shared';
import { SingleBar } from 'cli-progress';
import { openRecording } from '../recording/reader.js';
import { Backtester } from './engine.js';
import type { BacktestSettings, FillModel, FillOn } from './options.js';
import { renderHtml } from './render-html.js';
import { renderTable } from './render-table.js';
import { type BacktestReport, reportJson } from './report.js';

/** The sample recording shipped with the CLI (scripts/gen-sample-recording.mjs): src/ or dist/ → ../../fixtures. */
export const SAMPLE_RECORDING = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'sample.jsonl.gz',
);

/** Files above this size (bytes, compressed) get a progress bar on a terminal. */
const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;
const PROGRESS_EVERY = 1 << 16;

export interface BacktestArgs {
  /** Recording; default SAMPLE_RECORDING. */
  file?: string;
  /** Default STRATEGY (threshold). */
  strategy?: string;
  /** JSON; default STRATEGY_PARAMS ({}). */
  params?: string;
  /** Output directory; default ./backtest-out. */
  out?: string;
  fill?: FillModel;
  fillOn?: FillOn;
  /** Default EXECUTOR_SLIPPAGE_BPS. */
  slippageBps?: number;
  /** Starting cash in USD, decimal string; default 10000. */
  cash?: string;
  /** Fee category for markets the recording does not describe; default other. */
  category?: string;
  /** RISK_* and the other defaults are read from here. Default process.env. */
  env?: Record<string, string | undefined>;
  tty?: boolean;
  write?: (line: string) => void;
}

export interface BacktestResult {
  report: BacktestReport;
  jsonPath: string;
  htmlPath: string;
}

/** The backtest options for `args`, defaults taken from the same configuration the workers read. */
export function backtestOptions(args: BacktestArgs): BacktestSettings {
  const cfg = loadConfig(args.env ?? process.env);
  const cash: Micro = args.cash === undefined ? 10_000_000_000 : toMicro(args.cash);
  return {
    strategy: args.strategy ?? cfg.STRATEGY,
    params: args.params ?? cfg.STRATEGY_PARAMS,
    limits: {
      staleMs: cfg.RISK_STALE_MS,
      maxPosition: toMicro(cfg.RISK_MAX_POSITION),
      maxExposure: toMicro(cfg.RISK_MAX_EXPOSURE),
      cooldownMs: cfg.RISK_COOLDOWN_MS,
      ordersPerMinute: cfg.RISK_ORDERS_PER_MIN,
    },
    slippageBps: args.slippageBps ?? cfg.EXECUTOR_SLIPPAGE_BPS,
    cash,
    ...(args.fill !== undefined ? { fill: args.fill } : {}),
    ...(args.fillOn !== undefined ? { fillOn: args.fillOn } : {}),
    ...(args.category !== undefined ? { defaultCategory: args.category } : {}),
  };
}

export async function backtestCommand(args: BacktestArgs): Promise<BacktestResult> {
  const write = args.write ?? (() => {});
  const file = args.file ?? SAMPLE_RECORDING;
  const outDir = resolve(args.out ?? 'backtest-out');
  const opts = backtestOptions(args);
  const rec = await openRecording(file);
  const bt = new Backtester(rec.header, opts);

  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // openRecording already reported a missing file
  }
  const from = rec.header.from_ms;
  const to = rec.header.to_ms;
  const bar =
    args.tty && size >= PROGRESS_MIN_BYTES
      ? new SingleBar({
          format: `backtest [{bar}] {percentage}% · {entries} entries`,
          hideCursor: true,
        })
      : undefined;
  const span = from !== null && to !== null && to > from ? to - from : 0;
  bar?.start(100, 0, { entries: 0 });
  let n = 0;
  let shown = 0;
  try {
    for await (const batch of rec.batches()) {
      for (let i = 0; i < batch.length; i++) bt.push(batch[i] as Tick | Gap);
      n += batch.length;
      const last = batch[batch.length - 1];
      if (bar && last && n - shown >= PROGRESS_EVERY) {
        shown = n;
        const t = last.type === 'gap' ? last.ts_ms : last.recv_ts_ms;
        const done = span > 0 ? Math.min(100, Math.floor(((t - (from ?? 0)) / span) * 100)) : 0;
        bar.update(done, { entries: n });
      }
    }
  } finally {
    bar?.stop();
  }
  const report = bt.finish(basename(file));
  await mkdir(outDir, { recursive: true });
  const jsonPath = join(outDir, 'report.json');
  const htmlPath = join(outDir, 'report.html');
  await writeFile(jsonPath, reportJson(report));
  await writeFile(htmlPath, renderHtml(report));
  for (const l of renderTable(report)) write(l);
  write('');
  write(`wrote ${jsonPath}`);
  write(`wrote ${htmlPath}`);
  return { report, jsonPath, htmlPath };
}
