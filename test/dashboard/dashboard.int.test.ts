// The dashboard in a real browser against a live `polybot up` (fresh Redis, embedded simulator): headless
// Chromium (Debian's `chromium`, driven by playwright-core) loads the page with no console error and no
// request leaving the dashboard, sees prices and orders arrive and move, halts trading through the
// confirmation dialog (with the token) and resumes it. Halt and resume are checked in the streams and the
// simulator's ledger, not only on the page. A non-loopback bind without DASHBOARD_TOKEN is refused.
// A screenshot is kept in test-artifacts/.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  GapContract,
  IntentContract,
  keys,
  OrderEventContract,
  parseEntries,
  partition,
  TERMINAL_ORDER_EVENTS,
} from '@polybot/shared';
import { startRedis, type TestRedis } from '@polybot/shared/testing';
import type { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, repoRoot } from '../support/build.js';
import { launchChromium, requireChromium, saveScreenshot, watchPage } from '../support/chromium.js';

const cli = join(repoRoot, 'apps/cli/dist/main.js');
const TOKEN = 'browser-test-dashboard-token-0001';
const API_KEY = `ps_test_${'b'.repeat(40)}`;

let redis: TestRedis;
let up: ChildProcess | undefined;
let browser: Browser | undefined;
let output = '';

function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    REDIS_URL: redis.url,
    POLYBOT_NS: redis.ns,
  };
}

