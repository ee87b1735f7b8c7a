// One tail of the namespace's streams per dashboard server: XREAD BLOCK from where the backfill stopped,
// handing every batch to `onEntries`. On one node or Sentinel a single blocking connection reads every
// stream in one XREAD; on a cluster the streams live in different slots, so each slot group gets its own.

import { parseEntries, type RedisClient, type StreamEntry } from '@polybot/shared';
import type { Logger } from 'pino';

export interface StreamTailOptions {
  /** Streams read together by one XREAD (each group: one blocking connection). */
  groups: readonly (readonly string[])[];
  /** A new blocking connection (role `blocking`). */
  connect: (name: string) => RedisClient;
  /** Where to start per stream (after the backfill); missing = `$`. */
  startIds: ReadonlyMap<string, string>;
  onEntries: (key: string, entries: StreamEntry[]) => void;
  logger: Logger;
  /** XREAD BLOCK timeout (default 1000 ms). */
  blockMs?: number;
  /** Entries per stream per XREAD (default 500). */
  count?: number;
}

export interface StreamTail {
  /** XREAD calls made so far, all groups together. */
  readonly reads: number;
  close(): Promise<void>;
}

export function startStreamTail(opts: StreamTailOptions): StreamTail {
  const last = new Map<string, string>();
  for (const g of opts.groups) for (const k of g) last.set(k, opts.startIds.get(k) ?? '$');
  let running = true;
  let reads = 0;
  const conns: RedisClient[] = [];

  const loop = async (group: readonly string[], i: number) => {
    const conn = opts.connect(`dashboard-tail-${i}`);
    conn.on('error', () => {});
    conns.push(conn);
    while (running) {
      try {
        const ids = group.map((k) => last.get(k) ?? '$');
        reads++;
        const reply = (await conn.xread(
          'COUNT',
          opts.count ?? 500,
          'BLOCK',
          opts.blockMs ?? 1000,
          'STREAMS',
          ...group,
          ...ids,
        )) as unknown;
        if (!Array.isArray(reply)) continue;
        for (const item of reply) {
          if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
          const key = item[0];
          const { entries } = parseEntries(item[1]);
          const lastEntry = entries[entries.length - 1];
          if (lastEntry) last.set(key, lastEntry.id);
          if (entries.length > 0) opts.onEntries(key, entries);
        }
      } catch (err) {
        if (!running) break;
        opts.logger.warn({ err }, 'stream tail read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const loops = opts.groups.map((g, i) => loop(g, i));
  let closing: Promise<void> | undefined;
  return {
    get reads() {
      return reads;
    },
    close() {
      closing ??= (async () => {
        running = false;
        for (const c of conns) c.disconnect();
        await Promise.allSettled(loops);
      })();
      return closing;
    },
  };
}
