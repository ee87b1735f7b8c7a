// Recordings for the file-reading benchmarks (backtest, replay): the shipped sample in --smoke, otherwise one
// made by scripts/gen-sample-recording.mjs (the sample's own generator) at a size that takes long enough to time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLE_RECORDING } from '@polybot/cli';
import type { BenchContext } from '../context.js';

const GENERATOR = fileURLToPath(new URL('../../../scripts/gen-sample-recording.mjs', import.meta.url));

/** A generated recording (`genArgs` for the generator), or the shipped sample in --smoke; `cleanup` removes it. */
export function benchRecording(ctx: BenchContext, genArgs: readonly string[]): { file: string; cleanup: () => void } {
  if (ctx.smoke) return { file: SAMPLE_RECORDING, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'polybot-bench-rec-'));
  const file = join(dir, 'bench.jsonl.gz');
  ctx.progress(`generating the input: node scripts/gen-sample-recording.mjs ${genArgs.join(' ')}`);
  execFileSync(process.execPath, [GENERATOR, ...genArgs, '--out', file], { stdio: 'ignore' });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
