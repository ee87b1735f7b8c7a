// The executor against the real local simulator (apps/simulator, started in-process as a peer) with its
// fault injection, checked in the simulator's own ledger (/_sim/ledger).
// G2 = no duplicate orders, G3 = exactly one terminal event per intent.

import { createVenueClient, keys, toMicro } from '@polybot/shared';
import { randomNamespace, startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectFromOrderLog } from '../src/projection/rebuild.js';
import {
  enqueue,
  makeJob,
  POLL,
  type RunningExecutor,
  readOrderEvents,
  startExecutor,
  type TestJob,
  terminalsOf,
} from './support/harness.js';
import { createSimulator, type Simulator } from './support/sim.js';

let r: TestRedis;
let sim: Simulator;
let running: RunningExecutor[] = [];
let quotes: { marketId: string; yes: number }[] = [];

beforeAll(async () => {
  r = await startRedis();
});
afterAll(async () => {
  await r?.stop();
});
beforeEach(async () => {
  // Slow price walk, so the worst price derived from the quote read here still holds at fill time.
  sim = await createSimulator({ seed: 11, markets: 6, tickMs: 60_000 });
  const client = createVenueClient({ baseUrl: sim.baseUrl, apiKey: sim.devApiKey, timeoutMs: 2000, connections: 1 });
  const markets = await client.markets({ limit: 10 });
  await client.close();
  quotes = [];
  for (const m of markets) {
    const yes = m.live_price?.outcomes?.find((o) => o.label === 'Yes')?.price ?? m.live_price?.buy;
    if (yes === undefined || yes === null || m.closed) continue;
    const p = toMicro(String(yes), 'half-up');
    if (p >= 100_000 && p <= 900_000) quotes.push({ marketId: m.condition_id, yes: p });
  }
});
afterEach(async () => {
  await Promise.all(running.map((x) => x.stop()));
  running = [];
  await sim?.close();
});

function jobsFor(ns: string, n: number): TestJob[] {
  expect(quotes.length).toBeGreaterThan(1);
  return Array.from({ length: n }, (_, i) => {
    const q = quotes[i % quotes.length] as { marketId: string; yes: number };
    return makeJob(ns, i, { marketId: q.marketId, refPrice: q.yes, quantity: 5_000_000 });
  });
}

async function start(ns: string, over: Parameters<typeof startExecutor>[3] = {}) {
  const ex = await startExecutor(r.url, ns, sim.baseUrl, {
    apiKey: sim.devApiKey,
    slippageBps: 1000,
    writesPerSec: 3,
    ...over,
  });
  running.push(ex);
  return ex;
}

async function expectOneOrderAndOneAckEach(ns: string, jobs: readonly TestJob[]) {
  await expect
    .poll(async () => (await readOrderEvents(r.client(), ns)).filter((e) => e.event === 'acked').length, {
      timeout: 30_000,
      interval: 200,
    })
    .toBe(jobs.length);
  const events = await readOrderEvents(r.client(), ns);
  const ledger = sim.ledger();
  for (const j of jobs) {
    const terms = terminalsOf(events, j.intent_id);
    expect(terms).toHaveLength(1);
    expect(terms[0]?.event).toBe('acked');
    expect(ledger.filter((o) => o.client_order_id === j.intent_id)).toHaveLength(1);
  }
  expect(ledger).toHaveLength(jobs.length);
  return events;
}

