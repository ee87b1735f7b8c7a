// Dead-man switch: while polybot is healthy, POST /v1/heartbeats every interval/3, so the venue cancels
// resting orders if polybot dies. It deliberately stops beating when the halt switch is on or the price
// feed is stale (no tick in any partition for `feedStaleMs`): then the venue cancels resting orders too.

import { type Clock, keys, type Logger, type RedisClient, systemClock } from '@polybot/shared';
import type { ExecutorVenue } from '../venue/venue-port.js';

export type HeartbeatState = 'beating' | 'halted' | 'feed_stale' | 'failing';

export interface HeartbeatOptions {
  venue: ExecutorVenue;
  redis: RedisClient;
  ns: string;
  /** The venue cancels resting orders after interval + max(1 s, 25 %) without a beat. 1000..60000 ms. */
  intervalMs: number;
  /** Tick partitions to look at for feed freshness. */
  partitions: number;
  /** A feed with no tick for this long is stale. */
  feedStaleMs: number;
  logger: Logger;
  clock?: Clock;
  onState?: (state: HeartbeatState) => void;
}

export interface Heartbeat {
  /** One decision and (maybe) one beat; what the timer runs. */
  beat(): Promise<HeartbeatState>;
  start(): void;
  stop(): Promise<void>;
}

/** Newest tick time across partitions, from stream ids (ms-seq), without decoding entries. */
async function newestTickMs(redis: RedisClient, ns: string, partitions: number): Promise<number | undefined> {
  const k = keys(ns);
  const replies = await Promise.all(
    Array.from({ length: partitions }, (_, p) => redis.xrevrange(k.ticks(p), '+', '-', 'COUNT', 1)),
  );
  let newest: number | undefined;
  for (const r of replies) {
    const id = r[0]?.[0];
    const ms = id === undefined ? Number.NaN : Number(id.split('-')[0]);
    if (Number.isFinite(ms) && (newest === undefined || ms > newest)) newest = ms;
  }
  return newest;
}

export function createHeartbeat(o: HeartbeatOptions): Heartbeat {
  const clock = o.clock ?? systemClock;
  const log = o.logger.child({ component: 'heartbeat' });
  const interval = Math.min(60_000, Math.max(1000, Math.round(o.intervalMs)));
  let state: HeartbeatState | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<HeartbeatState> | undefined;

  const set = (next: HeartbeatState, detail?: Record<string, unknown>) => {
    if (next !== state) {
      const level = next === 'beating' ? 'info' : 'warn';
      log[level]({ state: next, ...(detail ?? {}) }, 'dead-man switch state');
      state = next;
      o.onState?.(next);
    }
    return next;
  };

  async function beat(): Promise<HeartbeatState> {
    try {
      if ((await o.redis.exists(keys(o.ns).halt)) === 1) return set('halted');
      const newest = await newestTickMs(o.redis, o.ns, o.partitions);
      if (newest === undefined || clock.now() - newest > o.feedStaleMs) return set('feed_stale');
    } catch (err) {
      return set('failing', { err: String(err) });
    }
    if (!o.venue.heartbeat) return set('failing', { reason: 'venue has no heartbeat' });
    const r = await o.venue.heartbeat(interval);
    return r.ok ? set('beating') : set('failing', { failure: r.failure.kind });
  }

  const tick = () => {
    running ??= beat().finally(() => {
      running = undefined;
    });
  };

  return {
    beat,
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, Math.max(250, Math.floor(interval / 3)));
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
