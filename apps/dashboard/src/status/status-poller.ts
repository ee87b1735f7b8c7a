// One status poll per dashboard server (not per browser): the shared status collection, the halt switch,
// the portfolio marked at the last ticks, strategy worker heartbeats and the /readyz of known processes,
// broadcast to every client. It also keeps the P&L history the page charts.

import { type Clock, collectStatus, keys, type Lifecycle, type RedisClient, readHaltSwitch } from '@polybot/shared';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PnlPoint, ProcessView, StatusView } from '../live/page-events.js';
import { portfolioFrom } from './portfolio.js';

export interface ProcessProbe {
  name: string;
  /** A /readyz URL. */
  url: string;
}

export interface StatusPollerOptions {
  redis: RedisClient;
  ns: string;
  partitions: number;
  clock: Clock;
  logger: Logger;
  probes: readonly ProcessProbe[];
  lastPrices: () => ReadonlyMap<string, { yes: number; no: number }>;
  onStatus: (s: StatusView, pnl: PnlPoint) => void;
  /** Poll interval (default 1000 ms). */
  intervalMs?: number;
  /** P&L points kept (default 3600). */
  pnlPoints?: number;
  /** Turns degraded while polls fail, running again after a success. */
  lifecycle?: Lifecycle;
}

const ReadyzBody = z.object({
  ready: z.boolean(),
  components: z.array(z.object({ name: z.string(), state: z.string(), reason: z.string().nullable().optional() })),
});

async function probe(p: ProcessProbe): Promise<ProcessView> {
  try {
    const res = await fetch(p.url, { signal: AbortSignal.timeout(800) });
    const parsed = ReadyzBody.safeParse(await res.json().catch(() => null));
    if (!parsed.success) return { name: p.name, state: res.ok ? 'running' : 'starting' };
    const states = parsed.data.components.map((c) => c.state);
    const state = parsed.data.ready ? 'running' : (states.find((s) => s !== 'running') ?? 'starting');
    const reason = parsed.data.components.find((c) => c.reason)?.reason;
    return { name: p.name, state, ...(reason ? { detail: reason } : {}) };
  } catch {
    return { name: p.name, state: 'down' };
  }
}

export interface StatusPoller {
  readonly latest: StatusView | null;
  readonly pnl: readonly PnlPoint[];
  /** Polls once now, or joins the poll in flight (the timer uses it). */
  poll(): Promise<void>;
  /** A poll that starts after this call (e.g. after a control action changed the halt switch). */
  refresh(): Promise<void>;
  close(): void;
}

export function startStatusPoller(opts: StatusPollerOptions): StatusPoller {
  const k = keys(opts.ns);
  const pnl: PnlPoint[] = [];
  const maxPoints = opts.pnlPoints ?? 3600;
  let latest: StatusView | null = null;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const once = async () => {
    const at = opts.clock.now();
    const [s, halt, projection, workers, procs] = await Promise.all([
      collectStatus({ redis: opts.redis, ns: opts.ns, partitions: opts.partitions, now: () => at }),
      readHaltSwitch(opts.redis, opts.ns),
      opts.redis.type(k.positions).then((t) => (t === 'hash' ? opts.redis.hgetall(k.positions) : {})),
      opts.redis.zrange(k.workers, 0, -1, 'WITHSCORES'),
      Promise.all(opts.probes.map(probe)),
    ]);
    const processes: ProcessView[] = [...procs];
    for (let i = 0; i + 1 < workers.length; i += 2) {
      const ago = Math.max(0, Math.round(at - Number(workers[i + 1])));
      processes.push({ name: `worker ${workers[i]}`, state: 'heartbeat', detail: `${ago} ms ago` });
    }
    const portfolio = portfolioFrom(projection, opts.lastPrices());
    latest = {
      at,
      halted: halt !== null,
      haltReason: halt?.reason ?? null,
      ticks: s.ticks,
      intents: s.intents,
      deadLetters: s.deadLetters,
      partitions: s.partitions,
      connections: s.connections,
      queue: s.queue,
      orders: s.orders,
      processes,
      portfolio,
    };
    const point: PnlPoint = {
      t: Math.round(at),
      realised: portfolio.realised,
      unrealised: portfolio.unrealised,
      fees: portfolio.fees,
    };
    pnl.push(point);
    if (pnl.length > maxPoints) pnl.splice(0, pnl.length - maxPoints);
    opts.onStatus(latest, point);
  };

  const poll = () => {
    inFlight ??= once()
      .then(
        () => {
          if (opts.lifecycle?.state === 'degraded' || opts.lifecycle?.state === 'starting')
            opts.lifecycle.transition('running');
        },
        (err: unknown) => {
          opts.logger.warn({ err }, 'status poll failed');
          if (opts.lifecycle?.state === 'running') opts.lifecycle.transition('degraded', 'status poll failed');
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const timer = setInterval(() => {
    if (!closed) void poll();
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return {
    get latest() {
      return latest;
    },
    get pnl() {
      return pnl;
    },
    poll,
    async refresh() {
      if (inFlight) await inFlight;
      await poll();
    },
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
