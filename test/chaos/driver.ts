// The seeded chaos driver. One PRNG (mulberry32) decides every action, its target and its timing, so a
// seed names a schedule; what the processes do under it is as deterministic as real OS processes allow.
// Actions: SIGKILL a process and restart it; restart Redis (AOF, appendfsync always); drop, stall and
// 4001-close the venue's sockets; 5xx, ambiguous, latency, 429 and malformed-frame fault windows; garbage
// entries in a tick stream; the halt switch. Every action is counted and logged with its time.

import { keys } from '@polybot/shared';
import type { TestRedis } from '@polybot/shared/testing';
import type { Stack } from './stack.js';

/** mulberry32: a small, fast, seeded PRNG; next() ∈ [0, 1). */
export function createRng(seed: number): {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
} {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('pick from an empty list');
      return xs[Math.floor(next() * xs.length)] as T;
    },
  };
}

export interface ChaosCounts {
  kills: number;
  restarts: number;
  redisRestarts: number;
  socketDrops: number;
  tokenExpiries: number;
  stalls: number;
  faultWindows: number;
  garbageEntries: number;
  haltToggles: number;
  /** Processes found dead that the driver had not killed (restarted, and reported by the exits check). */
  unexpectedRestarts: number;
  /** `<stream> <id>` of every garbage entry written: each must come back as a dead letter's origin. */
  garbageOrigins: string[];
}

export interface ChaosOptions {
  seed: number;
  durationMs: number;
  stack: Stack;
  redis: TestRedis;
  ns: string;
  partitions: number;
  /** Restart Redis this many times (spread over the run). */
  redisRestarts: number;
  log: (line: string) => void;
}

type Action =
  | 'kill'
  | 'drop-sockets'
  | 'expire-tokens'
  | 'stall'
  | 'busy'
  | 'ambiguous'
  | 'latency'
  | 'storm429'
  | 'malformed'
  | 'garbage'
  | 'halt';

const WEIGHTS: readonly [Action, number][] = [
  ['kill', 5],
  ['drop-sockets', 1],
  ['expire-tokens', 1],
  ['stall', 1],
  ['busy', 1],
  ['ambiguous', 2],
  ['latency', 1],
  ['storm429', 1],
  ['malformed', 1],
  ['garbage', 1],
  ['halt', 1],
];

