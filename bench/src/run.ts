// `npm run bench [-- --smoke] [-- --only NAME]`: runs benchmark cases one after another, prints their
// tables, and (outside smoke mode) replaces their sections in BENCHMARKS.md.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backtestCase } from './cases/backtest.js';
import { memoryCase } from './cases/memory.js';
import { pipelineCase } from './cases/pipeline.js';
import { redisFloors } from './cases/redis-floors.js';
import { replayCase } from './cases/replay.js';
import { simulatorBench } from './cases/simulator.js';
import { stagesCase } from './cases/stages.js';
import { topologiesCase } from './cases/topologies.js';
import type { BenchCase } from './context.js';
import { renderSection, renderTable, runInfo, writeSections } from './report.js';

const CASES: BenchCase[] = [
  redisFloors,
  simulatorBench,
  pipelineCase,
  stagesCase,
  memoryCase,
  backtestCase,
  replayCase,
  topologiesCase,
];
/** Cases left out of a full run unless named with --only (the smoke run still runs them, so they cannot rot). */
const OPT_IN = new Set(['topologies']);

const USAGE = `Usage: npm run bench [-- OPTIONS]

Runs the benchmark cases next to their baselines, prints their tables and replaces their sections in
BENCHMARKS.md (a full run takes about 15 minutes on 2 cores).

Options:
  --smoke        every case briefly (about a minute in all); BENCHMARKS.md is left alone
  --only NAME    run this case only (repeatable); see --list
  --list         list the cases
  -h, --help     this text
`;

async function main(): Promise<number> {
  let values: { smoke?: boolean; only?: string[]; list?: boolean; help?: boolean };
  try {
    values = parseArgs({
      options: {
        smoke: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.list) {
    for (const c of CASES)
      process.stdout.write(`${c.name.padEnd(20)} ${c.description}${OPT_IN.has(c.name) ? ' (only with --only)' : ''}\n`);
    return 0;
  }
  const selected = values.only
    ? CASES.filter((c) => values.only?.includes(c.name))
    : CASES.filter((c) => values.smoke || !OPT_IN.has(c.name));
  const unknown = (values.only ?? []).filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown case ${unknown.join(', ')} (see --list)\n`);
    return 2;
  }
  const command = `npm run bench${values.smoke ? ' -- --smoke' : ''}${values.only ? ` -- --only ${values.only.join(' --only ')}` : ''}`;
  const info = runInfo(command);
  process.stdout.write(
    `polybot benchmarks · ${info.cpu} × ${info.cores} · Node ${info.node} · Redis ${info.redis}${values.smoke ? ' · SMOKE' : ''}\n\n`,
  );
  const sections = new Map<string, string>();
  for (const c of selected) {
    const t0 = performance.now();
    process.stdout.write(`▶ ${c.name}: ${c.description}\n`);
    const tables = await c.run({ smoke: values.smoke ?? false, progress: (m) => process.stdout.write(`  · ${m}\n`) });
    for (const t of tables) process.stdout.write(`\n${renderTable(t)}\n`);
    process.stdout.write(`\n  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n\n`);
    sections.set(c.name, renderSection(c.name, info, tables));
  }
  if (!values.smoke) {
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    writeSections(path, sections);
    process.stdout.write(`updated ${path}\n`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
