// Regenerates apps/cli/fixtures/sample.jsonl.gz: a small recording made with the simulator's own seeded
// price model and book touch (@polybot/exchange), so `polybot backtest` has data right after install.
// Deterministic: the same seed gives a byte-identical file. Needs the packages built (npm run build).
//
//   node scripts/gen-sample-recording.mjs [--seed 42] [--markets 11] [--steps 3000] [--out FILE]
//
// Shape: markets step on the simulator's cadence (busy every 250 ms step, normal every 4th, quiet every
// 40th); recv_ts_ms = emit + 2–5 ms; one disconnect half-way (a gap per market, 5 s without ticks, then a
// new connection epoch); one tick delivered twice (two ingestors). The header carries `market_meta`
// (category, tick, book seed per market) so fees and books follow the simulator exactly.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { generateMarkets, hash32, PriceModel, touchGaps } from '../packages/exchange/dist/index.js';
import { fromMicro, GapContract, MICRO, TickContract, tickKey } from '../packages/shared/dist/index.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    markets: { type: 'string', default: '11' },
    steps: { type: 'string', default: '3000' },
    out: { type: 'string', default: new URL('../apps/cli/fixtures/sample.jsonl.gz', import.meta.url).pathname },
  },
});
const SEED = Number(values.seed);
const N = Number(values.markets);
const STEPS = Number(values.steps);
const BASE_MS = 250;
const START_MS = 1_764_000_000_000;
const INTERVAL = { busy: 1, normal: 4, quiet: 40 };
const GAP_AT = Math.floor(STEPS / 2);
const GAP_STEPS = 20;
const DUP_AT = Math.floor(STEPS / 4);

const specs = generateMarkets(SEED, N).filter((s) => !s.closed);
const markets = specs.map((spec) => ({ spec, model: new PriceModel(spec.seed, spec.price), seq: 0, lastEmit: 0 }));

const entries = [];
let epoch = 1;
for (let s = 1; s <= STEPS; s++) {
  const step = [];
  if (s === GAP_AT) {
    for (const m of markets) {
      step.push({
        t: START_MS + s * BASE_MS,
        order: m.spec.index,
        fields: GapContract.encode({
          type: 'gap',
          market_id: m.spec.conditionId,
          conn_epoch: epoch,
          reason: 'disconnect',
          ts_ms: START_MS + s * BASE_MS,
          ...(m.lastEmit > 0 ? { last_emit_ts_ms: m.lastEmit } : {}),
        }),
      });
    }
  }
  if (s === GAP_AT + GAP_STEPS) epoch++;
  const connected = s < GAP_AT || s >= GAP_AT + GAP_STEPS;
  for (const m of markets) {
    const { spec } = m;
    if ((s + spec.index) % INTERVAL[spec.activity] !== 0) continue;
    // The simulator steps its markets whether or not anyone is connected.
    m.seq++;
    const yes = m.model.step();
    if (!connected) continue;
    const { bidGap, askGap } = touchGaps(spec.bookSeed, m.seq);
    const bid = yes - bidGap * spec.tick;
    const ask = yes + askGap * spec.tick;
    const emit = START_MS + s * BASE_MS + ((spec.index * 37) % BASE_MS);
    const recv = emit + 2 + (hash32(SEED, s, spec.index) % 3000) / 1000;
    const base = {
      type: 'tick',
      market_id: spec.conditionId,
      yes,
      no: MICRO - yes,
      ...(bid > 0 ? { best_bid: bid } : {}),
      ...(ask < MICRO ? { best_ask: ask } : {}),
      emit_ts_ms: emit,
      recv_ts_ms: recv,
      conn_epoch: epoch,
      source: 'websocket',
      tradable: true,
    };
    m.lastEmit = emit;
    const fields = TickContract.encode({ ...base, key: tickKey(base) });
    step.push({ t: recv, order: spec.index, fields });
    if (s === DUP_AT && step.length === 1) step.push({ t: recv, order: spec.index, fields });
  }
  step.sort((a, b) => a.t - b.t || a.order - b.order);
  for (const e of step) entries.push(e);
}

const timeOf = (f) => Number(f.type === 'gap' ? f.ts_ms : f.recv_ts_ms);
const ids = specs.map((s) => s.conditionId).sort();
const meta = {};
for (const spec of [...specs].sort((a, b) => (a.conditionId < b.conditionId ? -1 : 1))) {
  meta[spec.conditionId] = { category: spec.category, tick: fromMicro(spec.tick), book_seed: spec.bookSeed };
}
const first = entries.length > 0 ? timeOf(entries[0].fields) : null;
const last = entries.length > 0 ? timeOf(entries[entries.length - 1].fields) : null;
const header = {
  format: 'polybot-recording',
  version: 1,
  ns: 'sample',
  partitions: 4,
  markets: ids,
  from_ms: first,
  to_ms: last,
  producer: `scripts/gen-sample-recording.mjs seed=${SEED}`,
  market_meta: meta,
};
const trailer = {
  type: 'end',
  count: entries.length,
  ticks: entries.filter((e) => e.fields.type === 'tick').length,
  gaps: entries.filter((e) => e.fields.type === 'gap').length,
  markets: ids,
  first_ms: first,
  last_ms: last,
};
const lines = [JSON.stringify(header), ...entries.map((e) => JSON.stringify(e.fields)), JSON.stringify(trailer)];
const gz = gzipSync(Buffer.from(`${lines.join('\n')}\n`), { level: 9 });
writeFileSync(values.out, gz);
process.stdout.write(
  `wrote ${values.out}: ${trailer.count} entries (${trailer.ticks} ticks, ${trailer.gaps} gaps, ${ids.length} markets), ${gz.length} bytes\n`,
);
