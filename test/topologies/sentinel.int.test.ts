// The full pipeline (simulator → ingestor → 2 strategy workers → executor) on Redis Sentinel (1 master,
// 1 replica, 3 sentinels), with the master killed (SIGKILL) in the middle of trading. Proves that every
// component follows the promoted replica by itself and goes on, and that the chaos invariants hold across an
// asynchronous failover: no duplicate order in the venue's ledger (G2), and every intent ends with exactly
// one terminal event in {ns}:orders (G3).

import { startRedisSentinel, type TestSentinel } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTopologyStack, type TopologyStack, terminalsOf } from './stack.js';

let sentinel: TestSentinel;
let stack: TopologyStack | undefined;

beforeAll(async () => {
  sentinel = await startRedisSentinel();
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await sentinel?.stop();
}, 60_000);

describe('full pipeline on Redis Sentinel', () => {
  it('G2+G3 across a master failover: every component reconnects and goes on, no duplicate, one terminal each', async () => {
    const s = await startTopologyStack(sentinel.url, sentinel.ns);
    stack = s;
    await expect.poll(async () => (await s.intents()).length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(3);
    await expect
      .poll(async () => (await s.orderEvents()).filter((e) => e.event === 'acked').length, {
        timeout: 60_000,
        interval: 250,
      })
      .toBeGreaterThan(0);

    // Kill the master mid-run (no WAIT first: the newest writes may be lost, as in a real async failover).
    const old = await sentinel.killMaster();
    await expect.poll(() => sentinel.masterPort(), { timeout: 30_000, interval: 250 }).not.toBe(old);

    // The pipeline goes on by itself on the new master: new ticks, new intents, new acks.
    let before = new Set<string>();
    await expect
      .poll(
        async () => {
          before = new Set((await s.orderEvents()).filter((e) => e.event === 'acked').map((e) => e.intent_id));
          return before.size;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBeGreaterThan(0);
    await expect
      .poll(
        async () => {
          const { acked } = await readAfterFailover(s);
          return acked.filter((id) => !before.has(id)).length;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBeGreaterThan(2);
    await expect.poll(() => s.ingestor.lifecycle.state, { timeout: 30_000, interval: 250 }).toBe('running');
    for (const w of s.workers) {
      await expect.poll(() => w.lifecycle.state, { timeout: 30_000, interval: 250 }).toBe('running');
    }
    expect(s.executor.lifecycle.state).toBe('running');
    await s.stopFeed();

    // G3: every intent the new master knows ends with exactly one terminal event.
    await expect
      .poll(
        async () => {
          const [intents, events] = await Promise.all([s.intents(), s.orderEvents()]);
          return intents.filter((i) => terminalsOf(events, i.intent_id).length === 0).map((i) => i.intent_id);
        },
        { timeout: 90_000, interval: 500 },
      )
      .toEqual([]);
    const intents = await s.intents();
    const events = await s.orderEvents();
    for (const i of intents) expect(terminalsOf(events, i.intent_id)).toHaveLength(1);

    // G2: the venue's ledger has at most one order per client_order_id, and every order is a known intent
    // or one whose log entries the failover lost (its job was acked before the kill, then replayed).
    const ledger = s.sim.ledger();
    const perId = new Map<string, number>();
    for (const o of ledger) perId.set(String(o.client_order_id), (perId.get(String(o.client_order_id)) ?? 0) + 1);
    expect([...perId.values()].filter((n) => n > 1)).toEqual([]);
    for (const i of intents) {
      const t = terminalsOf(events, i.intent_id)[0];
      if (t?.event === 'acked') expect(perId.get(i.intent_id)).toBe(1);
    }
  }, 300_000);
});

async function readAfterFailover(s: TopologyStack): Promise<{ acked: string[] }> {
  try {
    const events = await s.orderEvents();
    return { acked: events.filter((e) => e.event === 'acked').map((e) => e.intent_id) };
  } catch {
    return { acked: [] };
  }
}
