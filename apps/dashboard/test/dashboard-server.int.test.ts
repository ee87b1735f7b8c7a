// The dashboard server against a real Redis (password-protected, so the password is a secret in play):
// one stream tail feeds every browser client, control POSTs check origin, token and confirmation, Bull Board
// is read-only without controls, and no secret reaches anything the page can load.

import { DeadLetterContract, FeedEventContract, keys } from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../src/index.js';
import { type DashboardFixture, dashboardFixture, type StartedDashboard, tickArgs } from './support/fixture.js';

const API_KEY = 'ps_live_DashboardTestKey0123456789abcdef';
const TOKEN = 'dashboard-test-token-0123456789';
const REDIS_PASSWORD = 'redis-Secret-pw-42';
const MARKET = `0x${'ab'.repeat(32)}`;

let r: TestRedis;
let url: string;
let fx: DashboardFixture;

function start(ns: string, opts: { token?: string; controls?: boolean } = {}): Promise<StartedDashboard> {
  return fx.start({ ns, partitions: 2, ...opts, secrets: [API_KEY, opts.token, REDIS_PASSWORD] });
}

/** Reads an SSE stream until `until` holds for the text so far (or the timeout passes). */
async function readSse(base: string, until: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let text = '';
  try {
    const res = await fetch(`${base}/api/events`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body?.getReader();
    const dec = new TextDecoder();
    while (reader) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      if (until(text)) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return text;
}

async function addTick(ns: string, yes: number): Promise<void> {
  await r.client().xadd(keys(ns).ticks(0), '*', ...tickArgs(MARKET, yes));
}

beforeAll(async () => {
  r = await startRedis({ own: true });
  // Existing connections stay authenticated; every new one needs the password from the URL.
  await r.client().config('SET', 'requirepass', REDIS_PASSWORD);
  url = `redis://:${encodeURIComponent(REDIS_PASSWORD)}@127.0.0.1:${r.port}`;
  fx = await dashboardFixture(url, {
    'index.html': '<!doctype html><title>polybot</title><script src="/assets/app.js"></script>',
    'app.js': 'console.log("page")',
  });
}, 60_000);

afterAll(async () => {
  await fx?.close();
  await r?.stop();
});

describe('dashboard server', () => {
  it('feeds every browser client from one stream tail: more clients, no more Redis readers', async () => {
    const ns = `${r.ns}a`;
    const { base, blocking, d } = await start(ns);
    await addTick(ns, 410_000);
    const clients = Array.from({ length: 6 }, () => readSse(base, (t) => t.includes('"y":420000')));
    await expect.poll(() => d.hub.size, { timeout: 10_000 }).toBe(6);
    await addTick(ns, 420_000);
    const texts = await Promise.all(clients);
    for (const t of texts) {
      // the snapshot carries the earlier tick, the live batch the new one
      expect(t).toMatch(/event: snapshot\ndata: .*"y":410000/);
      expect(t).toMatch(/event: events\ndata: .*"y":420000/);
    }
    expect(blocking()).toBe(1);
    // the page's files come from the bundle directory, with a CSP that allows no other origin
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await (await fetch(`${base}/assets/app.js`)).text()).toContain('page');
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/polybot_dashboard_stream_entries_total\{stream="tick",app="dashboard"\} 2/);
  });

  it('halts and resumes only on a confirmed POST from its own origin with the token', async () => {
    const ns = `${r.ns}b`;
    const { base } = await start(ns, { token: TOKEN });
    const halt = keys(ns).halt;
    const post = (path: string, headers: Record<string, string>, body: unknown = { confirm: true }) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const origin = base;
    expect((await post('/api/halt', { 'x-dashboard-token': TOKEN })).status).toBe(403);
    expect((await post('/api/halt', { origin: 'http://evil.example', 'x-dashboard-token': TOKEN })).status).toBe(403);
    expect((await post('/api/halt', { origin })).status).toBe(401);
    expect((await post('/api/halt', { origin, 'x-dashboard-token': 'wrong-token-0123456789' })).status).toBe(401);
    expect((await post('/api/halt', { origin, 'x-dashboard-token': TOKEN }, { confirm: false })).status).toBe(400);
    expect(await r.client().exists(halt)).toBe(0);
    const ok = await post('/api/halt', { origin, authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await r.client().exists(halt)).toBe(1);
    const snap = (await (await fetch(`${base}/api/snapshot`)).json()) as { status: { halted: boolean } };
    expect(snap.status.halted).toBe(true);
    expect((await post('/api/resume', { origin, 'x-dashboard-token': TOKEN })).status).toBe(200);
    expect(await r.client().exists(halt)).toBe(0);
    // a GET never changes anything
    expect((await fetch(`${base}/api/halt`)).status).toBe(404);
    // Bull Board's job actions pass the same guard, and work with controls on
    const pauseUrl = `${base}/queues/api/queues/${encodeURIComponent(keys(ns).ordersQueue)}/pause`;
    expect((await fetch(pauseUrl, { method: 'PUT', headers: { origin } })).status).toBe(401);
    expect((await fetch(pauseUrl, { method: 'PUT', headers: { origin, 'x-dashboard-token': TOKEN } })).status).toBe(
      200,
    );
    expect(await r.client().hget(`${keys(ns).bullPrefix}:${keys(ns).ordersQueue}:meta`, 'paused')).toBe('1');
  });

  it('is read-only without controls: halt and Bull Board job actions are refused', async () => {
    const ns = `${r.ns}c`;
    const { base } = await start(ns, { controls: false });
    const origin = base;
    const res = await fetch(`${base}/api/halt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: '{"confirm":true}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'CONTROLS_DISABLED' });
    const queues = (await (await fetch(`${base}/queues/api/queues`)).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    expect(queues.queues.map((q) => [q.name, q.readOnlyMode])).toEqual([[keys(ns).ordersQueue, true]]);
    const pause = await fetch(`${base}/queues/api/queues/${encodeURIComponent(keys(ns).ordersQueue)}/pause`, {
      method: 'PUT',
      headers: { origin },
    });
    expect(pause.status).toBe(403);
    // the refused PUT did not pause the queue
    expect(await r.client().hget(`${keys(ns).bullPrefix}:${keys(ns).ordersQueue}:meta`, 'paused')).toBeNull();
    expect((await fetch(`${base}/queues`)).status).toBe(200);
  });

  it('refuses a non-loopback bind without a token', () => {
    const { deps } = fx.deps({ ns: `${r.ns}d`, partitions: 1, host: '0.0.0.0' });
    expect(() => createDashboard(deps)).toThrow(/DASHBOARD_TOKEN/);
  });

  it('sends no secret to the page: not the API key, the token, nor the Redis password, wherever they hide', async () => {
    const ns = `${r.ns}e`;
    const k = keys(ns);
    const c = r.client();
    // Secrets planted where a careless writer might leave them: a dead letter and a feed event.
    await c.xadd(
      k.dead,
      '*',
      ...DeadLetterContract.toArgs({
        source: 'test',
        kind: 'ws_frame',
        reason: `bad frame with ${API_KEY} and ${TOKEN} and ${REDIS_PASSWORD}`,
        ts_ms: Date.now(),
        raw: `{"key":"${API_KEY}","redis":"${url}"}`,
      }),
    );
    await c.xadd(
      k.feed,
      '*',
      ...FeedEventContract.toArgs({
        event: 'disconnected',
        conn_id: 1,
        conn_epoch: 1,
        ts_ms: Date.now(),
        reason: `closed: ${TOKEN} ${REDIS_PASSWORD}`,
      }),
    );
    const { base } = await start(ns, { token: TOKEN });
    await addTick(ns, 500_000);
    const bodies = [
      await (await fetch(`${base}/`)).text(),
      await (await fetch(`${base}/assets/app.js`)).text(),
      await (await fetch(`${base}/api/snapshot`)).text(),
      await (await fetch(`${base}/queues`)).text(),
      await (await fetch(`${base}/queues/api/queues`)).text(),
      await (await fetch(`${base}/metrics`)).text(),
      await readSse(base, (t) => t.includes('event: status')),
    ];
    const all = bodies.join('\n');
    // the planted entries did reach the page, scrubbed
    expect(all).toContain('bad frame with');
    expect(all).toContain('[redacted]');
    for (const secret of [API_KEY, TOKEN, REDIS_PASSWORD, encodeURIComponent(REDIS_PASSWORD)]) {
      expect(all).not.toContain(secret);
    }
  });
});
