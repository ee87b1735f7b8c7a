// The dead-man switch against the simulator: it beats only while the feed is fresh and the halt switch is
// off, so a halted or blind polybot lets the venue cancel its resting orders.

import { createVenueClient, keys, silentLogger } from '@polybot/shared';
import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeartbeat } from '../src/ops/heartbeat.js';
import { venueFromClient } from '../src/venue/shared-venue.js';
import { createSimulator, type Simulator } from './support/sim.js';

let r: TestRedis;
let sim: Simulator;

beforeAll(async () => {
  r = await startRedis();
  sim = await createSimulator({ seed: 3, markets: 2 });
});
afterAll(async () => {
  await sim?.close();
  await r?.stop();
});

describe('dead-man switch', () => {
  it('beats while the feed is fresh, stops when the feed is stale or the halt switch is on', async () => {
    const ns = randomNamespace('hb');
    const k = keys(ns);
    const client = createVenueClient({ baseUrl: sim.baseUrl, apiKey: sim.devApiKey, timeoutMs: 2000, connections: 1 });
    const states: string[] = [];
    const hb = createHeartbeat({
      venue: venueFromClient(client),
      redis: r.client(),
      ns,
      intervalMs: 5000,
      partitions: 2,
      feedStaleMs: 60_000,
      logger: silentLogger(),
      onState: (s) => states.push(s),
    });
    try {
      expect(await hb.beat()).toBe('feed_stale');
      await r.client().xadd(k.ticks(1), '*', 'v', '1');
      expect(await hb.beat()).toBe('beating');
      await r.client().set(k.halt, '{"reason":"test"}');
      expect(await hb.beat()).toBe('halted');
      await r.client().del(k.halt);
      expect(await hb.beat()).toBe('beating');
      expect(states).toEqual(['feed_stale', 'beating', 'halted', 'beating']);
    } finally {
      await hb.stop();
      await client.close();
    }
  });
});