beforeAll(async () => {
  requireChromium();
  await buildWorkspace();
  redis = await startRedis({ own: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (up && up.exitCode === null) up.kill('SIGKILL');
  await redis?.stop();
});

/** Intents of the namespace with their decide time. */
async function intents(c: Redis): Promise<{ id: string; tDecide: number }[]> {
  return parseEntries(await c.xrange(keys(redis.ns).intents, '-', '+')).entries.map((e) => {
    const i = IntentContract.decode(e.fields);
    return { id: i.intent_id, tDecide: i.t_decide };
  });
}

/** Waits until every tick partition's entries up to now are acked by the strategy group (all gated). */
async function strategiesCaughtUp(c: Redis, partitions: number): Promise<void> {
  const k = keys(redis.ns);
  const upTo: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const last = (await c.xrevrange(k.ticks(p), '+', '-', 'COUNT', 1))[0];
    upTo.push(last ? last[0] : '0-0');
  }
  await expect
    .poll(
      async () => {
        let pending = 0;
        for (let p = 0; p < partitions; p++) {
          const entries = (await c.xpending(k.ticks(p), k.strategyGroup, '-', upTo[p] as string, 1)) as unknown[];
          pending += entries.length;
          const groups = (await c.xinfo('GROUPS', k.ticks(p))) as unknown[][];
          const g = groups.find((x) => x[x.indexOf('name') + 1] === k.strategyGroup);
          const delivered = String(g?.[g.indexOf('last-delivered-id') + 1] ?? '0-0');
          const [a, b] = delivered.split('-').map(Number);
          const [x, y] = (upTo[p] as string).split('-').map(Number);
          if ((a ?? 0) < (x ?? 0) || ((a ?? 0) === (x ?? 0) && (b ?? 0) < (y ?? 0))) pending++;
        }
        return pending;
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe(0);
}

describe('dashboard', () => {
  it('refuses a non-loopback bind without DASHBOARD_TOKEN, with one line and a non-zero exit', () => {
    const dash = spawnSync(process.execPath, [cli, 'dashboard', '--host', '0.0.0.0', '--port', '0'], {
      env: baseEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(dash.status).toBe(2);
    expect(dash.stderr.trim().split('\n')).toHaveLength(1);
    expect(dash.stderr).toMatch(/refusing to serve the dashboard on 0\.0\.0\.0 .*DASHBOARD_TOKEN/);

    // `polybot up` checks before it starts anything
    const upRun = spawnSync(process.execPath, [cli, 'up', '--no-build'], {
      env: { ...baseEnv(), DASHBOARD_HOST: '10.0.0.1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(upRun.status).toBe(2);
    expect(upRun.stderr.trim().split('\n')).toHaveLength(1);
    expect(upRun.stderr).toMatch(/DASHBOARD_TOKEN/);
    expect(upRun.stdout).not.toMatch(/redis|venue|ready/);
  });

  it('polybot up says so at once when the dashboard port is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as { port: number }).port;
    try {
      const upRun = spawnSync(process.execPath, [cli, 'up', '--no-build', '--dashboard-port', String(port)], {
        env: baseEnv(),
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(upRun.status).toBe(1);
      expect(upRun.stderr.trim().split('\n')).toHaveLength(1);
      expect(upRun.stderr).toMatch(new RegExp(`dashboard port 127\\.0\\.0\\.1:${port} is in use`));
      expect(upRun.stdout).not.toMatch(/redis|venue|ready/);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('shows live prices and orders in Chromium; halt (confirmed in the page) blocks intents, resume lets them through', async () => {
    const partitions = 4;
    const env = {
      ...baseEnv(),
      POLYBOT_PARTITIONS: String(partitions),
      LOG_LEVEL: 'info',
      POLYSIM_API_KEY: API_KEY,
      STRATEGY: 'every-nth',
      STRATEGY_PARAMS: '{"n":25}',
      RISK_COOLDOWN_MS: '300',
      RISK_ORDERS_PER_MIN: '600',
      RISK_MAX_POSITION: '100000',
      RISK_MAX_EXPOSURE: '1000000',
      SIM_MARKETS: '8',
      SIM_TICK_MS: '100',
      POLYBOT_MARKETS: 'auto:8',
      DASHBOARD_PORT: '0',
      DASHBOARD_TOKEN: TOKEN,
    };
    up = spawn(process.execPath, [cli, 'up', '--json', '--workers', '2'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout?.on('data', (d) => (output += String(d)));
    up.stderr?.on('data', (d) => (output += String(d)));
    await expect.poll(() => output, { timeout: 120_000, interval: 250 }).toMatch(/ready\s+.*dashboard\(pid \d+\)/);
    const url = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    const simUrl = /venue\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    expect(url).toBeDefined();
    expect(simUrl).toBeDefined();
    const c = redis.client();
    const k = keys(redis.ns);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1400 } });
    const { problems, external } = await watchPage(page, (u) => u.startsWith(`${url}/`) || u === url);
    const res = await page.goto(url, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.textContent('#conn-state'), { timeout: 15_000 }).toBe('live');
    await expect.poll(() => page.textContent('#halt-state'), { timeout: 15_000 }).toBe('trading');

    // prices appear and move
    const prices = () => page.locator('#markets tbody tr .price').allTextContents();
    await expect.poll(async () => (await prices()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const firstPrices = (await prices()).join('|');
    const applied = Number(await page.getAttribute('body', 'data-applied'));
    await expect.poll(async () => (await prices()).join('|'), { timeout: 30_000 }).not.toBe(firstPrices);
    await expect
      .poll(async () => Number(await page.getAttribute('body', 'data-applied')), { timeout: 15_000 })
      .toBeGreaterThan(applied);
    // sparklines are drawn (uPlot canvases) and ages shown
    expect(await page.locator('#markets canvas').count()).toBeGreaterThanOrEqual(4);
    expect((await page.locator('#markets tbody tr .age').first().textContent()) ?? '').toMatch(/\d/);

    // a gap marker in a partition stream (as the ingestor writes on a disconnect) is shown on its market
    const market = (await page.locator('#markets tbody tr').first().getAttribute('data-market')) as string;
    await c.xadd(
      k.ticks(partition(market, partitions)),
      '*',
      ...GapContract.toArgs({ type: 'gap', market_id: market, conn_epoch: 1, reason: 'disconnect', ts_ms: Date.now() }),
    );
    await expect
      .poll(() => page.locator(`#markets tbody tr[data-market="${market}"]`).textContent(), { timeout: 15_000 })
      .toMatch(/gap.*disconnect/);

    // orders appear with their lifecycle and per-hop latency, and keep coming
    const terminalRows = () => page.locator('#intents tbody tr[data-terminal="1"]').count();
    await expect.poll(terminalRows, { timeout: 60_000 }).toBeGreaterThan(0);
    const firstRow = page.locator('#intents tbody tr[data-terminal="1"]').first();
    expect(await firstRow.textContent()).toMatch(/acked|rejected/);
    expect(await firstRow.textContent()).toMatch(/\d+\.\d ms/);
    const terminalBefore = await terminalRows();
    await expect.poll(terminalRows, { timeout: 60_000 }).toBeGreaterThan(terminalBefore);
    // system panel: every child's state, partitions with lease owners, tick-to-order percentiles
    await expect
      .poll(() => page.locator('#processes tbody tr[data-process="executor"]').textContent(), { timeout: 15_000 })
      .toMatch(/running/);
    expect(await page.locator('#partitions tbody tr').count()).toBe(partitions);
    expect(await page.textContent('#sys-summary')).toMatch(/p50 \d+\.\d ms/);

    // halt, confirmed in the page's dialog, with the token typed by the operator
    await page.fill('#token', TOKEN);
    await page.click('#halt-btn');
    await expect.poll(() => page.locator('#confirm').isVisible(), { timeout: 15_000 }).toBe(true);
    await page.click('#confirm-yes');
    await expect.poll(() => page.textContent('#halt-state'), { timeout: 15_000 }).toMatch(/HALTED/);
    expect(await c.exists(k.halt)).toBe(1);
    const haltedAt = Date.now();
    // let the stack run on: ticks keep arriving and every strategy worker gates them while halted
    const ticksAtHalt = await c.xlen(k.ticks(0));
    await expect.poll(() => c.xlen(k.ticks(0)), { timeout: 30_000 }).toBeGreaterThan(ticksAtHalt + 60);
    await strategiesCaughtUp(c, partitions);
    const afterHalt = (await intents(c)).filter((i) => i.tDecide > haltedAt);
    expect(afterHalt, 'no intent passes the gate while halted').toEqual([]);

    // a cancelled dialog changes nothing
    await page.click('#resume-btn');
    await page.click('#confirm-no');
    await expect.poll(() => page.textContent('#control-result'), { timeout: 15_000 }).toBe('cancelled');
    expect(await c.exists(k.halt)).toBe(1);

    // resume: intents flow again, reach a terminal order event and the venue
    await page.click('#resume-btn');
    await page.click('#confirm-yes');
    await expect.poll(() => page.textContent('#halt-state'), { timeout: 15_000 }).toBe('trading');
    expect(await c.exists(k.halt)).toBe(0);
    const resumedAt = Date.now();
    await expect
      .poll(async () => (await intents(c)).filter((i) => i.tDecide > resumedAt).length, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const resumedIds = new Set((await intents(c)).filter((i) => i.tDecide > resumedAt).map((i) => i.id));
    let terminalAfterResume: string | undefined;
    await expect
      .poll(
        async () => {
          const events = parseEntries(await c.xrange(k.orders, '-', '+')).entries.map((e) =>
            OrderEventContract.decode(e.fields),
          );
          terminalAfterResume = events.find(
            (e) => TERMINAL_ORDER_EVENTS.has(e.event) && resumedIds.has(e.intent_id),
          )?.intent_id;
          return terminalAfterResume;
        },
        { timeout: 60_000 },
      )
      .toBeDefined();
    const ledger = (await (await fetch(`${simUrl}/_sim/ledger`)).json()) as {
      orders: { client_order_id: string | null }[];
    };
    const ledgerIds = new Set(ledger.orders.map((o) => o.client_order_id));
    expect(
      [...resumedIds].some((id) => ledgerIds.has(id)),
      'an order after resume reached the venue',
    ).toBe(true);
    // and the page shows that intent's terminal row
    await expect
      .poll(() => page.locator(`#intents tbody tr[data-intent="${terminalAfterResume}"][data-terminal="1"]`).count(), {
        timeout: 15_000,
      })
      .toBe(1);

    // nothing secret on the page
    const html = await page.content();
    const snapshot = await (await fetch(`${url}/api/snapshot`)).text();
    for (const secret of [TOKEN, API_KEY]) {
      expect(html).not.toContain(secret);
      expect(snapshot).not.toContain(secret);
    }
    expect(problems).toEqual([]);
    expect(external).toEqual([]);

    await saveScreenshot(page, 'dashboard.png');

    up.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => up?.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
  }, 300_000);
});
