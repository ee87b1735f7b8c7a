// Replay speed: `polybot replay FILE --speed max` (the command's own function) writing the shipped sample
// recording into the tick streams of a fresh namespace, next to floors measured in the same run on the same
// file: the recording reader alone (gunzip, decode, validate every line, as replay reads it), pipelined XADDs
// of the same entries with no file at all, and replay's own write (the batch append script) with no file.

import { addToBatch, appendEntries, openRecording, REPLAY_CACHE_MAX, runReplay, SAMPLE_RECORDING } from '@polybot/cli';
import { createRedis, keys, partition, xaddBatch } from '@polybot/shared';
import { startRedis } from '@polybot/shared/testing';
import type { BenchCase, BenchContext } from '../context.js';
import { now } from '../context.js';
import { fmtRate, summarize } from '../stats.js';

const PARTITIONS = 8;

const TARGET = 100_000;

/** The validating read replay makes: batches() (the checked tick-line decoder, zod for the rest). */
async function readOnly(file: string): Promise<number> {
  const rec = await openRecording(file);
  let n = 0;
  for await (const b of rec.batches()) n += b.length;
  return n;
}

/** Replay's write alone: per batch of 1,000, one append-script call per partition, one JSON argument per entry. */
async function scriptAppend(
  client: ReturnType<typeof createRedis>,
  ns: string,
  entries: readonly { market: string; args: string[] }[],
): Promise<void> {
  for (let j = 0; j < entries.length; j += 1000) {
    const batch = new Map<string, string[]>();
    for (const x of entries.slice(j, j + 1000))
      addToBatch(batch, keys(ns).ticks(partition(x.market, PARTITIONS)), x.args);
    await appendEntries(client, batch, 1_000_000);
  }
}

export const replayCase: BenchCase = {
  name: 'replay',
  description: 'polybot replay --speed max into Redis vs the read-and-parse and bare XADD floors (same file, same run)',
  async run(ctx: BenchContext) {
    const reps = ctx.smoke ? 2 : 9;
    const file = SAMPLE_RECORDING;
    const redis = await startRedis({ own: true });
    const client = createRedis(redis.url, 'command');
    try {
      const rec = await openRecording(file);
      const entries: { market: string; args: string[] }[] = [];
      for await (const e of rec.entries()) {
        const args: string[] = [];
        for (const key in e.fields) args.push(key, e.fields[key] as string);
        entries.push({ market: e.fields.market_id ?? '', args });
      }
      ctx.progress(`${entries.length} entries in ${file}; ${reps} alternating repetitions, first one discarded`);
      const read: number[] = [];
      const xadd: number[] = [];
      const script: number[] = [];
      const replay: number[] = [];
      for (let i = 0; i <= reps; i++) {
        let t0 = now();
        const n = await readOnly(file);
        const rRead = n / ((now() - t0) / 1000);

        const ns = `floor${i}`;
        t0 = now();
        for (let j = 0; j < entries.length; j += 1000) {
          const batch = entries.slice(j, j + 1000).map((x) => ({
            key: keys(ns).ticks(partition(x.market, PARTITIONS)),
            args: x.args,
            maxlen: 1_000_000,
          }));
          await xaddBatch(client, batch);
        }
        const rXadd = entries.length / ((now() - t0) / 1000);

        t0 = now();
        await scriptAppend(client, `script${i}`, entries);
        const rScript = entries.length / ((now() - t0) / 1000);

        t0 = now();
        const s = await runReplay({
          redisUrl: redis.url,
          file,
          speed: 'max',
          ns: `replay${i}`,
          partitions: PARTITIONS,
          streamMaxlen: 1_000_000,
          tty: false,
          write: () => {},
        });
        const rReplay = s.entries / ((now() - t0) / 1000);
        if (i > 0) {
          read.push(rRead);
          xadd.push(rXadd);
          script.push(rScript);
          replay.push(rReplay);
        }
      }
      const row = (name: string, xs: number[], floor: number) => {
        const s = summarize(xs);
        return [name, fmtRate(s.p50), `${(floor / s.p50).toFixed(2)}×`];
      };
      const floor = summarize(read).p50;
      return [
        {
          title: `Replay throughput, --speed max (${entries.length} entries, ${PARTITIONS} partitions, median of ${reps})`,
          columns: ['loop', 'p50 rate', 'time vs read floor'],
          rows: [
            row('floor: read + gunzip + decode + validate (the reader replay uses)', read, floor),
            row('floor: pipelined XADD of the same entries (batches of 1,000, no file)', xadd, floor),
            row("floor: replay's write alone, the append script (batches of 1,000, no file)", script, floor),
            row('polybot replay --speed max (file → tick streams)', replay, floor),
          ],
          notes: [
            `Target: replay --speed max ≥ ${fmtRate(TARGET)}: ${summarize(replay).p50 >= TARGET ? 'met' : 'MISSED'} in this run (${fmtRate(summarize(replay).p50)}).`,
            `replay validates the whole file before it writes (a bad line must not leave half a replay behind), keeps up to ${REPLAY_CACHE_MAX.toLocaleString('en-US')} entries from that pass (a longer recording is read a second time), then writes with one append-script call per partition and batch, one JSON argument per entry, while the next batch is built. A pipelined XADD makes the client build about 26 arguments per entry, and that client work, not Redis, bounds it; so replay can beat the bare XADD row.`,
            'Other sessions may share this 2-core machine: compare the rows with each other, not across runs.',
          ],
        },
      ];
    } finally {
      client.disconnect();
      await redis.stop();
    }
  },
};
