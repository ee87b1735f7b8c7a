// The ingestor against the embedded simulator, through the shared venue client: the real token, market
// list, tiers and price feed, with the simulator's own faults.
import {
  createVenueClient,
  decodeTickStreamEntry,
  FeedEventContract,
  fieldsToRecord,
  keys,
  parseServerFrame,
  silentLogger,
  type VenueClient,
  wsUrl,
} from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { createSimulator, type Simulator } from '@polybot/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestor, type Ingestor } from '../src/index.js';

const PARTITIONS = 3;
let redis: TestRedis;
let sim: Simulator;
let venue: VenueClient;
let ingestor: Ingestor;

beforeAll(async () => {
  redis = await startRedis({ own: true });
  sim = await createSimulator({ seed: 7, markets: 8, tickMs: 10, limits: false });
  venue = createVenueClient({ baseUrl: sim.baseUrl, apiKey: sim.devApiKey, timeoutMs: 5_000, connections: 2 });
  ingestor = createIngestor({
    options: {
      ns: redis.ns,
      partitions: PARTITIONS,
      markets: 'auto:6',
      backoffBaseMs: 20,
      backoffMaxMs: 200,
      stallMs: 1_000,
      subscribeTimeoutMs: 2_000,
    },
    venue,
    wsUrl: (t) => wsUrl(sim.baseUrl, '/v1/ws/prices', t),
    parseFrame: parseServerFrame,
    redis: { url: redis.url },
    logger: silentLogger(),
  });
  await ingestor.start();
});

afterAll(async () => {
  await ingestor?.close();
  await venue?.close();
  await sim?.close();
  await redis?.stop();
});

async function entries() {
  const k = keys(redis.ns);
  const out = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const rows = (await redis.client().xrange(k.ticks(p), '-', '+')) as [string, string[]][];
    for (const [, flat] of rows) {
      const d = decodeTickStreamEntry(fieldsToRecord(flat));
      if (!d.ok) throw d.error;
      out.push(d.value);
    }
  }
  return out;
}

async function feedEvents(): Promise<string[]> {
  const rows = (await redis.client().xrange(keys(redis.ns).feed, '-', '+')) as [string, string[]][];
  return rows.map(([, flat]) => FeedEventContract.decode(fieldsToRecord(flat)).event);
}

describe('ingestor × simulator', () => {
  it('streams the top markets of the venue into the tick partitions', async () => {
    await vi.waitFor(() => expect(ingestor.lifecycle.state).toBe('running'), { timeout: 10_000 });
    const top = sim.marketIds.slice(0, 6);
    expect(ingestor.stats().markets.sort()).toEqual([...top].sort());
    await vi.waitFor(
      async () => {
        const seen = new Set((await entries()).filter((e) => e.type === 'tick').map((e) => e.market_id));
        expect(seen.size).toBe(6);
      },
      { timeout: 15_000 },
    );
    expect(await redis.client().xlen(keys(redis.ns).dead)).toBe(0);
  });

  it('dropped sockets: gap markers, reconnect, resubscribe, streaming again', async () => {
    const reconnects = ingestor.stats().connections.reduce((n, c) => n + c.reconnects, 0);
    expect(sim.faults.dropSockets()).toBeGreaterThan(0);
    await vi.waitFor(
      () => expect(ingestor.stats().connections.reduce((n, c) => n + c.reconnects, 0)).toBeGreaterThan(reconnects),
      { timeout: 10_000 },
    );
    await vi.waitFor(() => expect(ingestor.lifecycle.state).toBe('running'), { timeout: 10_000 });
    await vi.waitFor(async () => expect(await feedEvents()).toContain('gap_closed'), { timeout: 10_000 });
    expect((await entries()).some((e) => e.type === 'gap' && e.reason === 'disconnect')).toBe(true);
  });

  it('expired tokens (close 4001): a new token is minted and the feed resumes', async () => {
    const before = (await feedEvents()).filter((e) => e === 'token_minted').length;
    sim.faults.expireTokens();
    await vi.waitFor(
      async () => expect((await feedEvents()).filter((e) => e === 'token_minted').length).toBeGreaterThan(before),
      { timeout: 10_000 },
    );
    await vi.waitFor(() => expect(ingestor.lifecycle.state).toBe('running'), { timeout: 10_000 });
  });

  it('guarantee 6: malformed frames from the venue are dead-lettered, the process goes on', async () => {
    sim.faults.set({ malformedShare: 0.5 });
    await vi.waitFor(async () => expect(await redis.client().xlen(keys(redis.ns).dead)).toBeGreaterThan(5), {
      timeout: 10_000,
    });
    sim.faults.reset();
    const ticks = (await entries()).length;
    await vi.waitFor(async () => expect((await entries()).length).toBeGreaterThan(ticks + 5), { timeout: 10_000 });
    expect(ingestor.lifecycle.state).toBe('running');
  });
});
