#!/usr/bin/env node
// The long form of the chaos suite: `npm run chaos -- --minutes N --seed S`. It runs the same test as
// `npm test` (test/chaos/chaos.int.test.ts) with CHAOS_MINUTES and CHAOS_SEED set, so a failing long run
// replays exactly with its seed, and the invariant table it prints is the same.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '20' },
    seed: { type: 'string' },
    sides: { type: 'string', default: 'buy' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npm run chaos -- [--minutes N (default 20)] [--seed S (default: random)] [--sides buy|both (default buy)]\n' +
      '  --sides buy   a buy-only strategy: the run is also compared with a clean single-worker run\n' +
      '  --sides both  the strategy also sells what it holds (decisions depend on fills: no such comparison)\n',
  );
  process.exit(0);
}
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  process.stderr.write(`chaos: --minutes must be a positive number, got ${values.minutes}\n`);
  process.exit(2);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
if (!/^\d{1,10}$/.test(seed)) {
  process.stderr.write(`chaos: --seed must be a non-negative integer, got ${seed}\n`);
  process.exit(2);
}
if (values.sides !== 'buy' && values.sides !== 'both') {
  process.stderr.write(`chaos: --sides must be buy or both, got ${values.sides}\n`);
  process.exit(2);
}
process.stdout.write(`chaos: ${minutes} min, seed ${seed}, sides ${values.sides}\n`);
const root = fileURLToPath(new URL('../', import.meta.url));
const r = spawnSync('npx', ['vitest', 'run', '--project', 'integration', 'test/chaos/chaos.int.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CHAOS_MINUTES: String(minutes), CHAOS_SEED: seed, CHAOS_SIDES: values.sides },
});
process.exit(r.status ?? 1);
