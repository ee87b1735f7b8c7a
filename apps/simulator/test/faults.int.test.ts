// Each fault does what it says; the guarantee named is what polybot's clients rely on.

import { ManualClock } from '@polybot/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Simulator } from '../src/index.js';
import { call, KEY, mintToken, openPrices, openWs, startSim, type WsClient } from './helpers.js';

const sims: Simulator[] = [];
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
});
async function sim(opts: Parameters<typeof startSim>[0] = {}): Promise<Simulator> {
  const s = await startSim({ limits: false, ...opts });
  sims.push(s);
  return s;
}
async function activeMarket(s: Simulator): Promise<string> {
  return (await call(s, 'GET', '/v1/markets?active_only=true')).body[0].condition_id;
}
const prices = (c: WsClient) => c.frames.filter((f) => f.type === 'price');

describe('fault injection', () => {
  it('drop sockets: every WS connection is cut without a close frame', async () => {
    const s = await sim();
    const c = await openPrices(s);
    await vi.waitFor(() => expect(c.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
    const r = await call(s, 'POST', '/_sim/drop-sockets');
    expect(r.body).toEqual({ dropped: 1 });
    expect((await c.closed).code).toBe(1006);
  });

  it('stall feeds: the socket stays open and answers pings but carries no price frames', async () => {
    const s = await sim({ tickMs: 10 });
    const c = await openPrices(s);
    clients.push(c);
    c.send({ action: 'subscribe', markets: s.marketIds.slice(0, 3) });
    await vi.waitFor(() => expect(prices(c).length).toBeGreaterThan(3), { timeout: 10_000 });
    await call(s, 'POST', '/_sim/faults', { body: { stallFeeds: true } });
    // A pong on the same socket proves every frame sent before it has arrived.
    const pongs = () => c.frames.filter((f) => f.type === 'pong').length;
    c.send({ action: 'ping' });
    await vi.waitFor(() => expect(pongs()).toBe(1), { timeout: 10_000 });
    const seen = prices(c).length;
    const stalled = s.stats().faults.stalled_frames;
    await vi.waitFor(() => expect(s.stats().faults.stalled_frames).toBeGreaterThan(stalled + 10), { timeout: 10_000 });
    c.send({ action: 'ping' });
    await vi.waitFor(() => expect(pongs()).toBe(2), { timeout: 10_000 });
    expect(prices(c).length).toBe(seen);
    expect(c.closeInfo).toBeUndefined();
    s.faults.set({ stallFeeds: false });
    await vi.waitFor(() => expect(prices(c).length).toBeGreaterThan(seen), { timeout: 10_000 });
  });

  it('expire tokens: open sockets close 4001, old tokens are refused, a fresh token works', async () => {
    const s = await sim();
    const token = await mintToken(s);
    const c = await openWs(`${s.wsUrl}/v1/ws/prices?token=${token}`);
    await vi.waitFor(() => expect(c.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
    await call(s, 'POST', '/_sim/expire-tokens');
    expect((await c.closed).code).toBe(4001);
    const again = await openWs(`${s.wsUrl}/v1/ws/prices?token=${token}`);
    expect((await again.closed).code).toBe(4001);
    const fresh = await openPrices(s);
    clients.push(fresh);
    await vi.waitFor(() => expect(fresh.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
  });

  it('short token TTL: tokens minted under the fault expire early', async () => {
    const clock = new ManualClock(Date.parse('2026-05-11T20:30:00Z'));
    const s = await sim({ clock, faults: { tokenTtlMs: 1000 } });
    const token = await mintToken(s);
    clock.advance(1001);
    const c = await openWs(`${s.wsUrl}/v1/ws/prices?token=${token}`);
    expect((await c.closed).code).toBe(4001);
  });

  it('HTTP latency: replies are held back by the configured delay', async () => {
    const s = await sim({ faults: { latencyMs: 2000 } });
    await expect(
      fetch(`${s.baseUrl}/v1/markets`, { headers: { 'x-api-key': KEY }, signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect((await call(s, 'GET', '/v1/health', { key: null })).status).toBe(200);
    s.faults.reset();
    expect((await call(s, 'GET', '/v1/markets')).status).toBe(200);
  });

  it('server busy share: the shared fraction gets 503 SERVER_BUSY with Retry-After and nothing is placed', async () => {
    const s = await sim({ faults: { serverBusyShare: 0.5 } });
    const id = await activeMarket(s);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(s, 'POST', '/v1/orders', {
        body: { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5' },
        headers: { 'idempotency-key': `busy-${i}` },
      });
      statuses.push(r.status);
      if (r.status === 503) {
        expect(r.body.error).toBe('SERVER_BUSY');
        expect(r.headers.get('retry-after')).toBe('1');
      }
    }
    expect(statuses.filter((x) => x === 503)).toHaveLength(2);
    expect(s.ledger().length).toBe(statuses.filter((x) => x === 200).length);
  });

  it('ambiguous PERSISTENCE_UNKNOWN: the order is persisted once; reconcile finds it and a retry replays it', async () => {
    const s = await sim({ faults: { ambiguousShare: 1 } });
    const id = await activeMarket(s);
    const body = { market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5' };
    const headers = { 'idempotency-key': 'amb-1' };
    const r = await call(s, 'POST', '/v1/orders', { body, headers });
    expect(r.status).toBe(503);
    expect(r.body.error).toBe('PERSISTENCE_UNKNOWN');
    expect(r.headers.get('retry-after')).toBeNull();
    const found = await call(s, 'GET', '/v1/orders?client_order_id=amb-1');
    expect(found.body.orders).toHaveLength(1);
    s.faults.reset();
    const retry = await call(s, 'POST', '/v1/orders', { body, headers });
    expect(retry.body).toMatchObject({ is_replay: true, order_id: found.body.orders[0].order_id });
    expect(s.ledger().filter((o) => o.client_order_id === 'amb-1')).toHaveLength(1);
  });

  it('ambiguous reset and hang: the connection dies without a reply, yet the order is persisted', async () => {
    const s = await sim({ faults: { ambiguousShare: 1, ambiguousMode: 'reset' } });
    const id = await activeMarket(s);
    const post = (key: string) =>
      fetch(`${s.baseUrl}/v1/orders`, {
        method: 'POST',
        headers: { 'x-api-key': KEY, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ market_id: id, side: 'BUY', outcome: 'Yes', quantity: '5' }),
      });
    await expect(post('reset-1')).rejects.toThrow();
    s.faults.set({ ambiguousMode: 'hang', hangMs: 300 });
    await expect(post('hang-1')).rejects.toThrow();
    const keys = s.ledger().map((o) => o.client_order_id);
    expect(keys).toEqual(['reset-1', 'hang-1']);
  });

  it('429 storm: every authenticated request is refused with Retry-After until cleared', async () => {
    const s = await sim({ faults: { storm429: true } });
    for (const path of ['/v1/markets', '/v1/account/balance']) {
      const r = await call(s, 'GET', path);
      expect(r.status).toBe(429);
      expect(r.body.error).toBe('RATE_LIMIT_EXCEEDED');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    await call(s, 'POST', '/_sim/faults/reset');
    expect((await call(s, 'GET', '/v1/markets')).status).toBe(200);
  });

  it('malformed frames: garbage arrives on the open feed, then clean frames again', async () => {
    const s = await sim({ tickMs: 10, faults: { malformedShare: 1 } });
    const c = await openPrices(s);
    clients.push(c);
    c.send({ action: 'subscribe', markets: s.marketIds.slice(0, 3) });
    await vi.waitFor(() => expect(s.stats().faults.malformed_frames).toBeGreaterThan(5), { timeout: 10_000 });
    expect(c.frames.some((f) => 'unparsable' in f)).toBe(true);
    expect(prices(c).every((f) => typeof f.buy !== 'string' || f.condition_id === undefined)).toBe(true);
    s.faults.reset();
    await vi.waitFor(() => expect(prices(c).some((f) => typeof f.buy === 'string' && f.emit_ts_ms > 0)).toBe(true), {
      timeout: 10_000,
    });
    expect(c.closeInfo).toBeUndefined();
  });

  it('/_sim is absent outside dev mode, and bad fault settings are a 422', async () => {
    const s = await sim();
    expect((await call(s, 'POST', '/_sim/faults', { body: { serverBusyShare: 2 } })).status).toBe(422);
    const off = await sim({ devMode: false, apiKeys: [KEY] });
    expect((await call(off, 'GET', '/_sim/ledger')).status).toBe(404);
    expect((await call(off, 'GET', '/v1/markets')).status).toBe(200);
    expect((await call(off, 'GET', '/v1/markets', { key: `ps_live_${'c3'.repeat(32)}` })).status).toBe(401);
  });
});
