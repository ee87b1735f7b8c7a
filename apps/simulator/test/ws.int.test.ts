import { ManualClock } from '@polybot/shared';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Simulator } from '../src/index.js';
import { call, mintToken, openPrices, openWs, startSim, type WsClient } from './helpers.js';

const T0 = Date.parse('2026-05-11T20:30:00Z');
const sims: Simulator[] = [];
const clients: WsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const s of sims.splice(0)) await s.close();
});

async function sim(opts: Parameters<typeof startSim>[0] = {}): Promise<Simulator> {
  const s = await startSim(opts);
  sims.push(s);
  return s;
}
async function prices(s: Simulator): Promise<WsClient> {
  const c = await openPrices(s);
  clients.push(c);
  return c;
}
const ofType = (c: WsClient, type: string) => c.frames.filter((f) => f.type === type);

describe('WS /v1/ws/prices', () => {
  it('greets, acks subscriptions with the full list in both spellings, and streams flat price frames', async () => {
    const s = await sim({ tickMs: 20, limits: false });
    const [a, b] = s.marketIds.filter((_, i) => i < 2) as [string, string];
    const c = await prices(s);
    await vi.waitFor(() => expect(c.frames[0]).toMatchObject({ type: 'connected', protocol_version: '1.0' }), {
      timeout: 10_000,
    });
    c.send({ action: 'subscribe', markets: [a] });
    c.send({ type: 'SUBSCRIBE', conditions: [b] });
    await vi.waitFor(() => expect(ofType(c, 'subscribed').at(-1)?.markets).toEqual([a, b]), { timeout: 10_000 });
    await vi.waitFor(() => expect(ofType(c, 'price').filter((f) => f.market_id === a).length).toBeGreaterThan(1), {
      timeout: 10_000,
    });
    const f = ofType(c, 'price').find((x) => x.market_id === a);
    expect(f).toMatchObject({
      type: 'price',
      market_id: a,
      condition_id: a,
      source: 'websocket',
      active: true,
      closed: false,
    });
    for (const k of ['buy', 'sell', 'best_bid', 'best_ask', 'volume']) expect(f[k]).toMatch(/^\d+(\.\d+)?$/);
    expect(Number.isInteger(f.emit_ts_ms)).toBe(true);
    expect(f.updated_at).toMatch(/\+00:00$/);
    expect(f.outcomes.map((o: { label: string }) => o.label)).toEqual(['Yes', 'No']);
    expect(Number(f.buy) + Number(f.sell)).toBeCloseTo(1, 9);
    expect(Number(f.best_bid)).toBeLessThan(Number(f.best_ask));
    c.send({ action: 'unsubscribe', markets: [a] });
    await vi.waitFor(() => expect(ofType(c, 'subscribed').at(-1)?.markets).toEqual([b]), { timeout: 10_000 });
    c.send({ action: 'ping' });
    await vi.waitFor(() => expect(ofType(c, 'pong')[0]?.ts).toEqual(expect.any(Number)), { timeout: 10_000 });
  });

  it('answers bad client frames with documented error frames and keeps the socket open', async () => {
    const s = await sim({ limits: false });
    const c = await prices(s);
    c.send('{nope');
    c.send({ action: 'subscribe', markets: 'x' });
    c.send({ action: 'dance' });
    c.send({ type: 'subscribe', assets_ids: ['123'] });
    c.send({ action: 'subscribe', condition_ids: [s.marketIds[0]] });
    await vi.waitFor(() => expect(ofType(c, 'error')).toHaveLength(4), { timeout: 10_000 });
    const msgs = ofType(c, 'error').map((e) => e.message);
    expect(msgs[0]).toBe('Invalid JSON');
    expect(msgs[1]).toBe("'markets' must be a list (accepted aliases: markets, conditions)");
    expect(msgs[2]).toMatch(/^Unknown action: 'dance'/);
    expect(msgs[3]).toMatch(/^'assets_ids' carries token IDs/);
    await vi.waitFor(() => expect(ofType(c, 'subscribed').at(-1)?.markets).toEqual([]), { timeout: 10_000 });
    const many = Array.from({ length: 51 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`);
    c.send({ action: 'subscribe', markets: many });
    await vi.waitFor(() => expect(ofType(c, 'error')).toHaveLength(5), { timeout: 10_000 });
    expect(ofType(c, 'error')[4].message).toMatch(/at most 50 markets/);
    c.send({ action: 'ping' });
    await vi.waitFor(() => expect(ofType(c, 'pong')).toHaveLength(1), { timeout: 10_000 });
    expect(c.closeInfo).toBeUndefined();
  });

  it('closes 4001 on a bad or expired token and 4002 over the tier connection cap', async () => {
    const clock = new ManualClock(T0);
    const s = await sim({ clock, limits: false });
    const bad = await openWs(`${s.wsUrl}/v1/ws/prices?token=garbage`);
    expect((await bad.closed).code).toBe(4001);
    const none = await openWs(`${s.wsUrl}/v1/ws/prices`);
    expect((await none.closed).code).toBe(4001);
    const token = await mintToken(s);
    clock.advance(60_001);
    const late = await openWs(`${s.wsUrl}/v1/ws/prices?token=${token}`);
    expect(await late.closed).toEqual({ code: 4001, reason: 'Token expired' });
    // pro: 3 connections; a token is reusable within its TTL.
    const fresh = await mintToken(s);
    for (let i = 0; i < 3; i++) {
      const c = await openWs(`${s.wsUrl}/v1/ws/prices?token=${fresh}`);
      clients.push(c);
      await vi.waitFor(() => expect(c.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
    }
    const fourth = await openWs(`${s.wsUrl}/v1/ws/prices?token=${fresh}`);
    expect((await fourth.closed).code).toBe(4002);
    expect(s.stats().ws.closes_4002).toBe(1);
  });

  it('closes an open socket with 4001 when its token expires, if configured to', async () => {
    const s = await sim({ closeOnTokenExpiry: true, tokenTtlMs: 300, limits: false });
    const c = await openWs(`${s.wsUrl}/v1/ws/prices?token=${await mintToken(s)}`);
    await vi.waitFor(() => expect(c.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
    expect(await c.closed).toEqual({ code: 4001, reason: 'Token expired' });
  });

  it('rejects a reused token in strict single-use mode', async () => {
    const s = await sim({ strictTokens: true, limits: false });
    const token = await mintToken(s);
    const first = await openWs(`${s.wsUrl}/v1/ws/prices?token=${token}`);
    clients.push(first);
    await vi.waitFor(() => expect(first.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
    const second = await openWs(`${s.wsUrl}/v1/ws/prices?token=${token}`);
    expect((await second.closed).code).toBe(4001);
  });

  it('gives the same frames byte for byte for the same seed and clock, and different ones for another seed', async () => {
    const run = async (seed: number) => {
      const clock = new ManualClock(T0);
      const s = await sim({ seed, clock, limits: false, snapshotOnSubscribe: false });
      const c = await prices(s);
      c.send({ action: 'subscribe', markets: s.marketIds.slice(0, 5) });
      await vi.waitFor(() => expect(ofType(c, 'subscribed')).toHaveLength(1), { timeout: 10_000 });
      for (let i = 0; i < 20; i++) {
        clock.advance(250);
        s.tick();
      }
      await vi.waitFor(() => expect(ofType(c, 'price').length).toBeGreaterThanOrEqual(20), { timeout: 10_000 });
      const n = ofType(c, 'price').length;
      await new Promise((r) => setImmediate(r));
      expect(ofType(c, 'price')).toHaveLength(n);
      return c.raw.filter((r) => r.startsWith('{"type":"price"'));
    };
    const a = await run(99);
    const b = await run(99);
    const other = await run(100);
    expect(a.length).toBeGreaterThanOrEqual(20);
    expect(b).toEqual(a);
    expect(other).not.toEqual(a);
  });
});

describe('WS /v1/ws/executions', () => {
  it('pushes a fill frame for each of the account’s fills', async () => {
    const s = await sim({ limits: false });
    const c = await openWs(`${s.wsUrl}/v1/ws/executions?token=${await mintToken(s)}`);
    clients.push(c);
    await vi.waitFor(() => expect(c.frames[0]?.type).toBe('connected'), { timeout: 10_000 });
    const active = (await call(s, 'GET', '/v1/markets?active_only=true')).body[0].condition_id;
    const r = await call(s, 'POST', '/v1/orders', {
      body: { market_id: active, side: 'BUY', outcome: 'No', quantity: '5' },
    });
    await vi.waitFor(() => expect(ofType(c, 'fill')).toHaveLength(1), { timeout: 10_000 });
    expect(ofType(c, 'fill')[0]).toMatchObject({
      type: 'fill',
      order_id: r.body.order_id,
      market_id: active,
      side: 'BUY',
      outcome: 'No',
      price: r.body.price,
      quantity: '5',
    });
  });
});
