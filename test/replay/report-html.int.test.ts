// The backtest's HTML report renders in a real browser, offline: headless Chromium (Debian's `chromium`,
// driven by playwright-core) opens report.html from disk with every network request refused, and the page
// shows its equity curve and per-market chart without a console error. A screenshot is kept as an artifact.
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../apps/cli/src/backtest/index.js';
import { repoRoot } from '../support/build.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browsers: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
});

describe('backtest HTML report', () => {
  it('renders offline in headless Chromium with its charts and no console error', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    }
    const out = await mkdtemp(join(tmpdir(), 'polybot-report-'));
    const { htmlPath, report } = await backtestCommand({ env: {}, write: () => {}, out });
    expect(report.summary.trades).toBeGreaterThan(0);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    browsers.push(browser);
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const problems: string[] = [];
    const external: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    const res = await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    expect(res?.ok() ?? true).toBe(true);

    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    // The equity curve and the per-market chart are inline SVG with drawn paths.
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('svg path, svg polyline').count()).toBeGreaterThan(0);
    expect(await page.title()).not.toBe('');

    const artifacts = join(repoRoot, 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'backtest-report.png'), fullPage: true });
  }, 60_000);
});
