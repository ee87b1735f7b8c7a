// Reads the tick partitions of a namespace and merges them into one deterministic order:
// by entry time (recv_ts_ms / gap ts_ms), then partition, then stream id.

import { keys, parseEntries, type RedisClient } from '@polybot/shared';
import { entryTime } from './format.js';

export interface PartitionEntry {
  partition: number;
  id: string;
  fields: Record<string, string>;
  time: number;
}

export interface MergeOptions {
  /** Any topology: each partition is read with its own XRANGE (one key, one slot). */
  redis: RedisClient;
  ns: string;
  partitions: number;
  /** XRANGE start (id or ms), default '-'. */
  from?: string;
  /** XRANGE end (id or ms), default '+'. */
  to?: string;
  chunk?: number;
  /** Called for stream entries that are not well-formed field lists (skipped). */
  onBad?: (partition: number, id: string) => void;
}

class Cursor {
  buf: PartitionEntry[] = [];
  done = false;
  #next: string;
  constructor(
    readonly partition: number,
    private readonly key: string,
    start: string,
    private readonly end: string,
    private readonly redis: RedisClient,
    private readonly chunk: number,
    private readonly onBad?: (p: number, id: string) => void,
  ) {
    this.#next = start;
  }
  async fill(): Promise<void> {
    while (this.buf.length === 0 && !this.done) {
      const reply = await this.redis.xrange(this.key, this.#next, this.end, 'COUNT', this.chunk);
      if (reply.length < this.chunk) this.done = true;
      const last = reply.at(-1);
      if (last) this.#next = `(${last[0]}`;
      const { entries, bad } = parseEntries(reply);
      for (const b of bad) this.onBad?.(this.partition, b.id);
      for (const e of entries)
        this.buf.push({ partition: this.partition, id: e.id, fields: e.fields, time: entryTime(e.fields) });
    }
  }
}

function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

export function compareEntries(a: PartitionEntry, b: PartitionEntry): number {
  return a.time - b.time || a.partition - b.partition || compareIds(a.id, b.id);
}

export async function* mergePartitions(opts: MergeOptions): AsyncGenerator<PartitionEntry> {
  const k = keys(opts.ns);
  const cursors = Array.from(
    { length: opts.partitions },
    (_, p) => new Cursor(p, k.ticks(p), opts.from ?? '-', opts.to ?? '+', opts.redis, opts.chunk ?? 5000, opts.onBad),
  );
  for (;;) {
    let best: Cursor | undefined;
    for (const c of cursors) {
      await c.fill();
      const head = c.buf[0];
      if (!head) continue;
      const bestHead = best?.buf[0];
      if (!bestHead || compareEntries(head, bestHead) < 0) best = c;
    }
    if (!best) return;
    yield best.buf.shift() as PartitionEntry;
  }
}