async function post(url: string, body?: unknown): Promise<void> {
  const r = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`);
}

/** Garbage a buggy or foreign writer could leave in a tick stream; the strategy must dead-letter and skip it. */
function garbageFields(i: number): string[] {
  const variants: string[][] = [
    ['junk', 'yes'],
    ['v', '1', 'type', 'tick', 'market_id', 'not-a-market', 'yes', 'abc'],
    ['v', '999', 'type', 'spaceship'],
    ['v', '1', 'type', 'tick', 'market_id', `0x${'f'.repeat(64)}`, 'yes', '-1', 'no', 'NaN', 'emit_ts_ms', 'soon'],
    ['type', 'gap'],
  ];
  return variants[i % variants.length] as string[];
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosCounts> {
  const { stack, redis, log } = opts;
  const rng = createRng(opts.seed);
  const k = keys(opts.ns);
  const c = redis.client();
  const counts: ChaosCounts = {
    kills: 0,
    restarts: 0,
    redisRestarts: 0,
    socketDrops: 0,
    tokenExpiries: 0,
    stalls: 0,
    faultWindows: 0,
    garbageEntries: 0,
    haltToggles: 0,
    unexpectedRestarts: 0,
    garbageOrigins: [],
  };
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const pending = new Set<Promise<void>>();
  const later = (ms: number, fn: () => Promise<void>) => {
    const p: Promise<void> = new Promise<void>((r) => setTimeout(r, ms))
      .then(fn)
      .catch((err: unknown) => log(`${elapsed()} chaos follow-up failed: ${String(err)}`))
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  // Ending a fault window or a halt must happen even when Redis is restarting or the venue's control route is
  // slow at that moment: retried (each failure logged) instead of leaving the window open until the run ends.
  const undo = (ms: number, fn: () => Promise<void>) =>
    later(ms, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await fn();
          return;
        } catch (err) {
          if (attempt >= 20) throw err;
          log(`${elapsed()} undoing a chaos action failed (attempt ${attempt}, retrying): ${String(err)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    });
  const restarting = new Set<string>();
  const faults = (patch: Record<string, unknown>) => post(`${stack.simUrl}/_sim/faults`, patch);
  // Redis restarts at fixed fractions of the run, so every seed gets them and none lands at the very end.
  const redisAt = Array.from(
    { length: opts.redisRestarts },
    (_, i) => ((i + 1) / (opts.redisRestarts + 1)) * opts.durationMs,
  );
  let garbage = 0;

  while (Date.now() - t0 < opts.durationMs) {
    await new Promise((r) => setTimeout(r, rng.int(250, 1200)));
    // A process that died without the driver is a finding: restart it so the run goes on.
    for (const name of stack.killable) {
      if (!restarting.has(name) && !stack.running(name)) {
        counts.unexpectedRestarts++;
        log(`${elapsed()} ${name} found dead (not killed by the driver); restarting`);
        restarting.add(name);
        later(0, async () => {
          try {
            await stack.start(name);
          } finally {
            restarting.delete(name);
          }
        });
      }
    }
    if (redisAt.length > 0 && Date.now() - t0 >= (redisAt[0] as number)) {
      redisAt.shift();
      const downMs = rng.int(200, 1500);
      log(`${elapsed()} redis restart (down ${downMs} ms)`);
      await redis.restart({ downMs });
      counts.redisRestarts++;
      continue;
    }
    const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
    let roll = rng.next() * total;
    let action: Action = 'kill';
    for (const [a, w] of WEIGHTS) {
      roll -= w;
      if (roll < 0) {
        action = a;
        break;
      }
    }
    const hold = rng.int(1000, 4000);
    try {
      switch (action) {
        case 'kill': {
          const candidates = stack.killable.filter((n) => !restarting.has(n) && stack.running(n));
          if (candidates.length === 0) break;
          const name = rng.pick(candidates);
          const downMs = rng.int(100, 2500);
          log(`${elapsed()} SIGKILL ${name} (pid ${stack.pid(name)}), restart in ${downMs} ms`);
          restarting.add(name);
          await stack.kill(name);
          counts.kills++;
          later(downMs, async () => {
            try {
              await stack.start(name);
              counts.restarts++;
            } finally {
              restarting.delete(name);
            }
          });
          break;
        }
        case 'drop-sockets':
          log(`${elapsed()} drop venue sockets`);
          await post(`${stack.simUrl}/_sim/drop-sockets`);
          counts.socketDrops++;
          break;
        case 'expire-tokens':
          log(`${elapsed()} expire WS tokens (close 4001)`);
          await post(`${stack.simUrl}/_sim/expire-tokens`);
          counts.tokenExpiries++;
          break;
        case 'stall':
          log(`${elapsed()} stall feeds for ${hold} ms`);
          await faults({ stallFeeds: true });
          counts.stalls++;
          undo(hold, () => faults({ stallFeeds: false }));
          break;
        case 'busy': {
          const share = rng.pick([0.2, 0.5, 1]);
          log(`${elapsed()} 503 SERVER_BUSY share ${share} for ${hold} ms`);
          await faults({ serverBusyShare: share });
          counts.faultWindows++;
          undo(hold, () => faults({ serverBusyShare: 0 }));
          break;
        }
        case 'ambiguous': {
          const mode = rng.pick(['persistence_unknown', 'hang', 'reset'] as const);
          const share = rng.pick([0.3, 0.5, 1]);
          log(`${elapsed()} ambiguous ${mode} share ${share} for ${hold} ms`);
          await faults({ ambiguousShare: share, ambiguousMode: mode, hangMs: 3000 });
          counts.faultWindows++;
          undo(hold, () => faults({ ambiguousShare: 0 }));
          break;
        }
        case 'latency': {
          const ms = rng.pick([100, 400, 1500]);
          log(`${elapsed()} latency ${ms} ms for ${hold} ms`);
          await faults({ latencyMs: ms });
          counts.faultWindows++;
          undo(hold, () => faults({ latencyMs: 0 }));
          break;
        }
        case 'storm429':
          log(`${elapsed()} 429 storm for ${hold} ms`);
          await faults({ storm429: true });
          counts.faultWindows++;
          undo(hold, () => faults({ storm429: false }));
          break;
        case 'malformed':
          log(`${elapsed()} malformed frames share 0.3 for ${hold} ms`);
          await faults({ malformedShare: 0.3 });
          counts.faultWindows++;
          undo(hold, () => faults({ malformedShare: 0 }));
          break;
        case 'garbage': {
          const p = rng.int(0, opts.partitions - 1);
          const fields = garbageFields(garbage++);
          log(`${elapsed()} garbage entry into ${k.ticks(p)}: ${fields.join(' ')}`);
          const id = await c.xadd(k.ticks(p), '*', ...fields);
          counts.garbageEntries++;
          counts.garbageOrigins.push(`${k.ticks(p)} ${id}`);
          break;
        }
        case 'halt':
          log(`${elapsed()} halt for ${hold} ms`);
          await c.set(k.halt, '1');
          counts.haltToggles++;
          undo(hold, async () => {
            await c.del(k.halt);
          });
          break;
      }
    } catch (err) {
      // The venue's control routes can be slow under the latency fault and Redis can be restarting:
      // a failed chaos action is logged, not fatal.
      log(`${elapsed()} chaos action ${action} failed: ${String(err)}`);
    }
  }
  log(`${elapsed()} chaos stops; waiting for restarts and fault windows to end`);
  while (pending.size > 0) await Promise.all([...pending]);
  // Leave everything healthy: no fault, no halt, every process running.
  await post(`${stack.simUrl}/_sim/faults/reset`);
  await c.del(k.halt);
  for (const name of stack.killable) {
    if (!stack.running(name)) {
      counts.unexpectedRestarts++;
      log(`${elapsed()} ${name} found dead at the end; restarting`);
      await stack.start(name);
    }
  }
  return counts;
}