describe('executor against the simulator', () => {
  it('G2+G3: 503 SERVER_BUSY and persisted-then-503 PERSISTENCE_UNKNOWN faults end in one order per intent', async () => {
    sim.faults.set({ serverBusyShare: 0.3, ambiguousShare: 0.3, ambiguousMode: 'persistence_unknown' });
    const ns = randomNamespace('ex');
    const ex = await start(ns);
    const jobs = jobsFor(ns, 6);
    await enqueue(ex.bull, ns, jobs);
    const events = await expectOneOrderAndOneAckEach(ns, jobs);
    expect(events.some((e) => e.event === 'retrying' && e.code === 'SERVER_BUSY')).toBe(true);
    expect(events.filter((e) => e.event === 'reconciled').length).toBeGreaterThan(0);
  });

  it('G2+G3: persisted then hung or reset replies are reconciled without a second order', async () => {
    sim.faults.set({ ambiguousShare: 0.5, ambiguousMode: 'hang', hangMs: 2000 });
    const ns = randomNamespace('ex');
    const ex = await start(ns, { timeoutMs: 400 });
    const jobs = jobsFor(ns, 4);
    await enqueue(ex.bull, ns, jobs.slice(0, 2));
    await expect
      .poll(async () => (await readOrderEvents(r.client(), ns)).filter((e) => e.event === 'acked').length, {
        timeout: 15_000,
      })
      .toBe(2);
    sim.faults.set({ ambiguousMode: 'reset' });
    await enqueue(ex.bull, ns, jobs.slice(2));
    const events = await expectOneOrderAndOneAckEach(ns, jobs);
    expect(events.filter((e) => e.event === 'reconciled')).toHaveLength(2);
  });

  it('G2+G3: a 429 storm pauses the executor; afterwards every intent is placed once', async () => {
    sim.faults.set({ storm429: true });
    const ns = randomNamespace('ex');
    const ex = await start(ns);
    const jobs = jobsFor(ns, 4);
    await enqueue(ex.bull, ns, jobs);
    await expect
      .poll(async () => (await ex.executor.metrics.rateLimited.get()).values[0]?.value ?? 0)
      .toBeGreaterThan(0);
    sim.faults.set({ storm429: false });
    const events = await expectOneOrderAndOneAckEach(ns, jobs);
    for (const j of jobs) expect(terminalsOf(events, j.intent_id)[0]?.attempt).toBe(1);
  });

  it('the positions projection equals the simulator’s positions and cash after a mixed run', async () => {
    const ns = randomNamespace('ex');
    const ex = await start(ns);
    const buys = jobsFor(ns, 4).map((j) => ({ ...j, quantity: 10_000_000 }));
    await enqueue(ex.bull, ns, buys);
    await expectOneOrderAndOneAckEach(ns, buys);
    const q0 = quotes[0] as { marketId: string; yes: number };
    const sell = makeJob(ns, 100, { marketId: q0.marketId, refPrice: q0.yes, side: 'SELL', quantity: 5_000_000 });
    await enqueue(ex.bull, ns, [sell]);
    await expectOneOrderAndOneAckEach(ns, [...buys, sell]);
    // Settling (projection, risk ledger) follows the terminal event.
    await expect.poll(async () => r.client().hget(keys(ns).positions, 'fills'), POLL).toBe('5');

    const client = createVenueClient({ baseUrl: sim.baseUrl, apiKey: sim.devApiKey, timeoutMs: 2000, connections: 1 });
    const [{ positions }, { balance }] = await Promise.all([client.positions({ status: 'OPEN' }), client.balance()]);
    await client.close();
    const proj = await r.client().hgetall(keys(ns).positions);
    expect(positions.length).toBeGreaterThan(1);
    for (const p of positions) {
      expect(proj[`qty:${p.market_id}|${p.outcome}`]).toBe(String(toMicro(p.quantity)));
    }
    const projected = Object.entries(proj).filter(([f, v]) => f.startsWith('qty:') && v !== '0');
    expect(projected).toHaveLength(positions.length);
    // Cash: starting balance + projected cash delta = the venue's cash.
    expect(toMicro(balance.starting_balance ?? '0') + Number(proj.cash)).toBe(toMicro(balance.balance));
    // And the projection is rebuildable from {ns}:orders alone.
    const rebuilt = await projectFromOrderLog(r.client(), ns);
    expect(rebuilt).toMatchObject({ applied: 5, invalid: 0, missing: 0 });
    expect(rebuilt.projection).toEqual(proj);

    // No drift now; a trade made outside polybot on the same account is reported as drift.
    expect(await ex.executor.checkDrift()).toEqual({ ok: true, positions: [], cash: 0 });
    const outside = createVenueClient({ baseUrl: sim.baseUrl, apiKey: sim.devApiKey, timeoutMs: 2000, connections: 1 });
    const q1 = quotes[1] as { marketId: string; yes: number };
    await outside.placeOrder(
      { market_id: q1.marketId, side: 'BUY', outcome: 'Yes', quantity: '5', price: '0.99', order_type: 'market' },
      { idempotencyKey: 'manual-trade-1' },
    );
    await outside.close();
    const drift = await ex.executor.checkDrift();
    expect(drift).toMatchObject({ ok: true, positions: [{ key: `${q1.marketId}|Yes`, venue: 15_000_000 }] });
    expect((await ex.executor.metrics.driftPositions.get()).values[0]?.value).toBe(1);
  });
});
