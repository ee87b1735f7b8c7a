// The clean single-worker run of guarantee 3: the chaos run's tick streams, copied entry for entry (same
// ids, same order, garbage and gaps included) into a fresh namespace, processed by ONE strategy worker
// process that nobody kills, with the gate's time- and history-dependent limits open (no staleness, caps,
// cooldown or budget). What it decides is what the chaos run had to decide; the comparison lives in
// invariants.ts (checkCleanRun).

import { type ChildProcess, spawn } from 'node:child_process';
import { type Intent, keys, readTallies } from '@polybot/shared';
import { freePort } from '@polybot/shared/testing';
import type { Redis } from 'ioredis';
import { readGroups, readLogs } from './collect.js';
import { checkGroupsDrained } from './invariants.js';
import { repoRoot } from './stack.js';

/** Copies every tick partition of `fromNs` into `toNs` with the same entry ids. Returns the entries copied. */
export async function copyTickStreams(c: Redis, fromNs: string, toNs: string, partitions: number): Promise<number> {
  const from = keys(fromNs);
  const to = keys(toNs);
  let copied = 0;
  for (let p = 0; p < partitions; p++) {
    let start = '-';
    for (;;) {
      // Raw pages (not parsed): a garbage entry is copied as it is, to be dead-lettered again.
      const page = (await c.xrange(from.ticks(p), start, '+', 'COUNT', 2000)) as [string, string[]][];
      if (page.length === 0) break;
      const pipe = c.pipeline();
      for (const [id, fields] of page) pipe.xadd(to.ticks(p), id, ...fields);
      for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
      copied += page.length;
      if (page.length < 2000) break;
      start = `(${(page.at(-1) as [string, string[]])[0]}`;
    }
  }
  return copied;
}

/** The gate's blocked verdicts in a namespace (intent id → reason), from its per-intent records. */
export async function readBlocked(c: Redis, ns: string): Promise<Map<string, string>> {
  const prefix = keys(ns).risk('intent:');
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, found] = await c.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    const pipe = c.pipeline();
    for (const key of found) pipe.hmget(key, 'st', 'r');
    const replies = (await pipe.exec()) ?? [];
    found.forEach((key, i) => {
      const [err, value] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const [st, reason] = value as (string | null)[];
      if (st === 'blocked') out.set(key.slice(prefix.length), reason ?? '?');
    });
  } while (cursor !== '0');
  return out;
}

export interface CleanRun {
  intents: Intent[];
  blocked: Map<string, string>;
  /** The worker's exit: a clean run ends with SIGTERM and code 0. */
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** Its last lines, for a failure message. */
  tail: string[];
}

/**
 * Runs one strategy worker process over `ns` (already holding the copied streams) until every partition is
 * drained and counted, then stops it with SIGTERM. `env` carries the strategy and partitions of the chaos run.
 */
export async function runCleanWorker(opts: {
  c: Redis;
  redisUrl: string;
  ns: string;
  partitions: number;
  env: Record<string, string>;
  timeoutMs: number;
}): Promise<CleanRun> {
  const { c, ns, partitions } = opts;
  const tail: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [`${repoRoot}apps/strategy/dist/main.js`], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      REDIS_URL: opts.redisUrl,
      POLYBOT_NS: ns,
      METRICS_PORT: String(await freePort()),
      ...opts.env,
      // Open limits: only what the ticks themselves decide (not tradable, untrusted after a gap) can block.
      RISK_STALE_MS: String(10 * 365 * 86_400_000),
      RISK_MAX_POSITION: '1000000000',
      RISK_MAX_EXPOSURE: '1000000000',
      RISK_COOLDOWN_MS: '0',
      RISK_ORDERS_PER_MIN: '1000000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    for (const line of String(d).split('\n')) if (line) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<CleanRun['exit']>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const k = keys(ns);
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      const [groups, tallies] = await Promise.all([readGroups(c, ns, partitions), readTallies(c, k, partitions)]);
      const drained = groups.length > 0 && checkGroupsDrained(groups).every((x) => x.ok);
      if (drained && tallies.every((t) => t.accounted === t.entriesAdded)) break;
      if (Date.now() > deadline) throw new Error(`clean run did not drain within ${opts.timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  const exit = await exited;
  const [logs, blocked] = await Promise.all([readLogs(c, ns), readBlocked(c, ns)]);
  return { intents: logs.intents, blocked, exit, tail };
}
